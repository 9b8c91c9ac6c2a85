package org.armfer.zoo;

import org.armfer.fast.FastWeightDecay;
import org.armfer.fast.SingleRegularizationGraphBuilder;
import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.armfer.layers.GraphBlock;
import org.armfer.layers.PoolingHead;
import org.armfer.layers.loss.LossPDLS;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An armfer zoo model, as DL4J's {@link ZooModel}s are: a builder with defaults, {@link #init()} for the initialised
 * {@link ComputationGraph}, {@link #setInputShape} and {@link #metaData()}. Every model of the registry
 * ({@link FerModels}) is one: the ResNets ({@link FerResNet}), DeSpaM's network ({@link DeSpaMNet}), and models that
 * another library builds and the registry wraps ({@link FactoryModel}). {@link #modelName()} is the model's registry
 * name.
 * <p>
 * The builder ({@link Builder}) holds what every model shares: the name, the number of classes, the input shape, the
 * training settings that go into the DL4J configuration (seed, updater, weight decay, loss, cache and workspace mode,
 * data type), the blocks placed after the model's named stages ({@link Builder#after}) and the head
 * ({@link Builder#head}: global average pooling, ARM, RARN's fusion; any {@link GraphBlock}). Where the architecture
 * has no such place (a model built by a factory), the builder says so.
 */
public abstract class FerModel extends ZooModel<FerModel> {

    /** The input vertex and the classifier of the models armfer builds itself. */
    public static final String INPUT = "input";
    public static final String FC = "fc";

    private final String name;
    private final int numClasses;
    private int[] inputShape;
    private final long seed;
    private final IUpdater updater;
    private final double weightDecay;
    private final ILossFunction loss;
    private final CacheMode cacheMode;
    private final WorkspaceMode workspaceMode;
    private final DataType dataType;
    private final GraphBlock head;
    private final List<String> stages;
    private final List<Placed> placed;
    /** The head's ARM with its geometry resolved on the current input shape (null without ARM); set by {@link #resolve}. */
    private ArmModule resolvedArm;

    /**
     * @param stages the places after which blocks can be put ({@link #stages()}); subclasses call {@link #finish()} at the
     *               end of their constructors
     */
    protected FerModel(Builder<?> b, String defaultName, int[] defaultInputShape, GraphBlock defaultHead, List<String> stages) {
        this.name = b.name != null ? b.name : defaultName;
        this.numClasses = b.numClasses;
        this.inputShape = (b.inputShape != null ? b.inputShape : defaultInputShape).clone();
        this.seed = b.seed != null ? b.seed : 12345L;
        this.updater = b.updater != null ? b.updater : new Adam(1e-3);
        this.weightDecay = b.weightDecay != null ? b.weightDecay : 1e-4;
        this.loss = b.loss != null ? b.loss : new LossMCXENT();
        // NONE: FastConvolutionLayer's backward pass does not need the convolution's output, so neither DL4J's
        // recomputation of it (CacheMode.NONE with DL4J's own layer) nor DEVICE's copy of every output is wanted
        this.cacheMode = b.cacheMode != null ? b.cacheMode : CacheMode.NONE;
        this.workspaceMode = b.workspaceMode != null ? b.workspaceMode : WorkspaceMode.ENABLED;
        this.dataType = b.dataType != null ? b.dataType : DataType.FLOAT;
        this.head = b.head != null ? b.head : defaultHead;
        this.stages = List.copyOf(stages);
        this.placed = List.copyOf(b.placed);
        if (loss instanceof LossPDLS && ((LossPDLS) loss).numClasses() != numClasses) {
            throw new IllegalArgumentException("The loss's prior matrix is " + ((LossPDLS) loss).numClasses() + "x"
                    + ((LossPDLS) loss).numClasses() + " but numClasses is " + numClasses + "; build the prior for "
                    + numClasses + " classes");
        }
    }

    // ------------------------------------------------------------------------------------------------ what a model says

    /** The configuration {@link #init()} builds. */
    public abstract ComputationGraphConfiguration conf();

    /**
     * The feature map the head reads (a 4-D NCHW type) for the current input shape, or null where the model does not
     * expose one (a model built by a factory).
     */
    public abstract InputType headInputType();

    /** The names of the places after which {@link Builder#after} can put blocks, in network order. */
    public List<String> stages() {
        return stages;
    }

    /** Checks the placed blocks against the stages, then the input shape ({@link #resolve()}): the constructors' last step. */
    protected final void finish() {
        checkPlacement();
        resolve();
    }

    /**
     * Checks the input shape and works out what depends on it; called by the constructor of each model and by
     * {@link #setInputShape}. Models override it to check their geometry and call {@code super.resolve()} last.
     *
     * @throws IllegalArgumentException when the model cannot take the input shape, naming the limit
     */
    protected void resolve() {
        resolvedArm = null;
        if (head instanceof ArmModule) {
            InputType.InputTypeConvolutional map = (InputType.InputTypeConvolutional) headInputType();
            try {
                resolvedArm = ((ArmModule) head).resolve(map.getChannels(), map.getHeight(), map.getWidth());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ARM " + ArmBlock.format(((ArmModule) head).getBlocks()) + " does not fit a "
                        + inputShape[1] + "x" + inputShape[2] + " input (" + name + " feature map " + map.getChannels() + "x"
                        + map.getHeight() + "x" + map.getWidth() + "): " + e.getMessage(), e);
            }
        }
    }

    /** The initialised graph. */
    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        ComputationGraph model = new ComputationGraph(conf());
        model.init();
        return model;
    }

    /** The registry name ({@link FerModels}), or what {@link Builder#name} set. */
    @Override
    public String modelName() {
        return name;
    }

    /** The head: {@link PoolingHead}, {@link ArmModule}, RARN's fusion, ... (null for a model built by a factory). */
    public GraphBlock head() {
        return head;
    }

    /** The blocks placed after the model's stages, in the order they were given. */
    public List<Placed> placedBlocks() {
        return placed;
    }

    /** The ARM head with its geometry resolved on the current input shape, or null when the head is not ARM. */
    public ArmModule armModule() {
        return resolvedArm;
    }

    public boolean hasArm() {
        return resolvedArm != null;
    }

    /** The ARM blocks of the head (empty when the head is not ARM). */
    public Set<ArmBlock> getArmBlocks() {
        return resolvedArm == null ? EnumSet.noneOf(ArmBlock.class) : resolvedArm.getBlocks();
    }

    /** {@code [C, H, W]} of {@link #headInputType()}: the feature map that GAP, ARM or the fusion reads. */
    public long[] featureMapShape() {
        InputType t = headInputType();
        if (!(t instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalStateException(name + " does not expose the feature map its head reads");
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
        return new long[]{c.getChannels(), c.getHeight(), c.getWidth()};
    }

    /** Number of features the classifier sees: the size of the head's output. */
    public long classifierInputs() {
        InputType out = head.outputType(headInputType());
        return out.arrayElementsPerExample();
    }

    public int getNumClasses() {
        return numClasses;
    }

    /** The input {channels, height, width} the network takes. */
    public int[] getInputShape() {
        return inputShape.clone();
    }

    public long getSeed() {
        return seed;
    }

    public IUpdater getUpdater() {
        return updater;
    }

    public double getWeightDecay() {
        return weightDecay;
    }

    public ILossFunction getLoss() {
        return loss;
    }

    public DataType getDataType() {
        return dataType;
    }

    // ------------------------------------------------------------------------------------------------ for subclasses

    /**
     * The DL4J defaults every armfer model shares: seed, updater, He initialisation, truncated convolutions, cache and
     * workspace mode, data type, and the weight decay (DL4J's {@code weightDecay(coefficient)}, its score term summed by
     * BLAS, see {@link FastWeightDecay}).
     */
    protected NeuralNetConfiguration.Builder netConf() {
        NeuralNetConfiguration.Builder nn = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .cacheMode(cacheMode)
                .trainingWorkspaceMode(workspaceMode)
                .inferenceWorkspaceMode(workspaceMode)
                .dataType(dataType);
        if (weightDecay > 0) {
            nn.regularization(new ArrayList<>(List.of(new FastWeightDecay(weightDecay, true))));
        }
        return nn;
    }

    /**
     * A graph builder with {@link #netConf()}, the input vertex {@link #INPUT} of the input shape (NCHW), whose
     * {@code build()} leaves every layer one copy of each regularization term (see {@link SingleRegularizationGraphBuilder}).
     */
    protected ComputationGraphConfiguration.GraphBuilder newGraph() {
        return new SingleRegularizationGraphBuilder(netConf())
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
    }

    /** The blocks placed after {@code stage}, added after {@code last} of type {@code type}; returns the new last vertex and type. */
    protected Tip placeAfter(ComputationGraphConfiguration.GraphBuilder g, String stage, Tip tip) {
        Tip t = tip;
        for (Placed p : placed) {
            if (p.stage().equals(stage)) {
                t = new Tip(g == null ? p.prefix() : p.block().addTo(g, t.vertex(), t.type(), p.prefix()), outputType(p, t.type()));
            }
        }
        return t;
    }

    /** The type after the blocks placed after {@code stage}, without a graph. */
    protected InputType typeAfter(String stage, InputType type) {
        return placeAfter(null, stage, new Tip(null, type)).type();
    }

    private static InputType outputType(Placed p, InputType in) {
        try {
            return p.block().outputType(in);
        } catch (IllegalArgumentException e) {
            InputType.InputTypeConvolutional c = in instanceof InputType.InputTypeConvolutional
                    ? (InputType.InputTypeConvolutional) in : null;
            throw new IllegalArgumentException(p.prefix() + " after " + p.stage() + " (" + (c == null ? in
                    : c.getChannels() + "x" + c.getHeight() + "x" + c.getWidth()) + "): " + e.getMessage(), e);
        }
    }

    /** Whether any block is placed after one of {@code stages}. */
    protected boolean hasBlocksAfter(Set<String> stages) {
        return placed.stream().anyMatch(p -> stages.contains(p.stage()));
    }

    /** The classifier {@link #FC}: a softmax output layer with the loss, on {@code input}; dropout before it if > 0. */
    protected void addClassifier(ComputationGraphConfiguration.GraphBuilder g, String vertex, String input, double dropout) {
        OutputLayer.Builder fc = new OutputLayer.Builder(loss).nOut(numClasses).activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER);
        if (dropout > 0) {
            fc.dropOut(1.0 - dropout); // DL4J's dropOut is the probability of keeping an input
        }
        g.addLayer(vertex, fc.build(), input);
        g.setOutputs(vertex);
    }

    /** Checks the placed blocks' stage names and prefixes against {@link #stages()}. */
    private void checkPlacement() {
        Set<String> prefixes = new LinkedHashSet<>();
        for (Placed p : placed) {
            if (!stages().contains(p.stage())) {
                throw new IllegalArgumentException("after(\"" + p.stage() + "\", ...): " + name + " has no stage \"" + p.stage()
                        + "\"; allowed: " + stages());
            }
            if (!prefixes.add(p.prefix())) {
                throw new IllegalArgumentException("Two blocks have the vertex prefix \"" + p.prefix() + "\"; give one another"
                        + " with after(stage, prefix, block)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ ZooModel

    @Override
    public String pretrainedUrl(PretrainedType pretrainedType) {
        return null; // no DL4J-format weights are published; import PyTorch weights with TorchWeights
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
        return new ModelMetaData(new int[][]{getInputShape()}, 1, ZooType.CNN);
    }

    /**
     * Sets the input shape ({@code {{channels, height, width}}}, ZooModel's contract) and works out again what depends
     * on it (the ARM geometry, the classifier's width); the next {@link #init()} builds for it.
     *
     * @throws IllegalArgumentException for a shape the model cannot take, with the limit; the model keeps its shape then
     */
    @Override
    public void setInputShape(int[][] inputShape) {
        if (inputShape == null || inputShape.length != 1) {
            throw new IllegalArgumentException("setInputShape: " + name + " has one input; give {{channels, height, width}}, got "
                    + Arrays.deepToString(inputShape));
        }
        int[] previous = this.inputShape;
        this.inputShape = checkShape(inputShape[0]);
        try {
            resolve();
        } catch (RuntimeException e) {
            this.inputShape = previous;
            resolve();
            throw e;
        }
    }

    /** {channels, height, width}, positive, channels 1 or 3. */
    static int[] checkShape(int[] shape) {
        if (shape == null || shape.length != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0) {
            throw new IllegalArgumentException("inputShape must be {channels, height, width} with positive values, got "
                    + Arrays.toString(shape));
        }
        if (shape[0] != 1 && shape[0] != 3) {
            throw new IllegalArgumentException("inputShape channels must be 1 (gray) or 3 (RGB, or gray replicated as the paper"
                    + " does for FER2013), got " + shape[0]);
        }
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + "{classes=" + numClasses + ", input=" + Arrays.toString(inputShape)
                + (placed.isEmpty() ? "" : ", blocks=" + placed) + ", head=" + (resolvedArm != null ? resolvedArm : head) + "}";
    }

    // ------------------------------------------------------------------------------------------------ types

    /** A block placed after a named stage, with the prefix of its vertices. */
    public record Placed(String stage, String prefix, GraphBlock block) {
        @Override
        public String toString() {
            return prefix + " after " + stage + ": " + block;
        }
    }

    /** The last vertex of a graph being built and its type. */
    protected record Tip(String vertex, InputType type) {
    }

    /**
     * What every model's builder offers: the training settings the command line and the searches set, the blocks placed
     * after stages and the head. Unset settings take each model's defaults (7 classes, the model's input size, seed
     * 12345, Adam(1e-3), weight decay 1e-4, softmax + cross-entropy, float32, workspaces on, cache mode NONE).
     *
     * @param <B> the builder's own type
     */
    public abstract static class Builder<B extends Builder<B>> {
        String name;
        int numClasses = 7;
        int[] inputShape;
        Long seed;
        IUpdater updater;
        Double weightDecay;
        ILossFunction loss;
        CacheMode cacheMode;
        WorkspaceMode workspaceMode;
        DataType dataType;
        GraphBlock head;
        final List<Placed> placed = new ArrayList<>();

        protected Builder() {
        }

        @SuppressWarnings("unchecked")
        protected B self() {
            return (B) this;
        }

        /** The model's name ({@link FerModel#modelName()}); the registry sets it. */
        public B name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank, got '" + name + "'");
            }
            this.name = name;
            return self();
        }

        /** Number of classes, > 0 (default 7). */
        public B numClasses(int numClasses) {
            if (numClasses <= 0) {
                throw new IllegalArgumentException("numClasses must be > 0, got " + numClasses);
            }
            this.numClasses = numClasses;
            return self();
        }

        /** Input {channels, height, width}: e.g. {3, 224, 224}, {3, 112, 112}, {3, 48, 48} (FER2013, gray replicated). */
        public B inputShape(int channels, int height, int width) {
            this.inputShape = checkShape(new int[]{channels, height, width});
            return self();
        }

        /** Square input of 3 channels. */
        public B inputSize(int side) {
            return inputShape(3, side, side);
        }

        /** Weight-initialisation seed (default 12345). */
        public B seed(long seed) {
            this.seed = seed;
            return self();
        }

        /** The updater (default Adam(1e-3)). */
        public B updater(IUpdater updater) {
            if (updater == null) {
                throw new IllegalArgumentException("updater must not be null");
            }
            this.updater = updater;
            return self();
        }

        /** Weight decay on weights (not biases), >= 0 (default 1e-4; 0 disables), applied once per weight. */
        public B weightDecay(double coefficient) {
            if (!(coefficient >= 0) || !Double.isFinite(coefficient)) {
                throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + coefficient);
            }
            this.weightDecay = coefficient;
            return self();
        }

        /** The classifier's loss (default softmax cross-entropy); e.g. a label-distribution loss. */
        public B loss(ILossFunction loss) {
            if (loss == null) {
                throw new IllegalArgumentException("loss must not be null");
            }
            this.loss = loss;
            return self();
        }

        public B cacheMode(CacheMode cacheMode) {
            this.cacheMode = cacheMode;
            return self();
        }

        public B workspaceMode(WorkspaceMode workspaceMode) {
            this.workspaceMode = workspaceMode;
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

        /**
         * The head between the last stage and the classifier: {@link PoolingHead#average()} (the default of the ResNets
         * and of DeSpaM's network), an {@link ArmModule}, RARN's fusion (a {@link org.armfer.layers.MultiLevelBlock},
         * given the model's deepest levels), or any {@link GraphBlock}.
         */
        public B head(GraphBlock head) {
            if (head == null) {
                throw new IllegalArgumentException("head must not be null; PoolingHead.average() is global average pooling");
            }
            this.head = head;
            return self();
        }

        /** ARM as the head: an explicit configuration (kernel, stride, λ, GAR mode ...; unset geometry is derived from the map). */
        public B arm(ArmModule arm) {
            if (arm == null) {
                throw new IllegalArgumentException("arm must not be null; armBlocks(\"none\") gives global average pooling");
            }
            return head(arm);
        }

        /**
         * The head as an ARM block set (the paper's Table 2): an empty set is global average pooling; otherwise ARM with
         * those blocks, keeping the head's other ARM settings when it already is ARM.
         */
        public B armBlocks(Set<ArmBlock> blocks) {
            if (blocks == null) {
                throw new IllegalArgumentException("armBlocks must not be null; an empty set is global average pooling");
            }
            if (blocks.isEmpty()) {
                return head(PoolingHead.average());
            }
            ArmModule.Builder a = head instanceof ArmModule ? ((ArmModule) head).toBuilder() : ArmModule.builder();
            return head(a.blocks(blocks).build());
        }

        /** The head by ARM block names: "none" (GAP), "DA", "SA", "FA+DA", "FA+SA", "DA+SA", "FA+DA+SA". */
        public B armBlocks(String spec) {
            return armBlocks(ArmBlock.parseSet(spec));
        }

        /**
         * Puts {@code block} after the named stage (see the model's {@link FerModel#stages()}), after any block already
         * there; its vertices are named by its default prefix and the stage's number ({@code dsm2} after
         * {@code layer2}) unless {@link #after(String, String, GraphBlock)} names them.
         */
        public B after(String stage, GraphBlock block) {
            if (block == null) {
                throw new IllegalArgumentException("after(\"" + stage + "\", null): give a block");
            }
            return after(stage, block.defaultPrefix() + stageNumber(stage), block);
        }

        /** Puts {@code block} after the named stage, its vertices named {@code prefix.*}. */
        public B after(String stage, String prefix, GraphBlock block) {
            if (stage == null || prefix == null || prefix.isBlank() || block == null) {
                throw new IllegalArgumentException("after(stage, prefix, block) needs all three, got " + stage + ", " + prefix
                        + ", " + block);
            }
            placed.add(new Placed(stage, prefix, block));
            return self();
        }

        /** Removes every block placed after stages. */
        public B clearBlocks() {
            placed.clear();
            return self();
        }

        /** The head set so far (null: the model's default). */
        public GraphBlock getHead() {
            return head;
        }

        /** The head set so far if it is ARM, else null. */
        public ArmModule getArm() {
            return head instanceof ArmModule ? (ArmModule) head : null;
        }

        /** The blocks placed so far. */
        public List<Placed> getPlaced() {
            return Collections.unmodifiableList(placed);
        }

        /** The suffix of a stage's blocks' prefixes: the digits at the end of its name ("layer2" -> "2"), else "". */
        static String stageNumber(String stage) {
            if (stage == null) {
                return "";
            }
            int i = stage.length();
            while (i > 0 && Character.isDigit(stage.charAt(i - 1))) {
                i--;
            }
            return stage.substring(i);
        }

        /** The model. */
        public abstract FerModel build();
    }
}
