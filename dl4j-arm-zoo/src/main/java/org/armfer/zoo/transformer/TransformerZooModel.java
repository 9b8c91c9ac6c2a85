package org.armfer.zoo.transformer;

import org.armfer.fast.SingleRegularizationGraphBuilder;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Arrays;

/**
 * Base of the transformer zoo models ({@link VisionTransformer}, {@link SwinTransformer},
 * {@link NeuralResizerTransformer}): DL4J's {@code ZooModel} contract (a builder with defaults, a public
 * {@link #graphBuilder()}, {@link #init()}, deterministic vertex names) and the settings they share. The network input
 * is the vertex {@value #INPUT}, an NCHW image.
 * <p>
 * Defaults where torchvision is silent: Adam(1e-4) (the VT_with_NR_for_FER reference's optimiser), no weight decay,
 * softmax + cross-entropy, float32, workspaces on, {@code CacheMode.NONE} (the transformer layers keep what their
 * backward pass needs themselves).
 */
public abstract class TransformerZooModel extends ZooModel<TransformerZooModel> {

    public static final String INPUT = "input";

    protected final int numClasses;
    protected final int[] inputShape;
    protected final long seed;
    protected final IUpdater updater;
    protected final double weightDecay;
    protected final ILossFunction loss;
    protected final DataType dataType;
    protected final WorkspaceMode workspaceMode;
    protected final CacheMode cacheMode;

    protected TransformerZooModel(Base<?> b) {
        this.numClasses = b.numClasses;
        this.inputShape = b.inputShape.clone();
        this.seed = b.seed;
        this.updater = b.updater;
        this.weightDecay = b.weightDecay;
        this.loss = b.loss;
        this.dataType = b.dataType;
        this.workspaceMode = b.workspaceMode;
        this.cacheMode = b.cacheMode;
    }

    /** Adds everything between the input vertex and the classifier; returns the vertex holding the features. */
    protected abstract String addBody(ComputationGraphConfiguration.GraphBuilder g, String input);

    /** Adds the classifier (an output layer with {@link #loss}) after the features; returns the output vertex. */
    protected abstract String addHead(ComputationGraphConfiguration.GraphBuilder g, String features);

    /**
     * The graph configuration builder, for users who want to change it before building. Its {@code build()} leaves
     * every layer one copy of each regularization term (see {@link SingleRegularizationGraphBuilder}).
     */
    public ComputationGraphConfiguration.GraphBuilder graphBuilder() {
        NeuralNetConfiguration.Builder nn = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .cacheMode(cacheMode)
                .trainingWorkspaceMode(workspaceMode)
                .inferenceWorkspaceMode(workspaceMode)
                .dataType(dataType);
        if (weightDecay > 0) {
            nn.weightDecay(weightDecay);
        }
        ComputationGraphConfiguration.GraphBuilder g = new SingleRegularizationGraphBuilder(nn)
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
        String features = addBody(g, INPUT);
        g.setOutputs(addHead(g, features));
        return g;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        ComputationGraph model = new ComputationGraph(graphBuilder().build());
        model.init();
        return model;
    }

    @Override
    public String pretrainedUrl(PretrainedType pretrainedType) {
        return null; // no DL4J-format weights are published; import torchvision's with TorchWeights
    }

    @Override
    public long pretrainedChecksum(PretrainedType pretrainedType) {
        return 0L;
    }

    @Override
    public Class<? extends Model> modelType() {
        return ComputationGraph.class;
    }

    @Override
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][]{inputShape.clone()}, 1, ZooType.CNN);
    }

    @Override
    public void setInputShape(int[][] inputShape) {
        throw new UnsupportedOperationException("Set the input shape with the builder: .inputShape(channels, height, width)");
    }

    public int getNumClasses() {
        return numClasses;
    }

    /** The network input {channels, height, width}. */
    public int[] getInputShape() {
        return inputShape.clone();
    }

    public ILossFunction getLoss() {
        return loss;
    }

    @Override
    public String toString() {
        return modelName() + "{classes=" + numClasses + ", input=" + Arrays.toString(inputShape) + "}";
    }

    /**
     * The settings every transformer model has.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Base<B extends Base<B>> {
        protected int numClasses = 7;
        protected int[] inputShape = {3, 224, 224};
        protected long seed = 12345;
        protected IUpdater updater = new Adam(1e-4);
        protected double weightDecay;
        protected ILossFunction loss = new LossMCXENT();
        protected DataType dataType = DataType.FLOAT;
        protected WorkspaceMode workspaceMode = WorkspaceMode.ENABLED;
        protected CacheMode cacheMode = CacheMode.NONE;

        @SuppressWarnings("unchecked")
        protected B self() {
            return (B) this;
        }

        /** Number of classes, > 0 (default 7). */
        public B numClasses(int numClasses) {
            if (numClasses <= 0) {
                throw new IllegalArgumentException("numClasses must be > 0, got " + numClasses);
            }
            this.numClasses = numClasses;
            return self();
        }

        /** Input {channels, height, width}, all > 0. */
        public B inputShape(int channels, int height, int width) {
            if (channels <= 0 || height <= 0 || width <= 0) {
                throw new IllegalArgumentException("inputShape must be positive {channels, height, width}, got "
                        + Arrays.toString(new int[]{channels, height, width}));
            }
            this.inputShape = new int[]{channels, height, width};
            return self();
        }

        /** Square RGB input (gray images replicated to 3 channels, as the FER papers do). */
        public B inputSize(int side) {
            return inputShape(3, side, side);
        }

        public B seed(long seed) {
            this.seed = seed;
            return self();
        }

        public B updater(IUpdater updater) {
            if (updater == null) {
                throw new IllegalArgumentException("updater must not be null");
            }
            this.updater = updater;
            return self();
        }

        /** Weight decay on weight matrices (not biases, norms, embeddings), >= 0 (default 0). */
        public B weightDecay(double coefficient) {
            if (!(coefficient >= 0) || !Double.isFinite(coefficient)) {
                throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + coefficient);
            }
            this.weightDecay = coefficient;
            return self();
        }

        /** The classifier's loss (default softmax cross-entropy), e.g. F-PDLS ({@code LossPDLS}). */
        public B loss(ILossFunction loss) {
            if (loss == null) {
                throw new IllegalArgumentException("loss must not be null");
            }
            this.loss = loss;
            return self();
        }

        /** Network data type: FLOAT (default), DOUBLE or HALF. */
        public B dataType(DataType dataType) {
            if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE && dataType != DataType.HALF) {
                throw new IllegalArgumentException("dataType must be one of [FLOAT, DOUBLE, HALF], got " + dataType);
            }
            this.dataType = dataType;
            return self();
        }

        public B workspaceMode(WorkspaceMode mode) {
            this.workspaceMode = mode;
            return self();
        }

        public B cacheMode(CacheMode mode) {
            this.cacheMode = mode;
            return self();
        }
    }
}
