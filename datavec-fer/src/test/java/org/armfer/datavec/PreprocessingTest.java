package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resizing, channel handling, normalisation and augmentation against hand computations. */
class PreprocessingTest {

    @TempDir
    Path tmp;

    /**
     * A Random whose first uniform draws are {@code first} (the augmentation's probability decisions: flip, then noise),
     * and real draws afterwards (Random's own Gaussians are made from nextDouble, so those must stay real).
     */
    private static Random scripted(long seed, double... first) {
        return new Random(seed) {
            int calls;

            @Override
            public double nextDouble() {
                return calls < first.length ? first[calls++] : super.nextDouble();
            }
        };
    }

    private static Sample.RawImage gray(int w, int h, java.util.function.IntBinaryOperator f) {
        float[] p = new float[w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) p[y * w + x] = f.applyAsInt(x, y);
        return new Sample.RawImage(1, h, w, p);
    }

    @Test
    void shrinkingAveragesLikePilInsteadOfAliasing() {
        // columns alternate 0 / 100; shrinking 9 -> 3 (factor 3) with PIL's triangle filter of support 3:
        // output x = 1 is centred on input 4.5 and weighs inputs 2..6 by 1/3, 2/3, 1, 2/3, 1/3 (sum 3):
        // (100 * 2/3 + 100 * 2/3) / 3 = 44.44; plain bilinear would sample input 4 alone and give 0
        Sample.RawImage raw = gray(9, 9, (x, y) -> x % 2 == 1 ? 100 : 0);
        float[] out = Images.resize01(raw, 1, 3);
        assertEquals(400.0 / 9 / 255, out[1 * 3 + 1], 1e-6, "9->3, centre pixel");
        // output x = 0: centre 1.5, inputs 0..3 (clipped at the border) weigh 2/3, 1, 2/3, 1/3 (sum 8/3): (100 + 100/3) / (8/3) = 50
        assertEquals(50.0 / 255, out[1 * 3], 1e-6, "9->3, left border");
        // a constant image stays constant whatever the factor
        float[] c = Images.resize01(gray(37, 23, (x, y) -> 77), 1, 10);
        for (float v : c) assertEquals(77 / 255.0, v, 1e-6, "constant 37x23 -> 10x10");
    }

    @Test
    void enlargingIsBilinearWithHalfPixelCentres() {
        // 2x2 -> 4x4: output 1 sits at input 0.25 (weights 0.75 / 0.25), output 0 clamps to input 0
        Sample.RawImage raw = gray(2, 2, (x, y) -> x * 100 + y * 40);
        float[] out = Images.resize01(raw, 1, 4);
        double p00 = 0, p10 = 100, p01 = 40, p11 = 140;
        double v11 = (p00 * 0.75 + p10 * 0.25) * 0.75 + (p01 * 0.75 + p11 * 0.25) * 0.25;
        assertEquals(v11 / 255, out[1 * 4 + 1], 1e-6);
        assertEquals(p00 / 255, out[0], 1e-6);
        assertEquals(p11 / 255, out[15], 1e-6);
        double v21 = (p00 * 0.25 + p10 * 0.75) * 0.75 + (p01 * 0.25 + p11 * 0.75) * 0.25; // output (x=2, y=1): input (0.75, 0.25)
        assertEquals(v21 / 255, out[1 * 4 + 2], 1e-6);
    }

