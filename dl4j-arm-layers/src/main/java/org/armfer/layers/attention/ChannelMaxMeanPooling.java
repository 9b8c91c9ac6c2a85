package org.armfer.layers.attention;

import org.armfer.layers.AbstractCnnSameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;

/**
 * The channel pooling of CBAM-style spatial attention: {@code [N, C, H, W] -> [N, 2, H, W]}, channel 0 the maximum
 * over the C channels at each position, channel 1 their mean (CBAM's order, {@code cat([max, mean], dim=1)}).
 * No parameters. The gradient of the maximum goes to the channel that holds it (ND4J's reduce-max backprop).
 */
public class ChannelMaxMeanPooling extends AbstractCnnSameDiffLayer {

    protected ChannelMaxMeanPooling(Builder builder) {
        super(builder);
    }

    private ChannelMaxMeanPooling() {
        // for JSON
    }

    @Override
    public long[] outputShape(long channels, long height, long width) {
        return new long[]{2, height, width};
    }


    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> paramTable, SDVariable mask) {
        return sd.concat(1, input.max(true, 1), input.mean(true, 1));
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends AbstractCnnSameDiffLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public ChannelMaxMeanPooling build() {
            return new ChannelMaxMeanPooling(this);
        }
    }
}
