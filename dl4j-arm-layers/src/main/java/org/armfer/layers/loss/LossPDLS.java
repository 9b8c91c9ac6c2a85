package org.armfer.layers.loss;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossUtil;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * Prior-distribution label smoothing (PDLS) and its focal form F-PDLS (Hwang et al., "Vision transformer equipped with
 * neural resizer on facial expression recognition task"), as a DL4J loss function for an {@code OutputLayer} (or any
 * {@code BaseOutputLayer}) with {@code Activation.SOFTMAX}.
 * <p>
 * With {@code p = softmax(z)}, the true class y and a prior matrix D (row y: how the class-y examples' annotations
 * spread over the K classes, e.g. FER+ votes), the target weights are
 * {@code w_k = α·[k = y] + (1 - α)·D[y][k]} and
 * <pre>
 *   loss = -Σ_k w_k · (1 - p_k)^γ · log p_k
 * </pre>
 * PDLS is γ = 0, α = 0.5 ({@link #pdls}); F-PDLS is γ = 2, α = 0.8 ({@link #focal}); the focal factor
 * {@code (1 - p_k)^γ} applies to every class k, not only the target. α = 1, γ = 0 is plain cross-entropy.
 * <p>
 * D is supplied by the user ({@code double[][]} or a 2-D INDArray; this module does not know where it comes from):
 * square K x K with K >= 2, finite non-negative entries, every row summing to 1 (within 1e-6), and K must equal the
 * output layer's size. It is kept as a {@code double[][]} and written to the graph's JSON ({@code "prior"}) with
 * α and γ, so a saved model carries its loss.
 * <p>
 * <b>Labels.</b> DL4J's convention is one-hot rows. A soft label row q (a probability distribution: entries >= 0,
 * summing to 1 within 1e-3) is accepted and means the expected loss over it, {@code Σ_y q_y · loss(y)}, i.e. the
 * weights {@code w = q · W} with {@code W[y] = α·e_y + (1 - α)·D[y]}; for a one-hot row that is exactly the loss above.
 * Any other row (negative entries, or a sum away from 1, e.g. an all-zero row that is not masked out) is rejected with
 * the row and its sum.
 * <p>
 * <b>Gradient.</b> With softmax the gradient with respect to the pre-softmax z is computed in closed form from
 * log-softmax (no clipping, stable for large logits): with {@code h_k = -w_k·((1-p_k)^γ - γ·p_k·(1-p_k)^(γ-1)·log p_k)},
 * {@code dL/dz_j = h_j - p_j·Σ_k h_k} (γ = 0: {@code p_j·Σ_k w_k - w_j}). Any other activation gets
 * {@code dL/dp} through the activation's own backprop, as DL4J's {@code LossMCXENT} does; its outputs must then lie in
 * (0, 1] and are clipped below at 1e-10 for the logarithm. Masks: per-example (a column {@code [N, 1]}) only, as
 * {@code LossMCXENT} with softmax; a per-output mask is rejected because the loss couples the classes.
 */
public class LossPDLS implements ILossFunction {

    private static final long serialVersionUID = 1L;

    /** α of PDLS. */
    public static final double PDLS_ALPHA = 0.5;
    /** α of F-PDLS. */
    public static final double FPDLS_ALPHA = 0.8;
    /** γ of F-PDLS. */
    public static final double FPDLS_GAMMA = 2.0;
    /** How far a row of D may sum from 1. */
    public static final double PRIOR_ROW_TOLERANCE = 1e-6;
    /** How far a label row may sum from 1. */
    public static final double LABEL_ROW_TOLERANCE = 1e-3;
    /** Lower clip of non-softmax outputs before the logarithm. */
    static final double CLIP = 1e-10;

    private final double[][] prior;
    private final double alpha;
    private final double gamma;
    /** {@code W[y][k] = α·[k = y] + (1 - α)·D[y][k]}. */
    private final double[][] targetWeights;

    /**
     * @param prior the prior matrix D, K x K, rows summing to 1 (copied)
     * @param alpha weight of the true class, 0 <= α <= 1
     * @param gamma focal exponent, finite and >= 0 (0: no focal factor)
     */
    @JsonCreator
    public LossPDLS(@JsonProperty("prior") double[][] prior, @JsonProperty("alpha") double alpha,
                    @JsonProperty("gamma") double gamma) {
        this.prior = checkPrior(prior);
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("LossPDLS: alpha must be in [0, 1] (weight of the true class), got " + alpha);
        }
        if (!(gamma >= 0) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("LossPDLS: gamma must be a finite number >= 0 (0 = no focal factor), got " + gamma);
        }
        this.alpha = alpha;
        this.gamma = gamma;
        int k = this.prior.length;
        this.targetWeights = new double[k][k];
        for (int y = 0; y < k; y++) {
            for (int j = 0; j < k; j++) {
                targetWeights[y][j] = (j == y ? alpha : 0.0) + (1 - alpha) * this.prior[y][j];
            }
        }
    }

    /** As {@link #LossPDLS(double[][], double, double)} with D a 2-D INDArray (copied, as double). */
    public LossPDLS(INDArray prior, double alpha, double gamma) {
        this(toMatrix(prior), alpha, gamma);
    }

    /** PDLS: α = 0.5, γ = 0. */
    public static LossPDLS pdls(double[][] prior) {
        return new LossPDLS(prior, PDLS_ALPHA, 0.0);
    }

    /** PDLS: α = 0.5, γ = 0. */
    public static LossPDLS pdls(INDArray prior) {
        return new LossPDLS(prior, PDLS_ALPHA, 0.0);
    }

    /** F-PDLS: α = 0.8, γ = 2. */
    public static LossPDLS focal(double[][] prior) {
        return new LossPDLS(prior, FPDLS_ALPHA, FPDLS_GAMMA);
    }

    /** F-PDLS: α = 0.8, γ = 2. */
    public static LossPDLS focal(INDArray prior) {
        return new LossPDLS(prior, FPDLS_ALPHA, FPDLS_GAMMA);
    }

    /**
     * F-PDLS as the VT_with_NR_for_FER reference trains FER+ ({@code FocalLabelSmoothingLossDis}): α = 0.8, γ = 2 and
     * the reference's own prior matrix ({@link ReferencePriors#ferPlus(int)}, canonical label order), for 8 classes
     * (FER+) or 7 (contempt dropped). The prior derived from a FER+ vote file is datavec-fer's {@code FerPlusPrior}.
     */
    public static LossPDLS referenceFocal(int numClasses) {
        return focal(ReferencePriors.ferPlus(numClasses));
    }

    private static double[][] toMatrix(INDArray prior) {
        if (prior == null) {
            throw new IllegalArgumentException("LossPDLS: prior matrix D is null; give the K x K matrix of the class priors");
        }
        if (prior.rank() != 2) {
            throw new IllegalArgumentException("LossPDLS: prior matrix D must be 2-D (K x K), got shape " + Arrays.toString(prior.shape()));
        }
        return prior.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    /** Validates D and returns a deep copy. */
    private static double[][] checkPrior(double[][] prior) {
        if (prior == null) {
            throw new IllegalArgumentException("LossPDLS: prior matrix D is null; give the K x K matrix of the class priors");
        }
        int k = prior.length;
        if (k < 2) {
            throw new IllegalArgumentException("LossPDLS: prior matrix D must be K x K with K >= 2 classes, got " + k + " rows");
        }
        double[][] copy = new double[k][];
        for (int i = 0; i < k; i++) {
            if (prior[i] == null || prior[i].length != k) {
                throw new IllegalArgumentException("LossPDLS: prior matrix D must be square (K x K): it has " + k + " rows but row "
                        + i + " has " + (prior[i] == null ? "no" : String.valueOf(prior[i].length)) + " entries");
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                double v = prior[i][j];
                if (!Double.isFinite(v) || v < 0) {
                    throw new IllegalArgumentException("LossPDLS: prior matrix D must hold finite values >= 0; D[" + i + "][" + j
                            + "] = " + v);
                }
                sum += v;
            }
            if (Math.abs(sum - 1.0) > PRIOR_ROW_TOLERANCE) {
                throw new IllegalArgumentException("LossPDLS: every row of the prior matrix D must sum to 1 (within "
                        + PRIOR_ROW_TOLERANCE + "); row " + i + " sums to " + sum);
            }
            copy[i] = prior[i].clone();
        }
        return copy;
    }

    // ------------------------------------------------------------------------------------------------ computation

    /** The per-class terms {@code -w_k (1 - p_k)^γ log p_k}, [N, K], masked, and what the gradient needs. */
    private Terms terms(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (!labels.equalShapes(preOutput)) {
            throw new IllegalArgumentException("LossPDLS: labels and network output must have equal shapes, got labels "
                    + Arrays.toString(labels.shape()) + " and output " + Arrays.toString(preOutput.shape()));
        }
        if (preOutput.rank() != 2) {
            throw new IllegalArgumentException("LossPDLS: expects a 2-D output [N, K], got " + Arrays.toString(preOutput.shape()));
        }
        int k = prior.length;
        if (preOutput.size(1) != k) {
            throw new IllegalStateException("LossPDLS: the prior matrix D is " + k + "x" + k + " but the output layer has "
                    + preOutput.size(1) + " classes; D must be K x K for K classes");
        }
        if (mask != null && LossUtil.isPerOutputMasking(preOutput, mask)) {
            throw new UnsupportedOperationException("LossPDLS: per-output masking (mask shape " + Arrays.toString(mask.shape())
                    + ") is not supported, the loss couples the classes; use a per-example mask [N, 1]");
        }
        DataType dt = preOutput.dataType();
        INDArray y = labels.castTo(dt);
        checkLabels(y, mask);

        Terms t = new Terms();
        t.softmax = activationFn instanceof ActivationSoftmax;
        if (t.softmax) {
            // log-softmax, stable for large logits
            INDArray shifted = preOutput.subColumnVector(preOutput.max(true, 1));
            INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
            t.logP = shifted.subiColumnVector(lse);
            t.p = Transforms.exp(t.logP, true);
        } else {
            t.p = activationFn.getActivation(preOutput.dup(), true);
            BooleanIndexing.replaceWhere(t.p, CLIP, Conditions.lessThan(CLIP));
            t.logP = Transforms.log(t.p, true);
        }
        t.w = y.mmul(Nd4j.createFromArray(targetWeights).castTo(dt));            // [N, K], row i = Σ_y q_iy W[y]
        if (gamma == 0) {
            t.score = t.w.mul(t.logP).negi();
        } else {
            t.q = t.p.rsub(1.0);                                          // 1 - p
            t.focal = Transforms.pow(t.q, gamma, true);                   // (1 - p)^γ
            t.score = t.w.mul(t.focal).muli(t.logP).negi();
        }
        if (mask != null) {
            LossUtil.applyMask(t.score, mask);
        }
        return t;
    }

    /** Label rows must be probability distributions (one-hot or soft); masked-out rows are not checked. */
    private static void checkLabels(INDArray labels, INDArray mask) {
        double min = labels.minNumber().doubleValue();
        if (min < 0 || Double.isNaN(min)) {
            long[] where = BooleanIndexing.firstIndex(labels.reshape(-1), Conditions.lessThan(0.0)).toLongVector();
            long idx = where.length == 0 ? -1 : where[0];
            throw new IllegalArgumentException("LossPDLS: labels must be one-hot or probability distributions; found " + min
                    + (idx >= 0 ? " in row " + idx / labels.size(1) : "") + " (entries must be >= 0)");
        }
        INDArray sums = labels.sum(1);
        INDArray off = Transforms.abs(sums.sub(1.0), false);
        if (mask != null) {
            off.muli(mask.reshape(-1).castTo(off.dataType()).neq(0).castTo(off.dataType()));
        }
        double worst = off.maxNumber().doubleValue();
        if (worst > LABEL_ROW_TOLERANCE || Double.isNaN(worst)) {
            long row = off.argMax().getLong(0);
            throw new IllegalArgumentException("LossPDLS: label row " + row + " sums to " + sums.getDouble(row)
                    + "; labels must be one-hot or probability distributions over the " + labels.size(1)
                    + " classes (rows summing to 1 within " + LABEL_ROW_TOLERANCE + ")");
        }
    }

    private static final class Terms {
        boolean softmax;
        INDArray p;
        INDArray logP;
        INDArray w;
        INDArray q;
        INDArray focal;
        INDArray score;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        INDArray score = terms(labels, preOutput, activationFn, mask).score;
        double s = score.sumNumber().doubleValue();
        return average ? s / score.size(0) : s;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return terms(labels, preOutput, activationFn, mask).score.sum(true, 1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return gradient(terms(labels, preOutput, activationFn, mask), preOutput, activationFn, mask);
    }

    private INDArray gradient(Terms t, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray grad;
        if (t.softmax) {
            // h_k = p_k·dL/dp_k = -w_k·((1-p_k)^γ - γ·p_k·(1-p_k)^(γ-1)·log p_k); dL/dz_j = h_j - p_j·Σ_k h_k
            INDArray h;
            if (gamma == 0) {
                h = t.w.neg();
            } else {
                h = t.focal.sub(focalDerivativeTerm(t).muli(t.p)).muli(t.w).negi();
            }
            grad = h.sub(t.p.mulColumnVector(h.sum(true, 1)));
        } else {
            // dL/dp_k = -w_k·((1-p_k)^γ / p_k - γ·(1-p_k)^(γ-1)·log p_k)
            INDArray dLdp;
            if (gamma == 0) {
                dLdp = t.w.div(t.p).negi();
            } else {
                dLdp = t.focal.div(t.p).subi(focalDerivativeTerm(t)).muli(t.w).negi();
            }
            grad = activationFn.backprop(preOutput.dup(), dLdp).getFirst();
        }
        if (mask != null) {
            LossUtil.applyMask(grad, mask);
        }
        return grad;
    }

    /** {@code γ·(1-p)^(γ-1)·log p}; 0 where p = 1 (its limit, also for γ < 1). */
    private INDArray focalDerivativeTerm(Terms t) {
        INDArray d = Transforms.pow(t.q, gamma - 1, true).muli(t.logP).muli(gamma);
        BooleanIndexing.replaceWhere(d, 0.0, Conditions.isNan());
        BooleanIndexing.replaceWhere(d, 0.0, Conditions.isInfinite());
        return d;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        Terms t = terms(labels, preOutput, activationFn, mask);
        double s = t.score.sumNumber().doubleValue();
        return new Pair<>(average ? s / t.score.size(0) : s, gradient(t, preOutput, activationFn, mask));
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** A copy of the prior matrix D. */
    public double[][] getPrior() {
        double[][] copy = new double[prior.length][];
        for (int i = 0; i < prior.length; i++) {
            copy[i] = prior[i].clone();
        }
        return copy;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getGamma() {
        return gamma;
    }

    /** Number of classes K. */
    @JsonIgnore
    public int numClasses() {
        return prior.length;
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public String toString() {
        return (gamma == 0 ? "LossPDLS" : "LossPDLS[focal]") + "(alpha=" + alpha + ", gamma=" + gamma + ", K=" + prior.length + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || o.getClass() != getClass()) return false;
        LossPDLS l = (LossPDLS) o;
        return Double.compare(alpha, l.alpha) == 0 && Double.compare(gamma, l.gamma) == 0 && Arrays.deepEquals(prior, l.prior);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Double.hashCode(alpha) + Double.hashCode(gamma)) + Arrays.deepHashCode(prior);
    }
}
