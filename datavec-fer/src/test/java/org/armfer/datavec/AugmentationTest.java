package org.armfer.datavec;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void despamPolicyFlipsWithProbabilityOneHalfAndErasesUpToAQuarter() {
        Counts c = count(Augmentation.Policy.DESPAM, 4);
        assertBinomial(c.kind()[0], 0.5, "not flipped");
        assertBinomial(c.kind()[1], 0.5, "flipped (RandomHorizontalFlip)");
        assertEquals(0, c.kind()[2] + c.kind()[3], "no noise");
        assertBinomial(c.erased(), 0.5, "RandomErasing p");
        // the erased share of the image: above REFERENCE's 10% sometimes, never above 25% but for the rounding of the
        // box's sides to whole pixels (as torchvision rounds them): at 64x64 at most 0.25 + (h + w) / 2 / 64^2 < 0.27
        ImagePreprocessor train = ImagePreprocessor.training(1, 64, Augmentation.Policy.DESPAM);
        Random r = new Random(5);
        float[] plain = new float[64 * 64];
        java.util.Arrays.fill(plain, 200);
        Sample.RawImage raw = new Sample.RawImage(1, 64, 64, plain);
        double largest = 0;
        for (int t = 0; t < 2000; t++) {
            float[] out = train.apply(raw, r);
            int zeros = 0;
            for (float v : out) if (v == 0f) zeros++;
            largest = Math.max(largest, zeros / (double) out.length);
        }
        assertTrue(largest > 0.15 && largest < 0.27, "largest erased share " + largest + " in (0.15, 0.27)");
    }

    /** A Random whose nextDouble answers a fixed list, then 0.5; nextInt answers 0. */
    private static Random scripted(double... doubles) {
        return new Random() {
            private int i;

            @Override
            public double nextDouble() {
                return i < doubles.length ? doubles[i++] : 0.5;
            }

            @Override
            public int nextInt(int bound) {
                return 0;
            }
        };
    }

    private static float[] ramp(int channels, int size) {
        float[] img = new float[channels * size * size];
        for (int i = 0; i < img.length; i++) img[i] = (i % 97) / 96f;
        return img;
    }

    @Test
    void rarnWarpRotatesAndShiftsAsStated() {
        int s = 5;
        float[] in = ramp(2, s);
        // rotation by 90 degrees about the centre (2, 2): out(x, y) = in(y, 4 - x)
        float[] rot = Augmentation.affine(in, 2, s, Math.PI / 2, 0, 0);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                    assertEquals(in[c * 25 + (s - 1 - x) * s + y], rot[c * 25 + y * s + x], 1e-5, "rotated c" + c + " x" + x + " y" + y);
        // a shift by one pixel to the right, the left column filled from the nearest edge
        float[] shifted = Augmentation.affine(in, 2, s, 0, 1, 0);
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
                assertEquals(in[y * s + Math.max(0, x - 1)], shifted[y * s + x], 1e-6, "shifted x" + x + " y" + y);
    }

    @Test
    void rarnDrawsFlipsWarpJitterAndGrayscaleInItsStatedOrder() {
        int s = 6;
        float[] img = ramp(3, s);
        float[] expected = img.clone();
        // flips only: h flip (0.1 < 0.5), v flip (0.2 < 0.5), angle/shifts/jitter neutral (0.5), no grayscale (0.9)
        Augmentation.rarn(img, 3, s, scripted(0.1, 0.2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9));
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                    assertEquals(expected[c * 36 + (s - 1 - y) * s + (s - 1 - x)], img[c * 36 + y * s + x], 1e-6, "flipped both ways");
        // brightness at its largest factor (1.2: draw 1.0), then grayscale (0.1 < 0.2): all channels the luma
        float[] gray = new float[3 * s * s];
        java.util.Arrays.fill(gray, 0, 36, 0.5f);
        java.util.Arrays.fill(gray, 36, 72, 0.25f);
        java.util.Arrays.fill(gray, 72, 108, 0.1f);
        Augmentation.rarn(gray, 3, s, scripted(0.9, 0.9, 0.5, 0.5, 0.5, 1.0, 0.5, 0.5, 0.1));
        double luma = (0.299 * 0.5 + 0.587 * 0.25 + 0.114 * 0.1) * 1.2;
        for (float v : gray) assertEquals(luma, v, 1e-5, "brightness x1.2 then luma");
    }

    @Test
    void rarnConvertsAboutAFifthOfTheImagesToGray() {
        int s = 8, gray = 0;
        Random r = new Random(6);
        for (int t = 0; t < DRAWS; t++) {
            float[] img = new float[3 * s * s];
            java.util.Arrays.fill(img, 0, 64, 0.6f);
            java.util.Arrays.fill(img, 64, 128, 0.3f);
            java.util.Arrays.fill(img, 128, 192, 0.2f);
            Augmentation.rarn(img, 3, s, r);
            if (Math.abs(img[0] - img[64]) < 1e-6 && Math.abs(img[0] - img[128]) < 1e-6) gray++;
            for (float v : img) assertTrue(v >= 0 && v <= 1, "values stay in [0, 1]");
        }
        assertBinomial(gray, Augmentation.RARN_GRAYSCALE_PROBABILITY, "RandomGrayscale(0.2)");
        assertEquals(Augmentation.Policy.RARN, Augmentation.Policy.parse("rarn"));
        assertEquals(Augmentation.Policy.DESPAM, Augmentation.Policy.parse("DeSpaM"));
    }

    @Test
    void vtnrRotatesCounterClockwiseZoomsAboutTheCentreAndFillsBlack() {
        int s = 5;
        float[] img = ramp(1, s);
        // 90 degrees: the pixel below the centre moves to its right, as PIL's rotate(90) turns an upright face
        float[] turned = Augmentation.rotateAndZoom(img, 1, s, Math.toRadians(90), 1);
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
                assertEquals(img[x * s + (s - 1 - y)], turned[y * s + x], 0, "out(x, y) = in(4 - y, x) at " + x + "," + y);
        // zoom 1.2 with no turn: the centre stays, the edge samples round(c + (x - c) / 1.2), nothing falls outside
        float[] zoomed = Augmentation.rotateAndZoom(img, 1, s, 0, 1.2);
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++) {
                int sx = (int) Math.round(2 + (x - 2) / 1.2), sy = (int) Math.round(2 + (y - 2) / 1.2);
                assertEquals(img[sy * s + sx], zoomed[y * s + x], 0);
            }
        // 45 degrees without zoom: the corners come from outside the image and are black
        float[] white = new float[s * s];
        java.util.Arrays.fill(white, 1f);
        float[] diagonal = Augmentation.rotateAndZoom(white, 1, s, Math.toRadians(45), 1);
        assertEquals(0f, diagonal[0]);
        assertEquals(0f, diagonal[s * s - 1]);
        assertEquals(1f, diagonal[2 * s + 2]);
    }

    @Test
    void vtnrDrawsFlipBothAnglesAndJitterInItsStatedOrder() {
        int s = 6;
        float[] img = ramp(3, s);
        float[] expected = img.clone();
        // flip (0.1 < 0.5), rotations summing to 0 (0.5, 0.5 -> 0 and 0 degrees): only the zoom 1.2 and the flip;
        // jitter factors neutral (0.5 -> 1.0)
        Augmentation.vtnr(img, 3, s, scripted(0.1, 0.5, 0.5, 0.5, 0.5, 0.5));
        float[] flipped = expected.clone();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                    flipped[c * 36 + y * s + x] = expected[c * 36 + y * s + (s - 1 - x)];
        assertArrayEquals(Augmentation.rotateAndZoom(flipped, 3, s, 0, Augmentation.VTNR_ZOOM), img, 1e-6f);
        // saturation at its smallest factor (0.6: draw 0.0) with brightness and contrast neutral: each pixel moves
        // 40% of the way to its luma
        float[] colour = new float[3 * s * s];
        java.util.Arrays.fill(colour, 0, 36, 0.8f);
        java.util.Arrays.fill(colour, 36, 72, 0.4f);
        java.util.Arrays.fill(colour, 72, 108, 0.2f);
        Augmentation.vtnr(colour, 3, s, scripted(0.9, 0.5, 0.5, 0.5, 0.5, 0.0));
        double luma = 0.299 * 0.8 + 0.587 * 0.4 + 0.114 * 0.2;
        assertEquals(0.6 * 0.8 + 0.4 * luma, colour[2 * s + 2], 1e-5, "red toward gray");
        assertEquals(0.6 * 0.2 + 0.4 * luma, colour[72 + 2 * s + 2], 1e-5, "blue toward gray");
        assertEquals(0.6 * 0.8 + 0.4 * luma, colour[0], 1e-5, "zoom 1.2 samples inward: even the corner is inside");
    }

    @Test
    void vtnrFlipsHalfTheImagesAndNeverErases() {
        int s = 8, flipped = 0;
        Random r = new Random(11);
        for (int t = 0; t < DRAWS; t++) {
            float[] img = new float[s * s];
            for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) img[y * s + x] = x < s / 2 ? 0.2f : 0.9f;
            Augmentation.vtnr(img, 1, s, r);
            // the centre row after any turn within +-60 degrees keeps left/right halves apart; mirrored, they swap
            if (img[(s / 2) * s + 1] > img[(s / 2) * s + s - 2]) flipped++;
            for (float v : img) assertTrue(v >= 0 && v <= 1, "values stay in [0, 1]");
        }
        assertBinomial(flipped, 0.5, "RandomHorizontalFlip()");
        float[] norm = new float[3 * s * s];
        java.util.Arrays.fill(norm, 0.3f);
        for (int t = 0; t < 200; t++) Augmentation.afterNormalise(Augmentation.Policy.VTNR, norm, 3, s, r);
        for (float v : norm) assertEquals(0.3f, v, "no erasing");
        assertEquals(Augmentation.Policy.VTNR, Augmentation.Policy.parse("vtnr"));
    }
}
