package org.armfer.datavec;

import java.util.Random;

/**
 * Training-time augmentation, as the reference training does: horizontal flip (p = 0.5), Gaussian pixel noise
 * (p = 0.5, standard deviation sqrt(30) on the 0-255 scale, the reference's {@code add_g(var=30)}), clipped to the
 * valid range, and random erasing (torchvision's {@code RandomErasing}: p = 0.5, area 2-10% of the image, aspect ratio
 * 0.3-3.3 log-uniform, erased to 0 after normalisation, i.e. to the mean colour). Flip and noise work on the {@code [0, 1]}
 * image, erasing on the normalised one; all in place on {@code C x S x S} float arrays. Evaluation never augments.
 */
public final class Augmentation {

    public static final double FLIP_PROBABILITY = 0.5;
    public static final double NOISE_PROBABILITY = 0.5;
    /** Standard deviation of the Gaussian noise, in units of [0, 1] pixel values: sqrt(30) / 255. */
    public static final float NOISE_STD = (float) (Math.sqrt(30) / 255);
    public static final double ERASE_PROBABILITY = 0.5;
    public static final double ERASE_MIN_AREA = 0.02;
    public static final double ERASE_MAX_AREA = 0.1;
    public static final double ERASE_MIN_RATIO = 0.3;
    public static final double ERASE_MAX_RATIO = 3.3;

    private Augmentation() {
    }

    /** Flip and noise on an image in [0, 1] (before normalisation). */
    static void flipAndNoise(float[] img, int channels, int size, Random r) {
        if (r.nextDouble() < FLIP_PROBABILITY) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < size; y++) {
                    int row = c * size * size + y * size;
                    for (int x = 0; x < size / 2; x++) {
                        float t = img[row + x];
                        img[row + x] = img[row + size - 1 - x];
                        img[row + size - 1 - x] = t;
                    }
                }
            }
        }
        if (r.nextDouble() < NOISE_PROBABILITY) {
            // one noise value per pixel position and channel, as add_g draws noise of the image's full shape
            for (int i = 0; i < img.length; i++) {
                img[i] = Math.min(1f, Math.max(0f, img[i] + (float) r.nextGaussian() * NOISE_STD));
            }
        }
    }

    /** Random erasing on a normalised image. */
    static void erase(float[] img, int channels, int size, Random r) {
        if (r.nextDouble() >= ERASE_PROBABILITY) {
            return;
        }
        double area = size * size;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (ERASE_MIN_AREA + r.nextDouble() * (ERASE_MAX_AREA - ERASE_MIN_AREA));
            double logRatio = Math.log(ERASE_MIN_RATIO) + r.nextDouble() * (Math.log(ERASE_MAX_RATIO) - Math.log(ERASE_MIN_RATIO));
            double ratio = Math.exp(logRatio);
            int h = (int) Math.round(Math.sqrt(target * ratio));
            int w = (int) Math.round(Math.sqrt(target / ratio));
            if (h < 1 || w < 1 || h >= size || w >= size) {
                continue;
            }
            int y0 = r.nextInt(size - h + 1), x0 = r.nextInt(size - w + 1);
            for (int c = 0; c < channels; c++) {
                for (int y = y0; y < y0 + h; y++) {
                    java.util.Arrays.fill(img, c * size * size + y * size + x0, c * size * size + y * size + x0 + w, 0f);
                }
            }
            return;
        }
    }
}
