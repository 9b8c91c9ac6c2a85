package org.armfer.datavec;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The augmentation policies' draws, counted over many images: which of flip, noise and erasing each one got, told
 * from the pixels, against the probabilities of the reference training (one of flip or noise with total probability
 * 0.5, erasing with 0.5) and of the independent policy, within five binomial standard deviations.
 */
class AugmentationTest {

    private static final int SIDE = 16;
    private static final int DRAWS = 4000;

    /** Gray columns 40, 50, ..., 190: mirrored it differs everywhere, and no pixel normalises to exactly 0. */
    private static Sample.RawImage columns() {
        float[] p = new float[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) for (int x = 0; x < SIDE; x++) p[y * SIDE + x] = 40 + 10 * x;
        return new Sample.RawImage(1, SIDE, SIDE, p);
    }

    /** Counts of what the draws did: [none, flip only, noise only, flip and noise], and how many were erased. */
    private record Counts(int[] kind, int erased, double noiseVariance) {
    }

    private static Counts count(Augmentation.Policy policy, long seed) {
        Sample.RawImage raw = columns();
        float[] plain = ImagePreprocessor.evaluation(1, SIDE).apply(raw, null);
        float[] mirrored = plain.clone();
        for (int y = 0; y < SIDE; y++) for (int x = 0; x < SIDE; x++) mirrored[y * SIDE + x] = plain[y * SIDE + SIDE - 1 - x];
        ImagePreprocessor train = ImagePreprocessor.training(1, SIDE, policy);
        Random r = new Random(seed);
        int[] kind = new int[4];
        int erased = 0;
        double sq = 0;
        long noisyPixels = 0;
        for (int t = 0; t < DRAWS; t++) {
            float[] out = train.apply(raw, r);
            boolean wasErased = false;
            double toPlain = 0, toMirrored = 0;
            int kept = 0;
            for (int i = 0; i < out.length; i++) {
                if (out[i] == 0f) {
                    wasErased = true;
                    continue;
                }
                toPlain += Math.abs(out[i] - plain[i]);
                toMirrored += Math.abs(out[i] - mirrored[i]);
                kept++;
            }
            boolean flipped = toMirrored < toPlain;
            boolean noisy = Math.min(toPlain, toMirrored) > 0;
            kind[(flipped ? 1 : 0) + (noisy ? 2 : 0)]++;
            if (wasErased) erased++;
            if (noisy && !flipped) {
                // back to the 0-255 scale: normalised = (v / 255 - mean) / std
                for (int i = 0; i < out.length; i++) {
                    if (out[i] == 0f) continue;
                    double d = (out[i] - plain[i]) * Images.STD[0] * 255;
                    sq += d * d;
                    noisyPixels++;
                }
            }
            assertTrue(kept > 0, "draw " + t + " left pixels");
        }
        return new Counts(kind, erased, noisyPixels == 0 ? Double.NaN : sq / noisyPixels);
    }

    private static void assertBinomial(int count, double p, String what) {
        double sd = Math.sqrt(DRAWS * p * (1 - p));
        assertEquals(DRAWS * p, count, Math.max(5 * sd, 0.5), what + ": " + count + " of " + DRAWS + ", expected p = " + p);
    }

    @Test
    void referencePolicyAppliesOneOfFlipOrNoiseWithTotalProbabilityOneHalf() {
        Counts c = count(Augmentation.Policy.REFERENCE, 1);
        assertBinomial(c.kind()[0], 0.5, "neither (random.uniform(0, 1) <= 0.5)");
        assertBinomial(c.kind()[1], 0.25, "flip only");
        assertBinomial(c.kind()[2], 0.25, "noise only");
        assertEquals(0, c.kind()[3], "never both: aug_func[random.randint(0, 1)] picks one");
        assertBinomial(c.erased(), 0.5, "RandomErasing p");
        // add_gaussian_noise(var=30), clipped and truncated to whole numbers: variance 30 + 1/12 + (mean shift 1/2)^2
        assertEquals(30 + 1.0 / 12 + 0.25, c.noiseVariance(), 1.5, "noise variance on the 0-255 scale");
    }

    @Test
    void independentPolicyFlipsAndAddsNoiseEachWithProbabilityOneHalf() {
        Counts c = count(Augmentation.Policy.INDEPENDENT, 2);
        for (int k = 0; k < 4; k++) assertBinomial(c.kind()[k], 0.25, "kind " + k + " (none, flip, noise, both)");
        assertBinomial(c.erased(), 0.5, "RandomErasing p");
        assertEquals(30, c.noiseVariance(), 1.5, "noise variance on the 0-255 scale, not rounded");
    }

    @Test
    void noneLeavesTrainingImagesAsEvaluationImages() {
        Counts c = count(Augmentation.Policy.NONE, 3);
        assertEquals(DRAWS, c.kind()[0]);
        assertEquals(0, c.erased());
        assertEquals(Augmentation.Policy.REFERENCE, Augmentation.Policy.parse(" Reference "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Augmentation.Policy.parse("mixup"));
        assertTrue(e.getMessage().contains("independent"), e.getMessage());
    }
}
