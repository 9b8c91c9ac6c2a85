package org.armfer.layers;

import org.armfer.layers.impl.ChannelMeanRuntime;
import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Map;

/**
 * The mean over channels, {@code [N, C, H, W] -> [N, 1, H, W]}, no parameters: how ARM without SA turns FA+DA's
 * arranged channels into one representation (the paper's §4.3, "the two channels output from the DA block are averaged
 * as the representation"; SA computes the same mean before adding λ·GAR). {@link ArmModule} adds it as
 * {@code prefix.mean}.
 */
public class ChannelMean extends AbstractCnnSameDiffLayer {

    protected ChannelMean(Builder builder) {
        super(builder);
    }

    private ChannelMean() {
        // for JSON
    }

    @Override
    public long[] outputShape(long channels, long height, long width) {
        return new long[]{1, height, width};
    }


    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> paramTable, SDVariable mask) {
        return input.mean(true, 1);
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new ChannelMeanRuntime(conf, networkDataType);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends AbstractCnnSameDiffLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public ChannelMean build() {
            return new ChannelMean(this);
        }
    }
}
