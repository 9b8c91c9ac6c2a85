package org.armfer.zoo.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;

/**
 * torchvision's {@code SwinTransformer} (v1: {@code swin_t}, {@code swin_s}, {@code swin_b}) as a DL4J zoo model,
 * in any {@link SwinConfig}: 4x4 patch partition, stages of (shifted) window attention blocks with relative position
 * bias, patch merging between stages, final LayerNorm, global average pooling and a linear classifier ({@code head},
 * normal std 0.02 as torchvision's truncated normal). Stochastic depth as torchvision (linear in the block index up to
 * the configuration's rate, identity at inference).
 * <pre>
 * ComputationGraph swin = SwinTransformer.builder().config(SwinConfig.T).numClasses(7).inputSize(224).build().init();
 * </pre>
 * Any input side >= 4 works; feature maps that are not multiples of the window are padded as torchvision pads them.
 */
public class SwinTransformer extends TransformerZooModel {

    private final SwinConfig config;

    protected SwinTransformer(Builder b) {
        super(b, b.config.name());
        this.config = b.config;
        finish();
    }

    @Override
    protected void resolve() {
        int[] s = getInputShape();
        config.checkInput(s[0], s[1], s[2]);
        super.resolve();
    }

    public static Builder builder() {
        return new Builder();
    }

    public SwinConfig getConfig() {
        return config;
    }

    @Override
    protected String addBody(ComputationGraphConfiguration.GraphBuilder g, String input) {
        int[] s = getInputShape();
        return config.addTrunk(g, input, s[0], s[1], s[2]);
    }

    @Override
    protected String addHead(ComputationGraphConfiguration.GraphBuilder g, String features) {
        g.addLayer(SwinConfig.HEAD, new OutputLayer.Builder(getLoss()).nIn(config.numFeatures()).nOut(getNumClasses())
                .activation(Activation.SOFTMAX).weightInit(new NormalDistribution(0, 0.02)).biasInit(0.0).build(), features);
        return SwinConfig.HEAD;
    }

    @Override
    public long classifierInputs() {
        return config.numFeatures();
    }

    /** Builder: {@link SwinConfig#T}, 7 classes, 3x224x224, Adam(1e-4), no weight decay unless set. */
    public static class Builder extends Base<Builder> {
        private SwinConfig config = SwinConfig.T;

        protected Builder() {
            super(224);
        }

        public Builder config(SwinConfig config) {
            if (config == null) {
                throw new IllegalArgumentException("config must be a SwinConfig (T, S, B or your own), got null");
            }
            this.config = config;
            return this;
        }

        public SwinTransformer build() {
            return new SwinTransformer(this);
        }
    }
}
