package org.armfer.datavec;

import java.util.Random;

/**
 * Training-time augmentation, as the reference training does: horizontal flip (p = 0.5), Gaussian noise, and random
 * erasing (torchvision's {@code RandomErasing}: p = 0.5, area 2-10% of the image, aspect ratio 0.3-3.3, erased to 0
 * after normalisation). Works on normalised {@code C x S x S} float images in place. Evaluation never augments.
 */
public final class Augmentation {

    /** Standard deviation of the Gaussian noise, in units of [0, 1] pixel values. */
    public static final float NOISE_STD = 0.02f;
    public static final double ERASE_PROBABILITY = 0.5;
    public static final double ERASE_MIN_AREA = 0.02;
    public static final double ERASE_MAX_AREA = 0.1;

    private Augmentation() {
    }

    /** Flip and noise on an image in [0, 1] (before normalisation). */
    static void flipAndNoise(float[] img, int channels, int size, Random r) {
        if (r.nextBoolean()) {
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
        for (int i = 0; i < img.length; i++) {
            img[i] = Math.min(1f, Math.max(0f, img[i] + (float) r.nextGaussian() * NOISE_STD));
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
            double logRatio = Math.log(0.3) + r.nextDouble() * (Math.log(1 / 0.3) - Math.log(0.3));
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
