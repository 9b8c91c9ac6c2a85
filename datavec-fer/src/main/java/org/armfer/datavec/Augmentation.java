package org.armfer.datavec;

import java.util.Locale;
import java.util.Random;

/**
 * Training-time augmentation policies. {@link Policy#REFERENCE} is what the ARM reference training does
 * ({@code train_raf-db.py}: {@code if random.uniform(0, 1) > 0.5: image = aug_func[random.randint(0, 1)](image)} with
 * {@code aug_func = [flip_image, add_gaussian_noise]} from SCN's {@code image_utils.py}, then
 * {@code Resize((224, 224)), ToTensor(), Normalize(ImageNet), RandomErasing(scale=(0.02, 0.1))}):
 * <ol>
 *   <li>on the image as loaded (its native resolution, 0-255), with probability 0.5 exactly one of: a horizontal flip
 *       ({@code cv2.flip(img, 1)}), or Gaussian noise of variance 30 ({@code add_gaussian_noise(var=30)}: one draw per
 *       pixel and channel, clipped to 0-255 and truncated to whole numbers, as {@code astype(np.uint8)} does), each
 *       with probability 0.25;</li>
 *   <li>the resize and the ImageNet normalisation ({@link ImagePreprocessor});</li>
 *   <li>torchvision's {@code RandomErasing}: probability 0.5, area 2-10% of the image, aspect ratio 0.3-3.3
 *       log-uniform, up to 10 attempts at a box that fits, erased to 0 after normalisation (the mean colour).</li>
 * </ol>
 * {@link Policy#INDEPENDENT} is armfer's earlier policy: flip (p 0.5) and noise (p 0.5, standard deviation
 * sqrt(30)/255 on the resized [0, 1] image, not rounded) drawn independently after resizing (so 75% of the images are
 * changed, a quarter both flipped and noisy), then the same erasing. A gray image (FER2013) gets its noise before it is
 * replicated to three channels, one value per pixel. Evaluation never augments.
 * <p>
 * Every draw comes from the {@link Random} the caller passes (datavec-fer's iterators give each example its own,
 * seeded by (seed, epoch, position)), in a fixed order: the flip/noise decision, the noise values, then erasing.
 */
public final class Augmentation {

    /** Which augmentation a training iterator applies. */
    public enum Policy {
        /** None: training images are preprocessed as evaluation images are. */
        NONE,
        /** The reference implementation's: one of flip or noise (each p 0.25) at the native resolution, then erasing. */
        REFERENCE,
        /** armfer's earlier policy: flip and noise drawn independently (each p 0.5) after resizing, then erasing. */
        INDEPENDENT;

        /** {@code none}, {@code reference}, {@code independent} (case-insensitive). */
        public static Policy parse(String s) {
            for (Policy p : values()) {
                if (p.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("Unknown augmentation policy '" + s + "'; allowed: none, reference, independent");
        }

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** REFERENCE: probability that an image gets one of flip or noise ({@code random.uniform(0, 1) > 0.5}). */
    public static final double REFERENCE_FLIP_OR_NOISE_PROBABILITY = 0.5;
    /** INDEPENDENT: probability of a flip, and (independently) of noise. */
    public static final double FLIP_PROBABILITY = 0.5;
    public static final double NOISE_PROBABILITY = 0.5;
    /** Variance of the Gaussian noise on the 0-255 scale ({@code add_gaussian_noise(var=30)}). */
    public static final double NOISE_VARIANCE = 30;
    /** Standard deviation of the Gaussian noise in units of [0, 1] pixel values: sqrt(30) / 255. */
    public static final float NOISE_STD = (float) (Math.sqrt(NOISE_VARIANCE) / 255);
    public static final double ERASE_PROBABILITY = 0.5;
    public static final double ERASE_MIN_AREA = 0.02;
    public static final double ERASE_MAX_AREA = 0.1;
    public static final double ERASE_MIN_RATIO = 0.3;
    public static final double ERASE_MAX_RATIO = 3.3;

    private Augmentation() {
    }

    /**
     * Step 1 of {@code policy} on the image as loaded (0-255): REFERENCE's flip or noise; the image itself for the
     * other policies.
     */
    static Sample.RawImage beforeResize(Policy policy, Sample.RawImage raw, Random r) {
        if (policy != Policy.REFERENCE || !(r.nextDouble() > REFERENCE_FLIP_OR_NOISE_PROBABILITY)) {
            return raw;
        }
        float[] p = raw.pixels().clone();
        if (r.nextInt(2) == 0) {
            flip(p, raw.channels(), raw.height(), raw.width());
        } else {
            double std = Math.sqrt(NOISE_VARIANCE);
            for (int i = 0; i < p.length; i++) {
                // np.clip(img + noise, 0, 255).astype(np.uint8): clipped, then truncated
                p[i] = (float) Math.floor(Math.min(255, Math.max(0, p[i] + r.nextGaussian() * std)));
            }
        }
        return new Sample.RawImage(raw.channels(), raw.height(), raw.width(), p);
    }

    /** INDEPENDENT's flip and noise, on the resized image in [0, 1]; nothing for the other policies. */
    static void afterResize(Policy policy, float[] img, int channels, int size, Random r) {
        if (policy != Policy.INDEPENDENT) {
            return;
        }
        if (r.nextDouble() < FLIP_PROBABILITY) {
            flip(img, channels, size, size);
        }
        if (r.nextDouble() < NOISE_PROBABILITY) {
            // one noise value per pixel position and channel, as add_gaussian_noise draws noise of the image's full shape
            for (int i = 0; i < img.length; i++) {
                img[i] = Math.min(1f, Math.max(0f, img[i] + (float) r.nextGaussian() * NOISE_STD));
            }
        }
    }

    /** Random erasing on the normalised image (REFERENCE and INDEPENDENT). */
    static void afterNormalise(Policy policy, float[] img, int channels, int size, Random r) {
        if (policy == Policy.NONE || r.nextDouble() >= ERASE_PROBABILITY) {
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

    /** {@link Policy#INDEPENDENT}'s flip and noise on a resized [0, 1] image. */
    static void flipAndNoise(float[] img, int channels, int size, Random r) {
        afterResize(Policy.INDEPENDENT, img, channels, size, r);
    }

    /** Random erasing on a normalised image. */
    static void erase(float[] img, int channels, int size, Random r) {
        afterNormalise(Policy.INDEPENDENT, img, channels, size, r);
    }

    /** Mirrors every row of a {@code channels x height x width} image in place. */
    private static void flip(float[] img, int channels, int height, int width) {
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int row = c * height * width + y * width;
                for (int x = 0; x < width / 2; x++) {
                    float t = img[row + x];
                    img[row + x] = img[row + width - 1 - x];
                    img[row + width - 1 - x] = t;
                }
            }
        }
    }
}
