package org.armfer.layers.resize;

/**
 * How {@link Resize2D} samples the input grid; both follow PyTorch's {@code F.interpolate} with a target size.
 */
public enum Interpolation {
    /**
     * PyTorch {@code mode='bilinear', align_corners=False} (= TensorFlow 2's {@code tf.image.resize} bilinear without
     * antialiasing): half-pixel centres, source coordinate {@code (d + 0.5)·in/out - 0.5} clamped at 0, the two
     * nearest input samples blended linearly, the last one repeated past the border. No antialiasing when shrinking.
     */
    BILINEAR,
    /** PyTorch {@code mode='nearest'}: source index {@code min(floor(d·in/out), in - 1)}. */
    NEAREST
}
