package org.armfer.vision;

import org.armfer.datavec.ImagePreprocessor;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;

/**
 * How a model's input was made in training, so that a face crop is made the same way: {@code channels} (1 or 3) at
 * {@code size x size}, and whether the training images were gray and replicated to 3 channels (the paper's FER2013
 * setting; armfer's model card field {@code grayToRgb}), in which case a colour photo's crop is reduced to gray
 * first. The rest is datavec-fer's evaluation transform ({@link ImagePreprocessor#evaluation}): PIL-style bilinear
 * resize, scaling to [0, 1], ImageNet mean/std.
 */
public record ModelInput(int channels, int size, boolean grayToRgb) {

    public ModelInput {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3; got " + channels);
        }
        if (size < 8) {
            throw new IllegalArgumentException("input size must be >= 8 pixels; got " + size);
        }
        if (grayToRgb && channels != 3) {
            throw new IllegalArgumentException("grayToRgb needs 3 channels; got " + channels);
        }
    }

    /** The network input {@code [1, C, S, S]} for one face crop (or a whole aligned image). */
    public INDArray toInput(BufferedImage crop) {
        BufferedImage img = grayToRgb ? Pixels.toGray(crop) : crop;
        return ImagePreprocessor.evaluation(channels, size).toInput(img);
    }

    @Override
    public String toString() {
        return channels + "x" + size + "x" + size + (grayToRgb ? " (gray replicated to RGB)" : channels == 1 ? " (gray)" : " (RGB)");
    }
}
