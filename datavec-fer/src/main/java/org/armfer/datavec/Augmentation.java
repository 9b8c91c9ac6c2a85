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
 * {@link Policy#RARN} is RARN's Table 1 (seed 002) and {@link Policy#DESPAM} DeSpaM_for_FER's training transform; see
 * their constants. {@link Policy#INDEPENDENT} is armfer's earlier policy: flip (p 0.5) and noise (p 0.5, standard deviation
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
        INDEPENDENT,
        /**
         * RARN's augmentation table (Table 1 of the RARN paper) on the resized [0, 1] image: horizontal and vertical
         * flip (each p 0.5), an affine warp (rotation uniform in +-90 degrees, shifts uniform in +-0.28 of the height and
         * +-0.75 of the width, nearest-edge fill: Keras' {@code ImageDataGenerator} semantics, whose parameter names the
         * table uses), torchvision's {@code ColorJitter(brightness=0.2, contrast=0.2, hue=0.2)} in a random order, and
         * {@code RandomGrayscale(0.2)}. No erasing.
         */
        RARN,
        /**
         * DeSpaM_for_FER's training transform: {@code RandomHorizontalFlip()} (p 0.5) on the resized image, then, after
         * the normalisation, {@code RandomErasing(scale=(0.02, 0.25))} (p 0.5).
         */
        DESPAM,
        /**
         * VT_with_NR_for_FER's training transform (seed 003, {@code utils/dataloaders.py}) on the resized [0, 1] image:
         * {@code RandomHorizontalFlip()} (p 0.5), {@code RandomRotation(45)}, {@code RandomAffine(degrees=15,
         * scale=(1.2, 1.2))} (both nearest-neighbour, black fill, about the centre; applied as one warp with the summed
         * angle and the zoom, one resampling instead of two), {@code ColorJitter(brightness=0.4, contrast=0.4,
         * saturation=0.4)} in a random order. No erasing.
         */
        VTNR;

        /** {@code none}, {@code reference}, {@code independent}, {@code rarn}, {@code despam}, {@code vtnr} (case-insensitive). */
        public static Policy parse(String s) {
            for (Policy p : values()) {
                if (p.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("Unknown augmentation policy '" + s + "'; allowed: none, reference, independent, rarn, despam, vtnr");
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
    /** DESPAM: the largest erased area ({@code RandomErasing(scale=(0.02, 0.25))}). */
    public static final double DESPAM_ERASE_MAX_AREA = 0.25;
    /** RARN: probabilities of the horizontal flip, the vertical flip and the conversion to gray. */
    public static final double RARN_HFLIP_PROBABILITY = 0.5;
    public static final double RARN_VFLIP_PROBABILITY = 0.5;
    public static final double RARN_GRAYSCALE_PROBABILITY = 0.2;
    /** RARN: largest rotation (degrees) and shifts (fractions of the height and the width) of the affine warp. */
    public static final double RARN_ROTATION_DEGREES = 90;
    public static final double RARN_HEIGHT_SHIFT = 0.28;
    public static final double RARN_WIDTH_SHIFT = 0.75;
    /** RARN: ColorJitter's brightness and contrast factors are drawn from [1 - j, 1 + j], its hue shift from [-j, j] turns. */
    public static final double RARN_BRIGHTNESS = 0.2;
    public static final double RARN_CONTRAST = 0.2;
    public static final double RARN_HUE = 0.2;

    /** VTNR: RandomRotation's and RandomAffine's largest angles (degrees), RandomAffine's zoom, ColorJitter's strengths. */
    public static final double VTNR_ROTATION_DEGREES = 45;
    public static final double VTNR_AFFINE_DEGREES = 15;
    public static final double VTNR_ZOOM = 1.2;
    public static final double VTNR_JITTER = 0.4;

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

    /** INDEPENDENT's flip and noise, RARN's table, DESPAM's flip, on the resized image in [0, 1]; nothing for the others. */
    static void afterResize(Policy policy, float[] img, int channels, int size, Random r) {
        if (policy == Policy.RARN) {
            rarn(img, channels, size, r);
            return;
        }
        if (policy == Policy.VTNR) {
            vtnr(img, channels, size, r);
            return;
        }
        if (policy == Policy.DESPAM) {
            if (r.nextDouble() < FLIP_PROBABILITY) {
                flip(img, channels, size, size);
            }
            return;
        }
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

    /** Random erasing on the normalised image (REFERENCE and INDEPENDENT: area 2-10%; DESPAM: 2-25%). */
    static void afterNormalise(Policy policy, float[] img, int channels, int size, Random r) {
        if (policy == Policy.NONE || policy == Policy.RARN || policy == Policy.VTNR || r.nextDouble() >= ERASE_PROBABILITY) {
            return;
        }
        double maxArea = policy == Policy.DESPAM ? DESPAM_ERASE_MAX_AREA : ERASE_MAX_AREA;
        double area = size * size;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (ERASE_MIN_AREA + r.nextDouble() * (maxArea - ERASE_MIN_AREA));
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

    /** RARN's table on a {@code channels x size x size} image in [0, 1], in place; draws in a fixed order. */
    static void rarn(float[] img, int channels, int size, Random r) {
        if (r.nextDouble() < RARN_HFLIP_PROBABILITY) {
            flip(img, channels, size, size);
        }
        if (r.nextDouble() < RARN_VFLIP_PROBABILITY) {
            flipVertically(img, channels, size, size);
        }
        double angle = Math.toRadians((r.nextDouble() * 2 - 1) * RARN_ROTATION_DEGREES);
        double ty = (r.nextDouble() * 2 - 1) * RARN_HEIGHT_SHIFT * size;
        double tx = (r.nextDouble() * 2 - 1) * RARN_WIDTH_SHIFT * size;
        float[] warped = affine(img, channels, size, angle, tx, ty);
        System.arraycopy(warped, 0, img, 0, img.length);
        // ColorJitter: its three adjustments in a random order (torchvision's fn_idx = randperm), factors drawn first
        double brightness = 1 + (r.nextDouble() * 2 - 1) * RARN_BRIGHTNESS;
        double contrast = 1 + (r.nextDouble() * 2 - 1) * RARN_CONTRAST;
        double hue = (r.nextDouble() * 2 - 1) * RARN_HUE;
        for (int op : shuffledOrder(r)) {
            switch (op) {
                case 0 -> scale(img, brightness);
                case 1 -> contrast(img, channels, size, contrast);
                default -> hue(img, channels, size, hue);
            }
        }
        if (r.nextDouble() < RARN_GRAYSCALE_PROBABILITY) {
            toGray(img, channels, size);
        }
    }

    /**
     * VT_with_NR_for_FER's transform on a {@code channels x size x size} image in [0, 1], in place. Draws, in this
     * order: the flip, RandomRotation's angle, RandomAffine's angle, ColorJitter's brightness, contrast and saturation
     * factors (each uniform in [0.6, 1.4]), then its order of the three.
     */
    static void vtnr(float[] img, int channels, int size, Random r) {
        if (r.nextDouble() < FLIP_PROBABILITY) {
            flip(img, channels, size, size);
        }
        double rotation = (r.nextDouble() * 2 - 1) * VTNR_ROTATION_DEGREES;
        double affine = (r.nextDouble() * 2 - 1) * VTNR_AFFINE_DEGREES;
        float[] warped = rotateAndZoom(img, channels, size, Math.toRadians(rotation + affine), VTNR_ZOOM);
        System.arraycopy(warped, 0, img, 0, img.length);
        double brightness = 1 + (r.nextDouble() * 2 - 1) * VTNR_JITTER;
        double contrast = 1 + (r.nextDouble() * 2 - 1) * VTNR_JITTER;
        double saturation = 1 + (r.nextDouble() * 2 - 1) * VTNR_JITTER;
        for (int op : shuffledOrder(r)) {
            switch (op) {
                case 0 -> scale(img, brightness);
                case 1 -> contrast(img, channels, size, contrast);
                default -> saturation(img, channels, size, saturation);
            }
        }
    }

    /** 0, 1, 2 in a random order (Fisher-Yates). */
    private static int[] shuffledOrder(Random r) {
        int[] order = {0, 1, 2};
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * The image rotated by {@code angle} (radians, counter-clockwise, as torchvision's positive angles) and zoomed by
     * {@code zoom} about its centre, nearest-neighbour, black (0) where the source falls outside: torchvision's
     * {@code rotate}/{@code affine} defaults on a PIL image.
     */
    static float[] rotateAndZoom(float[] img, int channels, int size, double angle, double zoom) {
        float[] out = new float[img.length];
        double c = (size - 1) / 2.0, cos = Math.cos(angle), sin = Math.sin(angle);
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                // inverse of p' = zoom R (p - c) + c, with y pointing down: a counter-clockwise turn on screen
                double dx = (x - c) / zoom, dy = (y - c) / zoom;
                long sx = Math.round(cos * dx - sin * dy + c), sy = Math.round(sin * dx + cos * dy + c);
                if (sx < 0 || sy < 0 || sx >= size || sy >= size) {
                    continue;
                }
                for (int ch = 0; ch < channels; ch++) {
                    out[ch * plane + y * size + x] = img[ch * plane + (int) sy * size + (int) sx];
                }
            }
        }
        return out;
    }

    /** Blend with the image's own gray version (torchvision's adjust_saturation), clipped; a gray image is unchanged. */
    private static void saturation(float[] img, int channels, int size, double f) {
        if (channels != 3) {
            return;
        }
        int plane = size * size;
        for (int i = 0; i < plane; i++) {
            double g = gray(img, i, plane);
            for (int ch = 0; ch < 3; ch++) {
                int k = ch * plane + i;
                img[k] = (float) Math.min(1, Math.max(0, f * img[k] + (1 - f) * g));
            }
        }
    }

    /**
     * The image rotated by {@code angle} (radians, counter-clockwise) about its centre and shifted by {@code (tx, ty)}
     * pixels: each output pixel samples the input bilinearly at the inverse-mapped position, positions outside clamped
     * to the nearest edge (Keras' {@code fill_mode='nearest'}).
     */
    static float[] affine(float[] img, int channels, int size, double angle, double tx, double ty) {
        float[] out = new float[img.length];
        double c = (size - 1) / 2.0, cos = Math.cos(angle), sin = Math.sin(angle);
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                // inverse of: p' = R (p - c) + c + t
                double dx = x - c - tx, dy = y - c - ty;
                double sx = cos * dx + sin * dy + c, sy = -sin * dx + cos * dy + c;
                sx = Math.min(size - 1, Math.max(0, sx));
                sy = Math.min(size - 1, Math.max(0, sy));
                int x0 = (int) Math.floor(sx), y0 = (int) Math.floor(sy);
                int x1 = Math.min(size - 1, x0 + 1), y1 = Math.min(size - 1, y0 + 1);
                double fx = sx - x0, fy = sy - y0;
                for (int ch = 0; ch < channels; ch++) {
                    int o = ch * plane;
                    double v = (1 - fy) * ((1 - fx) * img[o + y0 * size + x0] + fx * img[o + y0 * size + x1])
                            + fy * ((1 - fx) * img[o + y1 * size + x0] + fx * img[o + y1 * size + x1]);
                    out[o + y * size + x] = (float) v;
                }
            }
        }
        return out;
    }

    /** Every value times {@code f}, clipped to [0, 1] (torchvision's adjust_brightness). */
    private static void scale(float[] img, double f) {
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) Math.min(1, Math.max(0, img[i] * f));
        }
    }

    /** Blend with the mean gray level (torchvision's adjust_contrast: mean of the grayscale image), clipped. */
    private static void contrast(float[] img, int channels, int size, double f) {
        int plane = size * size;
        double mean = 0;
        for (int i = 0; i < plane; i++) {
            mean += channels == 3 ? gray(img, i, plane) : img[i];
        }
        mean /= plane;
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) Math.min(1, Math.max(0, f * img[i] + (1 - f) * mean));
        }
    }

    /** ITU-R 601-2 luma, as torchvision's rgb_to_grayscale. */
    private static double gray(float[] img, int i, int plane) {
        return 0.299 * img[i] + 0.587 * img[plane + i] + 0.114 * img[2 * plane + i];
    }

    /** Shifts the hue of an RGB image by {@code turns} of the colour circle (HSV, as torchvision's adjust_hue). */
    private static void hue(float[] img, int channels, int size, double turns) {
        if (channels != 3) {
            return;
        }
        int plane = size * size;
        for (int i = 0; i < plane; i++) {
            double rr = img[i], gg = img[plane + i], bb = img[2 * plane + i];
            double max = Math.max(rr, Math.max(gg, bb)), min = Math.min(rr, Math.min(gg, bb)), d = max - min;
            if (d == 0) {
                continue; // gray: no hue to shift
            }
            double h;
            if (max == rr) h = ((gg - bb) / d) / 6;
            else if (max == gg) h = ((bb - rr) / d + 2) / 6;
            else h = ((rr - gg) / d + 4) / 6;
            h = ((h + turns) % 1 + 1) % 1;
            double sat = d / max, v = max;
            int sector = (int) Math.floor(h * 6) % 6;
            double f = h * 6 - Math.floor(h * 6);
            double p = v * (1 - sat), q = v * (1 - f * sat), t = v * (1 - (1 - f) * sat);
            double[] rgb = switch (sector) {
                case 0 -> new double[]{v, t, p};
                case 1 -> new double[]{q, v, p};
                case 2 -> new double[]{p, v, t};
                case 3 -> new double[]{p, q, v};
                case 4 -> new double[]{t, p, v};
                default -> new double[]{v, p, q};
            };
            img[i] = (float) rgb[0];
            img[plane + i] = (float) rgb[1];
            img[2 * plane + i] = (float) rgb[2];
        }
    }

    /** RGB to its luma in all three channels (RandomGrayscale keeps 3 channels); a 1-channel image is gray already. */
    private static void toGray(float[] img, int channels, int size) {
        if (channels != 3) {
            return;
        }
        int plane = size * size;
        for (int i = 0; i < plane; i++) {
            float g = (float) gray(img, i, plane);
            img[i] = g;
            img[plane + i] = g;
            img[2 * plane + i] = g;
        }
    }

    /** Mirrors the rows of every channel top to bottom, in place. */
    private static void flipVertically(float[] img, int channels, int height, int width) {
        float[] row = new float[width];
        for (int c = 0; c < channels; c++) {
            int o = c * height * width;
            for (int y = 0; y < height / 2; y++) {
                int a = o + y * width, b = o + (height - 1 - y) * width;
                System.arraycopy(img, a, row, 0, width);
                System.arraycopy(img, b, img, a, width);
                System.arraycopy(row, 0, img, b, width);
            }
        }
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
