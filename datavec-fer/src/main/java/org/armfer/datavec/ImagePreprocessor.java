package org.armfer.datavec;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Random;

/**
 * The image transform of armfer's readers: bilinear resize to {@code size x size}, gray replicated to 3 channels (or
 * RGB reduced to gray) as asked, scale to [0, 1], ImageNet mean/std normalisation; for training, optionally an
 * {@link Augmentation.Policy} (its flip or noise before the resize, erasing after the normalisation). {@link #evaluation(int, int)} is what {@code evaluate} and {@code predict} use.
 */
public final class ImagePreprocessor {

    private final int channels;
    private final int size;
    private final Augmentation.Policy policy;

    private ImagePreprocessor(int channels, int size, Augmentation.Policy policy) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3; got " + channels);
        }
        if (size < 1) {
            throw new IllegalArgumentException("image size must be >= 1; got " + size);
        }
        this.channels = channels;
        this.size = size;
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
    }

    /** Evaluation: never augments. */
    public static ImagePreprocessor evaluation(int channels, int imageSize) {
        return new ImagePreprocessor(channels, imageSize, Augmentation.Policy.NONE);
    }

    /** Training with the reference implementation's augmentation ({@link Augmentation.Policy#REFERENCE}). */
    public static ImagePreprocessor training(int channels, int imageSize) {
        return training(channels, imageSize, Augmentation.Policy.REFERENCE);
    }

    /** Training with {@code policy}, drawn from the Random passed to {@link #apply}. */
    public static ImagePreprocessor training(int channels, int imageSize, Augmentation.Policy policy) {
        return new ImagePreprocessor(channels, imageSize, policy);
    }

    public int channels() {
        return channels;
    }

    public int size() {
        return size;
    }

    /**
     * {@code raw} as a normalised {@code C x S x S} float image; a training preprocessor draws its augmentation from
     * {@code random} (unused, and may be null, for evaluation).
     */
    public float[] apply(Sample.RawImage raw, Random random) {
        boolean augment = policy != Augmentation.Policy.NONE;
        float[] img = Images.resize01(augment ? Augmentation.beforeResize(policy, raw, random) : raw, channels, size);
        if (augment) {
            Augmentation.afterResize(policy, img, channels, size, random);
        }
        Images.normalise(img, channels, size);
        if (augment) {
            Augmentation.afterNormalise(policy, img, channels, size, random);
        }
        return img;
    }

    /**
     * One image as network input {@code [1, C, S, S]} float: resized (bilinear), scaled to [0, 1], ImageNet mean/std
     * normalised; a gray image replicated to 3 channels, an RGB one reduced to luma for 1 channel. Never augmented.
     */
    public INDArray toInput(BufferedImage image) {
        if (policy != Augmentation.Policy.NONE) {
            throw new IllegalStateException("toInput is for inference; use ImagePreprocessor.evaluation(channels, size)");
        }
        return Nd4j.create(apply(Images.raw(image, null), null), new long[]{1, channels, size, size}, 'c');
    }

    /** One image file as network input {@code [1, C, S, S]}; the error names the file when it cannot be decoded. */
    public INDArray toInput(Path imageFile) {
        BufferedImage img;
        try {
            img = Images.read(imageFile);
        } catch (FerDataException e) {
            throw new FerDataException("Cannot read image " + imageFile + ": " + (e.problem() != null ? e.problem().reason() : e.getMessage()), e);
        }
        return toInput(img);
    }
}
