package org.armfer.zoo.transformer;

import org.armfer.fast.SingleRegularizationGraphBuilder;
import org.armfer.zoo.FerModel;
import org.armfer.zoo.FerModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;

/**
 * Base of the transformer zoo models ({@link VisionTransformer}, {@link SwinTransformer},
 * {@link NeuralResizerTransformer}): {@link FerModel}s, so that the registry ({@link FerModels}), the training library
 * and the command line build, train and save them as they do the ResNets: the builder's seed, updater, weight decay
 * (decoupled, on the weight matrices: {@code FerModel.Builder#weightDecay}), loss, data type, workspace and cache mode
 * go into the DL4J configuration; a public {@link #graphBuilder()}; deterministic vertex names (torchvision's module
 * names). The network input is the vertex {@link FerModel#INPUT}, an NCHW image.
 * <p>
 * Their builders preset what torchvision and the VT_with_NR_for_FER reference do where {@link FerModel.Builder}'s
 * defaults are the ResNets': Adam(1e-4) (the reference's optimiser), no weight decay, Xavier initialisation for
 * layers without their own. A transformer has no head or stage that armfer's blocks replace: {@code head(...)},
 * {@code arm(...)}, {@code armBlocks(...)} and {@code after(...)} are rejected when it is built.
 */
public abstract class TransformerZooModel extends FerModel {

    protected TransformerZooModel(Base<?> b, String defaultName) {
        super(b, defaultName, new int[]{3, 224, 224}, null, List.of());
        if (b.getHead() != null || !b.getPlaced().isEmpty()) {
            throw new IllegalArgumentException(modelName() + " is a transformer: it has no head or stage for armfer's blocks"
                    + " (no head(...), arm(...), armBlocks(...) or after(...); ARM options and --blocks do not apply)");
        }
    }

    /** Adds everything between the input vertex and the classifier; returns the vertex holding the features. */
    protected abstract String addBody(ComputationGraphConfiguration.GraphBuilder g, String input);

    /** Adds the classifier (an output layer with {@link #getLoss()}) after the features; returns the output vertex. */
    protected abstract String addHead(ComputationGraphConfiguration.GraphBuilder g, String features);

    /** {@link FerModel#netConf()} with Xavier initialisation (torchvision's for the linear layers it does not set). */
    @Override
    protected NeuralNetConfiguration.Builder netConf() {
        return super.netConf().weightInit(WeightInit.XAVIER);
    }

    /**
     * The graph configuration builder, for users who want to change it before building. Its {@code build()} leaves
     * every layer one copy of each regularization term (see {@link SingleRegularizationGraphBuilder}).
     */
    public ComputationGraphConfiguration.GraphBuilder graphBuilder() {
        ComputationGraphConfiguration.GraphBuilder g = newGraph();
        String features = addBody(g, INPUT);
        g.setOutputs(addHead(g, features));
        return g;
    }

    @Override
    public ComputationGraphConfiguration conf() {
        return graphBuilder().build();
    }

    /** None: the classifier reads a token or pooled feature vector, not a feature map an armfer head could take. */
    @Override
    public InputType headInputType() {
        return null;
    }

    /** The width of the features the classifier (the first layer after the trunk) reads. */
    @Override
    public abstract long classifierInputs();

    /**
     * The settings every transformer model has: {@link FerModel.Builder}'s, preset to Adam(1e-4), no weight decay and
     * the model's own input size.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Base<B extends Base<B>> extends FerModel.Builder<B> {
        protected Base(int defaultInputSize) {
            updater(new Adam(1e-4));
            weightDecay(0);
            inputSize(defaultInputSize);
        }

        @Override
        public abstract TransformerZooModel build();
    }
}
