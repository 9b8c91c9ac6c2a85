package org.armfer.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;
import java.util.Objects;

/**
 * ARM's Feature Arrangement (FA): a parameter-free depth-to-space rearrangement
 * {@code [N, C, H, W] -> [N, C/r², H·r, W·r]} with exactly the channel order of PyTorch's {@code PixelShuffle(r)}:
 * {@code out[n, c, h·r+i, w·r+j] = in[n, c·r² + i·r + j, h, w]}.
 * <p>
 * All r² values of one input position form one r x r "feature cluster", so the values eroded by the backbone's
 * zero padding end up on the outer ring of the arranged map, where De-albino sees them least.
 * (ND4J's {@code depth_to_space} follows TensorFlow's channel order, {@code (i·r + j)·C' + c}, which is not the
 * paper's; this layer is one reshape/permute/reshape chain instead.)
 * <p>
 * Configure either {@link Builder#blockSize(int)} r or {@link Builder#outputChannels(int)} C' (then r = sqrt(C/C')
 * once the input channel count is known), or neither: then 2 output channels when C/2 is a square (the paper's r = 16
 * for 512 channels), otherwise the valid channel count nearest to 2 ({@link ArmGeometry#defaultBlockSize}).
 */
public class FeatureArrangement extends AbstractCnnSameDiffLayer {

    /** Block size r; 0 when derived from {@link #outputChannels} or from the input channels. */
    private int blockSize;
    /** Output channels C'; 0 when {@link #blockSize} is set or both are derived from the input channels. */
    private int outputChannels;

    protected FeatureArrangement(Builder builder) {
        super(builder);
        this.blockSize = builder.blockSize;
        this.outputChannels = builder.outputChannels;
    }

    private FeatureArrangement() {
        // for JSON
    }

    /**
     * The block size r for {@code channels} input channels, checked by {@link ArmGeometry#blockSize(long, int, int)}:
     * C must be divisible by r² (or by C' when configured by output channels, with C/C' a perfect square); with
     * neither configured, the arrangement to 2 channels, or the valid channel count nearest to 2.
     */
    public int blockSizeFor(long channels) {
        return ArmGeometry.blockSize(channels, blockSize, outputChannels);
    }

    @Override
    protected org.armfer.layers.impl.QuietSameDiffLayer createRuntimeLayer(org.deeplearning4j.nn.conf.NeuralNetConfiguration conf,
                                                                          org.nd4j.linalg.api.buffer.DataType networkDataType) {
        return new org.armfer.layers.impl.FeatureArrangementRuntime(conf, networkDataType);
    }

    @Override
    public long[] outputShape(long channels, long height, long width) {
        int r = blockSizeFor(channels);
        return new long[]{channels / ((long) r * r), height * r, width * r};
    }


    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> paramTable, SDVariable mask) {
        requireInputShape();
        long r = blockSizeFor(inChannels);
        long c = inChannels / (r * r);
        // [N, C'·r·r, H, W] -> [N, C', r(i), r(j), H, W] -> [N, C', H, r(i), W, r(j)] -> [N, C', H·r, W·r]
        SDVariable split = input.reshape(-1, c, r, r, inHeight, inWidth);
        SDVariable moved = split.permute(0, 1, 4, 2, 5, 3);
        return moved.reshape(-1, c, inHeight * r, inWidth * r);
    }

    public int getBlockSize() {
        return blockSize;
    }

    public int getOutputChannels() {
        return outputChannels;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        FeatureArrangement that = (FeatureArrangement) o;
        return blockSize == that.blockSize && outputChannels == that.outputChannels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), blockSize, outputChannels);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends AbstractCnnSameDiffLayer.Builder<Builder> {
        private int blockSize;
        private int outputChannels;

        /** Block size r ≥ 1 (the paper: 16). Replaces any {@link #outputChannels(int)} setting. */
        public Builder blockSize(int r) {
            if (r < 1) {
                throw new IllegalArgumentException("FeatureArrangement: blockSize must be >= 1, got " + r);
            }
            this.blockSize = r;
            this.outputChannels = 0;
            return this;
        }

        /**
         * Output channels C' ≥ 1 (the paper: 2); r = sqrt(C / C'). Replaces any {@link #blockSize(int)} setting.
         * Unset: 2, or the valid channel count nearest to 2 for the input's channels.
         */
        public Builder outputChannels(int c) {
            if (c < 1) {
                throw new IllegalArgumentException("FeatureArrangement: outputChannels must be >= 1, got " + c);
            }
            this.outputChannels = c;
            this.blockSize = 0;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public FeatureArrangement build() {
            return new FeatureArrangement(this);
        }
    }
}
