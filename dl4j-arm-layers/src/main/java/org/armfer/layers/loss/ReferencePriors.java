package org.armfer.layers.loss;

/**
 * The prior matrix D that the VT_with_NR_for_FER reference (Hwang et al., ICASSP 2022; {@code utils/losses.py},
 * {@code fer_emo_dis}) trains FER+ with, offered beside the one derived from FER+'s votes ({@code FerPlusPrior} in
 * datavec-fer): row y is how FER+'s annotators spread the votes of the training images of class y (computed by the
 * reference's authors from the FER+ training set). For {@link LossPDLS#referenceFocal(int)}.
 * <p>
 * The reference lists the rows in FER+'s column order (neutral, happiness, surprise, sadness, anger, disgust, fear,
 * contempt) with 6 decimals, so its rows sum to 1 only within 2e-6; {@link #ferPlus(int)} returns it in armfer's
 * canonical label order (0 neutral, 1 happiness, 2 sadness, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt) with
 * every row divided by its sum. The 7-class form (RAF-DB, AffectNet-7: contempt dropped) drops contempt's row and
 * column and renormalises the rows; the reference's own {@code rafdb_emo_dis} drops them without renormalising (its
 * rows sum to 0.98-0.99), which {@link LossPDLS} does not accept.
 */
public final class ReferencePriors {

    /** The reference's {@code fer_emo_dis}, rows and columns in FER+'s order, as printed there. */
    private static final double[][] FER_EMO_DIS = {
            {0.777334, 0.03261, 0.017447, 0.114091, 0.026224, 0.007145, 0.004379, 0.020772},
            {0.042842, 0.917618, 0.023221, 0.004816, 0.004217, 0.001969, 0.001755, 0.003563},
            {0.058354, 0.035775, 0.787254, 0.01037, 0.014319, 0.003015, 0.088513, 0.0024},
            {0.170124, 0.013292, 0.008632, 0.747902, 0.022808, 0.011237, 0.015923, 0.010082},
            {0.074781, 0.02535, 0.060215, 0.031924, 0.740551, 0.034938, 0.023251, 0.008989},
            {0.08959, 0.017445, 0.016911, 0.088629, 0.125152, 0.620813, 0.007788, 0.033671},
            {0.042815, 0.012239, 0.169483, 0.072557, 0.027228, 0.013045, 0.658964, 0.003671},
            {0.147933, 0.022174, 0.00989, 0.042923, 0.033551, 0.059924, 0.005507, 0.678099}};

    /** FER+'s column i is canonical label {@code FERPLUS_TO_CANONICAL[i]}. */
    static final int[] FERPLUS_TO_CANONICAL = {0, 1, 3, 2, 6, 5, 4, 7};

    private ReferencePriors() {
    }

    /** The reference's matrix exactly as printed, in FER+'s order (a copy). */
    public static double[][] ferPlusReferenceOrder() {
        double[][] c = new double[8][];
        for (int i = 0; i < 8; i++) {
            c[i] = FER_EMO_DIS[i].clone();
        }
        return c;
    }

    /**
     * The reference's matrix in canonical label order, rows normalised to sum to 1: 8 classes (FER+, AffectNet-8) or
     * 7 (contempt dropped).
     */
    public static double[][] ferPlus(int numClasses) {
        if (numClasses != 8 && numClasses != 7) {
            throw new IllegalArgumentException("ReferencePriors.ferPlus: the reference's prior is for 8 classes (FER+) or 7"
                    + " (contempt dropped), got numClasses " + numClasses);
        }
        double[][] canonical = new double[8][8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                canonical[FERPLUS_TO_CANONICAL[i]][FERPLUS_TO_CANONICAL[j]] = FER_EMO_DIS[i][j];
            }
        }
        double[][] out = new double[numClasses][numClasses];
        for (int i = 0; i < numClasses; i++) {
            double sum = 0;
            for (int j = 0; j < numClasses; j++) {
                sum += canonical[i][j];
            }
            for (int j = 0; j < numClasses; j++) {
                out[i][j] = canonical[i][j] / sum;
            }
        }
        return out;
    }
}