    @Test
    void grayIsReplicatedAndRgbReducedToLuma() {
        float[] three = Images.resize01(gray(3, 3, (x, y) -> 10 * x + y), 3, 3);
        for (int c = 1; c < 3; c++) {
            assertArrayEquals(Arrays.copyOfRange(three, 0, 9), Arrays.copyOfRange(three, 9 * c, 9 * c + 9), "channel " + c);
        }
        float[] rgb = new float[3 * 4];
        Arrays.fill(rgb, 0, 4, 200);
        Arrays.fill(rgb, 4, 8, 100);
        Arrays.fill(rgb, 8, 12, 50);
        float[] luma = Images.resize01(new Sample.RawImage(3, 2, 2, rgb), 1, 2);
        for (float v : luma) assertEquals((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, v, 1e-6);
    }

    @Test
    void sixteenBitGrayPngIsScaledTo255() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 65535);
        img.getRaster().setSample(1, 0, 0, 257 * 40);
        Path f = tmp.resolve("deep.png");
        assertTrue(ImageIO.write(img, "png", f.toFile()));
        Sample.RawImage raw = Images.raw(Images.read(f), null);
        assertEquals(1, raw.channels());
        assertEquals(255, raw.pixels()[0], 1e-3);
        assertEquals(40, raw.pixels()[1], 1e-3);
    }

    @Test
    void toInputNormalisesWithImageNetStatistics() throws Exception {
        BufferedImage img = new BufferedImage(5, 5, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 5; x++) img.setRGB(x, y, (40 * x) << 16 | (50 * y) << 8 | 200);
        INDArray in = ImagePreprocessor.evaluation(3, 5).toInput(img);
        assertArrayEquals(new long[]{1, 3, 5, 5}, in.shape());
        assertEquals(DataType.FLOAT, in.dataType());
        double[] mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225};
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                int[] v = {40 * x, 50 * y, 200};
                for (int c = 0; c < 3; c++) {
                    assertEquals((v[c] / 255.0 - mean[c]) / std[c], in.getDouble(0, c, y, x), 1e-5, "c=" + c + " y=" + y + " x=" + x);
                }
            }
        }
        // the same image from a PNG file: lossless, so equal
        Path png = tmp.resolve("face.png");
        ImageIO.write(img, "png", png.toFile());
        assertEquals(in, ImagePreprocessor.evaluation(3, 5).toInput(png));
        // one channel: luma, normalised with the means of ImageNet's mean and std
        INDArray g = ImagePreprocessor.evaluation(1, 5).toInput(img);
        double luma = 0.299 * 40 + 0.587 * 50 + 0.114 * 200;
        assertEquals((luma / 255 - (0.485 + 0.456 + 0.406) / 3) / ((0.229 + 0.224 + 0.225) / 3), g.getDouble(0, 0, 1, 1), 1e-5);
    }

    @Test
    void toInputNamesAFileThatIsNotAnImage() throws Exception {
        Path bad = Files.write(tmp.resolve("broken.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F'});
        FerDataException e = assertThrows(FerDataException.class, () -> ImagePreprocessor.evaluation(3, 8).toInput(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        FerDataException missing = assertThrows(FerDataException.class,
                () -> ImagePreprocessor.evaluation(3, 8).toInput(tmp.resolve("nope.png")));
        assertTrue(missing.getMessage().contains("nope.png") && missing.getMessage().contains("missing"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.evaluation(2, 8));
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.evaluation(3, 0));
    }

    @Test
    void flipMirrorsEveryRowOfEveryChannel() {
        int c = 3, s = 6;
        float[] img = new float[c * s * s];
        for (int i = 0; i < img.length; i++) img[i] = (i % 97) / 97f;
        float[] original = img.clone();
        // uniform draws 0: flip happens; noise happens too, but these Gaussians are all 0
        Random noNoise = new Random(1) {
            @Override
            public double nextDouble() {
                return 0;
            }

            @Override
            public double nextGaussian() {
                return 0;
            }
        };
        Augmentation.flipAndNoise(img, c, s, noNoise);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    assertEquals(original[ch * s * s + y * s + (s - 1 - x)], img[ch * s * s + y * s + x], 0f, ch + "," + y + "," + x);
                }
            }
        }
        // uniform draws 0.99: neither flip nor noise
        float[] same = original.clone();
        Augmentation.flipAndNoise(same, c, s, scripted(2, 0.99, 0.99));
        assertArrayEquals(original, same);
    }

    @Test
    void noiseHasTheReferenceStandardDeviationAndStaysInRange() {
        int c = 3, s = 64;
        float[] img = new float[c * s * s];
        Arrays.fill(img, 0.5f);
        // the first uniform draw decides the flip (no), the second the noise (yes)
        Augmentation.flipAndNoise(img, c, s, scripted(5, 0.99, 0.0));
        double sum = 0, sq = 0;
        for (float v : img) {
            sum += v - 0.5;
            sq += (v - 0.5) * (v - 0.5);
        }
        double sd = Math.sqrt(sq / img.length - Math.pow(sum / img.length, 2));
        assertEquals(Math.sqrt(30) / 255, sd, 0.05 * Math.sqrt(30) / 255, "add_g(var=30) on the 0-255 scale");
        float[] dark = new float[c * s * s];
        Augmentation.flipAndNoise(dark, c, s, scripted(6, 0.99, 0.0));
        for (float v : dark) assertTrue(v >= 0f && v <= 1f, "clipped to [0, 1]: " + v);
    }

    @Test
    void randomErasingCoversTwoToTenPercentInHalfOfTheImages() {
        int c = 3, s = 64, trials = 2000, erased = 0;
        Random r = new Random(11);
        for (int t = 0; t < trials; t++) {
            float[] img = new float[c * s * s];
            Arrays.fill(img, 1f);
            Augmentation.erase(img, c, s, r);
            int zeros = 0, minX = s, maxX = -1, minY = s, maxY = -1;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    if (img[y * s + x] == 0f) {
                        zeros++;
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                        for (int ch = 1; ch < c; ch++) assertEquals(0f, img[ch * s * s + y * s + x], "all channels erased");
                    }
                }
            }
            if (zeros == 0) continue;
            erased++;
            assertEquals((maxX - minX + 1) * (maxY - minY + 1), zeros, "one filled rectangle, trial " + t);
            // the target area is 2-10% of the image; rounding each side to whole pixels moves it by at most about one row and column
            double frac = zeros / (double) (s * s);
            assertTrue(frac >= 0.015 && frac <= 0.115, "erased fraction " + frac + ", trial " + t);
        }
        assertEquals(0.5, erased / (double) trials, 0.05, "p = 0.5");
    }

    @Test
    void trainingPreprocessorIsAFunctionOfItsRandomAndEvaluationNeverAugments() {
        Sample.RawImage raw = gray(48, 48, (x, y) -> (x * 7 + y * 3) % 256);
        ImagePreprocessor train = ImagePreprocessor.training(3, 32);
        assertArrayEquals(train.apply(raw, new Random(3)), train.apply(raw, new Random(3)));
        boolean differs = false;
        for (int seed = 0; seed < 8 && !differs; seed++) {
            differs = !Arrays.equals(train.apply(raw, new Random(3)), train.apply(raw, new Random(100 + seed)));
        }
        assertTrue(differs, "other draws augment differently");
        ImagePreprocessor eval = ImagePreprocessor.evaluation(3, 32);
        assertArrayEquals(eval.apply(raw, null), eval.apply(raw, new Random(9)));
        assertFalse(Arrays.equals(eval.apply(raw, null), train.apply(raw, scripted(4, 0.0, 0.0))));
    }
}
