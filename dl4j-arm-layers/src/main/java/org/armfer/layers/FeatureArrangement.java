package org.armfer.layers;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 * once the input channel count is known). Default: 2 output channels, which is the paper's r = 16 for 512 channels.
 */
public class FeatureArrangement extends AbstractCnnSameDiffLayer {

    /** Block size r; 0 when derived from {@link #outputChannels}. */
    private int blockSize;
    /** Output channels C'; 0 when {@link #blockSize} is set. */
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
     * The block size r for {@code channels} input channels, checked: C must be divisible by r² (or by C' when
     * configured by output channels, with C/C' a perfect square).
     */
    public int blockSizeFor(long channels) {
        if (blockSize > 0) {
            long r2 = (long) blockSize * blockSize;
            if (channels % r2 != 0) {
                throw new IllegalArgumentException("FeatureArrangement: input channels " + channels
                        + " not divisible by blockSize² = " + blockSize + "² = " + r2
                        + "; choose a blockSize r with C % r² == 0");
            }
            return blockSize;
        }
        if (channels % outputChannels != 0) {
            throw new IllegalArgumentException("FeatureArrangement: input channels " + channels
                    + " not divisible by outputChannels " + outputChannels);
        }
        long ratio = channels / outputChannels;
        long r = Math.round(Math.sqrt(ratio));
        if (r * r != ratio) {
            throw new IllegalArgumentException("FeatureArrangement: input channels / outputChannels = " + channels + " / "
                    + outputChannels + " = " + ratio + " is not a perfect square r², so no block size r exists");
        }
        return (int) r;
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
    public void defineParameters(SDLayerParams params) {
        // no parameters
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
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
        private int outputChannels = 2;

        /** Block size r ≥ 1 (the paper: 16). Replaces any {@link #outputChannels(int)} setting. */
        public Builder blockSize(int r) {
            if (r < 1) {
                throw new IllegalArgumentException("FeatureArrangement: blockSize must be >= 1, got " + r);
            }
            this.blockSize = r;
            this.outputChannels = 0;
            return this;
        }

        /** Output channels C' ≥ 1 (the paper: 2); r = sqrt(C / C'). Replaces any {@link #blockSize(int)} setting. */
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
