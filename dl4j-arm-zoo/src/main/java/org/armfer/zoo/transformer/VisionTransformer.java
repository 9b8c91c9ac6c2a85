package org.armfer.zoo.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * torchvision's {@code VisionTransformer} (dropout 0, no representation layer) as a DL4J zoo model, in any
 * {@link ViTConfig}: patch embedding, class token, learned position embedding, pre-norm encoder blocks, final
 * LayerNorm, linear classifier on the class token ({@code heads.head}, initialised to zero as torchvision's).
 * <pre>
 * ComputationGraph vit = VisionTransformer.builder().config(ViTConfig.B16).numClasses(7).inputSize(224).build().init();
 * </pre>
 * Any input side that is a multiple of the patch size works (48, 112, 224 for /16); torchvision's ImageNet weights
 * (224) load into other sizes with the position embedding interpolated ({@link TransformerWeights}).
 */
public class VisionTransformer extends TransformerZooModel {

    private final ViTConfig config;

    protected VisionTransformer(Builder b) {
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

    public ViTConfig getConfig() {
        return config;
    }

    @Override
    protected String addBody(ComputationGraphConfiguration.GraphBuilder g, String input) {
        int[] s = getInputShape();
        return config.addTrunk(g, input, s[0], s[1], s[2]);
    }

    @Override
    protected String addHead(ComputationGraphConfiguration.GraphBuilder g, String features) {
        g.addLayer(ViTConfig.HEAD, new OutputLayer.Builder(getLoss()).nIn(config.width()).nOut(getNumClasses())
                .activation(Activation.SOFTMAX).weightInit(WeightInit.ZERO).biasInit(0.0).build(), features);
        return ViTConfig.HEAD;
    }

    @Override
    public long classifierInputs() {
        return config.width();
    }

    /** Builder: {@link ViTConfig#B16}, 7 classes, 3x224x224, Adam(1e-4), no weight decay unless set. */
    public static class Builder extends Base<Builder> {
        private ViTConfig config = ViTConfig.B16;

        protected Builder() {
            super(224);
        }

        public Builder config(ViTConfig config) {
            if (config == null) {
                throw new IllegalArgumentException("config must be a ViTConfig (TI16, S16, B16 or your own), got null");
            }
            this.config = config;
            return this;
        }

        public VisionTransformer build() {
            return new VisionTransformer(this);
        }
    }
}
