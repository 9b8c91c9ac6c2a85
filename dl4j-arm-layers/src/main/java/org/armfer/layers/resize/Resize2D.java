package org.armfer.layers.resize;

import org.armfer.layers.AbstractCnnSameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Resizes a feature map to a fixed size: {@code [N, C, H, W] -> [N, C, outputHeight, outputWidth]}, with
 * {@link Interpolation#BILINEAR} (default; PyTorch's {@code align_corners=False}, half-pixel centres) or
 * {@link Interpolation#NEAREST}. No parameters.
 * <p>
 * Both interpolations are separable and linear in the input, so the layer is two matrix products with constant
 * interpolation matrices, {@code out = R_h · x · R_wᵀ} per channel ({@link #interpolationMatrix}); its gradient is the
 * transposed products, exact, with no special backprop op. A dimension whose size does not change is left alone
 * (both matrices are then the identity).
 */
public class Resize2D extends AbstractCnnSameDiffLayer {

    private int outputHeight;
    private int outputWidth;
    private Interpolation interpolation;

    protected Resize2D(Builder builder) {
        super(builder);
        this.outputHeight = builder.outputHeight;
        this.outputWidth = builder.outputWidth;
        this.interpolation = builder.interpolation;
    }

    private Resize2D() {
        // for JSON
    }

    @Override
    public long[] outputShape(long channels, long height, long width) {
        return new long[]{channels, outputHeight, outputWidth};
    }


    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> paramTable, SDVariable mask) {
        requireInputShape();
        int h = (int) inHeight;
        int w = (int) inWidth;
        SDVariable x = input;
        long rows = -1;
        if (outputWidth != w) {
            // [N·C·H, W] x [W, Wo]
            SDVariable rwT = sd.constant(sd.generateNewVarName("resizeW", 0),
                    Nd4j.createFromArray(interpolationMatrix(interpolation, w, outputWidth)).transpose().castTo(input.dataType()).dup('c'));
            x = x.reshape(rows, w).mmul(rwT);
        }
        if (outputHeight != h) {
            // [N·C, H, Wo] -> [N·C, Wo, H] -> [N·C·Wo, H] x [H, Ho] -> [N·C, Wo, Ho] -> [N·C, Ho, Wo]
            SDVariable rhT = sd.constant(sd.generateNewVarName("resizeH", 0),
                    Nd4j.createFromArray(interpolationMatrix(interpolation, h, outputHeight)).transpose().castTo(input.dataType()).dup('c'));
            x = x.reshape(rows, h, outputWidth).permute(0, 2, 1).reshape(rows, h).mmul(rhT)
                    .reshape(rows, outputWidth, outputHeight).permute(0, 2, 1);
        }
        return x.reshape(rows, inChannels, outputHeight, outputWidth);
    }

    /**
     * The {@code [out, in]} matrix R with {@code y = R · x} for a 1-D signal x of length {@code in} resized to
     * {@code out} samples: each row holds the weights of the input samples that make one output sample (summing to 1).
     */
    public static double[][] interpolationMatrix(Interpolation interpolation, int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("interpolationMatrix: sizes must be >= 1, got in=" + in + ", out=" + out);
        }
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            if (interpolation == Interpolation.NEAREST) {
                m[d][Math.min((int) Math.floor(d * scale), in - 1)] = 1.0;
                continue;
            }
            // PyTorch area_pixel_compute_source_index (align_corners=False): half-pixel centres, clamped at 0
            double src = Math.max((d + 0.5) * scale - 0.5, 0.0);
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double l1 = src - i0;
            m[d][i0] += 1.0 - l1;
            m[d][i1] += l1;
        }
        return m;
    }

    public int getOutputHeight() {
        return outputHeight;
    }

    public int getOutputWidth() {
        return outputWidth;
    }

    public Interpolation getInterpolation() {
        return interpolation;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        Resize2D that = (Resize2D) o;
        return outputHeight == that.outputHeight && outputWidth == that.outputWidth && interpolation == that.interpolation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), outputHeight, outputWidth, interpolation);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends AbstractCnnSameDiffLayer.Builder<Builder> {
        private int outputHeight;
        private int outputWidth;
        private Interpolation interpolation = Interpolation.BILINEAR;

        /** Output height and width, both >= 1 (required). */
        public Builder outputSize(int height, int width) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("Resize2D: outputSize must be >= 1 in both dimensions, got "
                        + height + "x" + width);
            }
            this.outputHeight = height;
            this.outputWidth = width;
            return this;
        }

        /** {@link Interpolation#BILINEAR} (default) or {@link Interpolation#NEAREST}. */
        public Builder interpolation(Interpolation interpolation) {
            if (interpolation == null) {
                throw new IllegalArgumentException("Resize2D: interpolation must be one of "
                        + Arrays.toString(Interpolation.values()) + ", got null");
            }
            this.interpolation = interpolation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Resize2D build() {
            if (outputHeight < 1) {
                throw new IllegalStateException("Resize2D: outputSize not set; call outputSize(height, width)");
            }
            return new Resize2D(this);
        }
    }
}
