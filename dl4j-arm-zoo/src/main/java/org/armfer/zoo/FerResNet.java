package org.armfer.zoo;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
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
import java.util.List;
import java.util.TreeSet;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.attention.RotationAwareAttention;
import org.armfer.layers.attention.RotationAwareFusion;
import org.armfer.layers.resize.LearnableResizer;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The one ResNet of armfer: torchvision's architecture exactly (7x7/2 stem with padding 3, BN, ReLU, 3x3/2 max-pool
 * with padding 1, four stages of residual blocks, 1x1/2 downsample conv + BN on the first block of stages 2-4), with
 * either global average pooling ("GAP", the baseline) or ARM (any of the paper's Table 2 block sets) as the head,
 * followed by the fully connected classifier {@code fc}. Depth and head are data: {@link ResNetDepth} and a set of
 * {@link ArmBlock}s. {@link ResNet} builds any of them; {@link ResNet18} and {@link ResNet18Arm} preset their defaults.
 * <p>
 * Vertex names follow torchvision's module names so that weight import ({@link TorchWeights}) is a lookup:
 * {@code conv1, bn1, relu, maxpool, layer1.0.conv1, layer1.0.bn1, layer1.0.relu1, layer1.0.conv2, layer1.0.bn2,
 * layer2.0.downsample.0, layer2.0.downsample.1, layer1.0.add, layer1.0.relu2 (the block's output), ..., avgpool | arm.fa,
 * arm.da, arm.bn, arm.sa, fc}. The input vertex is {@code input}.
 * <p>
 * ARM geometry: unless an explicit {@link ArmModule} is given, it is adapted to the input size by
 * {@link ArmGeometry} (the paper's FA 512 -> 2, DA 32/8 at 224x224 input; scaled for other sizes).
 */
public abstract class FerResNet extends ZooModel<FerResNet> {

    /** Vertex names of the stem, the heads and the classifier. */
    public static final String INPUT = "input";
    public static final String POOL = "avgpool";
    public static final String FC = "fc";
    public static final String ARM_PREFIX = "arm";
    /** Prefixes of the other FER blocks: {@code dsm3.*} (DSM after layer3), {@code rarn2.*}, {@code rarn.fusion.*}, {@code resizer.*}. */
    public static final String DSM_PREFIX = "dsm";
    public static final String RARN_PREFIX = "rarn";
    public static final String FUSION_PREFIX = "rarn.fusion";
    public static final String RESIZER_PREFIX = "resizer";

    private final ResNetDepth depth;
    private final int numClasses;
    private final int[] inputShape;
    private final Set<ArmBlock> armBlocks;
    private final ArmModule explicitArm;
    private final long seed;
    private final IUpdater updater;
    private final double weightDecay;
    private final ILossFunction loss;
    private final CacheMode cacheMode;
    private final WorkspaceMode workspaceMode;
    private final DataType dataType;
    private final DecomposedSpatialModulator dsm;
    private final Set<Integer> dsmStages;
    private final RotationAwareAttention rarn;
    private final Set<Integer> rarnStages;
    private final RotationAwareFusion fusion;
    private final int resizerInputSide;

    protected FerResNet(Builder<?> b) {
        this.depth = b.depth;
        this.numClasses = b.numClasses;
        this.inputShape = b.inputShape.clone();
        this.armBlocks = b.armBlocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : EnumSet.copyOf(b.armBlocks);
        this.explicitArm = b.arm;
        this.seed = b.seed;
        this.updater = b.updater;
        this.weightDecay = b.weightDecay;
        this.loss = b.loss;
        this.cacheMode = b.cacheMode;
        this.workspaceMode = b.workspaceMode;
        this.dataType = b.dataType;
        this.dsm = b.dsm;
        this.dsmStages = new TreeSet<>(b.dsmStages);
        this.rarn = b.rarn;
        this.rarnStages = new TreeSet<>(b.rarnStages);
        this.fusion = b.fusion;
        this.resizerInputSide = b.resizerInputSide == FerModels.SAME_SIZE ? b.inputShape[1] : b.resizerInputSide;
        validate();
    }

    private void validate() {
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be > 0, got " + numClasses);
        }
        if (inputShape.length != 3 || inputShape[0] <= 0 || inputShape[1] <= 0 || inputShape[2] <= 0) {
            throw new IllegalArgumentException("inputShape must be {channels, height, width} with positive values, got "
                    + Arrays.toString(inputShape));
        }
        if (inputShape[0] != 1 && inputShape[0] != 3) {
            throw new IllegalArgumentException("inputShape channels must be 1 (gray) or 3 (RGB, or gray replicated as the paper"
                    + " does for FER2013), got " + inputShape[0]);
        }
        for (Set<Integer> stages : List.of(dsmStages, rarnStages)) {
            for (int st : stages) {
                if (st < 1 || st > 4) {
                    throw new IllegalArgumentException("attention stages must be among 1, 2, 3, 4 (after layer1..layer4), got " + stages);
                }
            }
        }
        if (fusion != null && hasArm()) {
            throw new IllegalArgumentException("Choose one head: ARM (armBlocks " + ArmBlock.format(armBlocks)
                    + ") or the RARN multi-scale fusion, not both");
        }
        if (resizerInputSide < 0) {
            throw new IllegalArgumentException("learnableResizer input side must be >= 1 (or 0 for none), got " + resizerInputSide);
        }
        if (hasArm()) {
            long[] map = featureMapShape();
            try {
                armModule().outputShape(map[0], map[1], map[2]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ARM " + ArmBlock.format(armBlocks) + " does not fit a " + inputShape[1] + "x"
                        + inputShape[2] + " input (ResNet-" + depth.depth() + " feature map " + map[0] + "x" + map[1] + "x"
                        + map[2] + "): " + e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ geometry

    /** Output size of a torch-style convolution/pooling: floor((in + 2p - k) / s) + 1. */
    static long convOut(long in, int k, int s, int p) {
        return Math.floorDiv(in + 2L * p - k, s) + 1;
    }

    /** Spatial side of the last stage's feature map for an input side. */
    public static long featureMapSide(long inputSide) {
        long x = convOut(inputSide, 7, 2, 3);   // conv1
        x = convOut(x, 3, 2, 1);                // maxpool
        for (int stage = 2; stage <= 4; stage++) {
            x = convOut(x, 3, 2, 1);            // first conv of stages 2-4
        }
        return x;
    }

    /** {@code [512, h, w]}: the last stage's feature map, the input of GAP or ARM. */
    public long[] featureMapShape() {
        return new long[]{512, featureMapSide(inputShape[1]), featureMapSide(inputShape[2])};
    }

    public boolean hasArm() {
        return !armBlocks.isEmpty();
    }

    /** The ARM configuration used (explicit, or adapted to the input size), or null for the GAP head. */
    public ArmModule armModule() {
        if (!hasArm()) {
            return null;
        }
        if (explicitArm != null) {
            return explicitArm.toBuilder().blocks(armBlocks).build();
        }
        long[] map = featureMapShape();
        return ArmGeometry.forFeatureMap(armBlocks, map[0], map[1], map[2]).build();
    }

    /** The network's input {channels, height, width}: the trunk's, or the learnable resizer's when there is one. */
    public int[] networkInputShape() {
        return resizerInputSide > 0 ? new int[]{inputShape[0], resizerInputSide, resizerInputSide} : inputShape.clone();
    }

    public boolean hasFusionHead() {
        return fusion != null;
    }

    /** Stages (1-4) followed by a DSM, and by RARN attention. */
    public Set<Integer> getDsmStages() {
        return java.util.Collections.unmodifiableSet(dsmStages);
    }

    public Set<Integer> getRarnStages() {
        return java.util.Collections.unmodifiableSet(rarnStages);
    }

    /** Number of features the classifier sees. */
    public long classifierInputs() {
        if (fusion != null) {
            return 4L * fusion.getChannels();
        }
        long[] map = featureMapShape();
        return hasArm() ? armModule().numFeatures(map[0], map[1], map[2]) : map[0];
    }

    // ------------------------------------------------------------------------------------------------ graph

    /** The graph configuration builder, for users who want to change it before building. */
    public ComputationGraphConfiguration.GraphBuilder graphBuilder() {
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
            nn.weightDecay(weightDecay);
        }
        int[] netInput = networkInputShape();
        ComputationGraphConfiguration.GraphBuilder g = nn.graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(netInput[1], netInput[2], netInput[0]));

        String stem = INPUT;
        if (resizerInputSide > 0) {
            stem = LearnableResizer.builder().outputSize(inputShape[1], inputShape[2]).build().addTo(g, INPUT, RESIZER_PREFIX);
        }
        conv(g, "conv1", 7, 2, 3, 64, stem);
        bn(g, "bn1", "conv1");
        relu(g, "relu", "bn1");
        g.addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).build(), "relu");
        String last = "maxpool";
        List<String> stageOutputs = new ArrayList<>();
        int in = 64;
        int[] blocks = depth.blocksPerStage();
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                last = basicBlock(g, "layer" + (stage + 1) + "." + b, last, in, width, stride);
                in = width;
            }
            if (dsmStages.contains(stage + 1)) {
                last = dsm.addTo(g, last, DSM_PREFIX + (stage + 1));
            }
            if (rarnStages.contains(stage + 1)) {
                last = rarn.addTo(g, last, RARN_PREFIX + (stage + 1));
            }
            stageOutputs.add(last);
        }
        String head;
        if (fusion != null) {
            head = fusion.addTo(g, stageOutputs, FUSION_PREFIX);
        } else if (hasArm()) {
            head = armModule().addTo(g, last, ARM_PREFIX);
        } else {
            g.addLayer(POOL, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last);
            head = POOL;
        }
        g.addLayer(FC, new OutputLayer.Builder(loss).nOut(numClasses).activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER).build(), head);
        g.setOutputs(FC);
        return g;
    }

    /** torchvision's BasicBlock; returns the name of its output vertex. */
    private static String basicBlock(ComputationGraphConfiguration.GraphBuilder g, String name, String input, int in,
                                     int width, int stride) {
        conv(g, name + ".conv1", 3, stride, 1, width, input);
        bn(g, name + ".bn1", name + ".conv1");
        relu(g, name + ".relu1", name + ".bn1");
        conv(g, name + ".conv2", 3, 1, 1, width, name + ".relu1");
        bn(g, name + ".bn2", name + ".conv2");
        String shortcut = input;
        if (stride != 1 || in != width) {
            conv(g, name + ".downsample.0", 1, stride, 0, width, input);
            bn(g, name + ".downsample.1", name + ".downsample.0");
            shortcut = name + ".downsample.1";
        }
        g.addVertex(name + ".add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + ".bn2", shortcut);
        relu(g, name + ".relu2", name + ".add");
        return name + ".relu2";
    }

    private static void conv(ComputationGraphConfiguration.GraphBuilder g, String name, int k, int s, int p, int nOut, String in) {
        g.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(s, s).padding(p, p).nOut(nOut)
                .activation(Activation.IDENTITY).hasBias(false).build(), in);
    }

    private static void bn(ComputationGraphConfiguration.GraphBuilder g, String name, String in) {
        // PyTorch BatchNorm2d: eps 1e-5, momentum 0.1 (DL4J decay 0.9), the variance stored as is
        g.addLayer(name, new BatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(false).build(), in);
    }

    private static void relu(ComputationGraphConfiguration.GraphBuilder g, String name, String in) {
        g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), in);
    }

    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        ComputationGraph model = new ComputationGraph(graphBuilder().build());
        model.init();
        return model;
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
        return new ModelMetaData(new int[][]{networkInputShape()}, 1, ZooType.CNN);
    }

    @Override
    public void setInputShape(int[][] inputShape) {
        throw new UnsupportedOperationException("Set the input shape with the builder: .inputShape(channels, height, width)");
    }

    @Override
    public String modelName() {
        return "resnet" + depth.depth() + (hasArm() ? "-arm-" + ArmBlock.format(armBlocks).toLowerCase(Locale.ROOT) : "")
                + (dsmStages.isEmpty() ? "" : "-dsm" + stagesName(dsmStages))
                + (rarnStages.isEmpty() ? "" : "-rarn" + stagesName(rarnStages))
                + (fusion != null ? "-fusion" : "") + (resizerInputSide > 0 ? "-resizer" + resizerInputSide : "");
    }

    private static String stagesName(Set<Integer> stages) {
        StringBuilder sb = new StringBuilder();
        stages.forEach(sb::append);
        return sb.toString();
    }

    public ResNetDepth getDepth() {
        return depth;
    }

    public int getNumClasses() {
        return numClasses;
    }

    public int[] getInputShape() {
        return inputShape.clone();
    }

    public Set<ArmBlock> getArmBlocks() {
        return armBlocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : EnumSet.copyOf(armBlocks);
    }

    public long getSeed() {
        return seed;
    }

    @Override
    public String toString() {
        return modelName() + "{classes=" + numClasses + ", input=" + Arrays.toString(inputShape)
                + (hasArm() ? ", " + armModule() : "") + "}";
    }

    /**
     * Builder with DL4J zoo defaults where the paper is silent: 7 classes, 3x224x224 input, Adam(1e-3), weight decay
     * 1e-4, softmax + cross-entropy, float32, workspaces on, cache mode DEVICE (forward results kept for backprop).
     *
     * @param <M> the model type built
     */
    public static class Builder<M extends FerResNet> {
        private final Function<Builder<M>, M> factory;
        private ResNetDepth depth = ResNetDepth.RESNET18;
        private int numClasses = 7;
        private int[] inputShape = {3, 224, 224};
        private Set<ArmBlock> armBlocks = EnumSet.noneOf(ArmBlock.class);
        private ArmModule arm;
        private long seed = 12345;
        private IUpdater updater = new Adam(1e-3);
        private double weightDecay = 1e-4;
        private ILossFunction loss = new LossMCXENT();
        // DEVICE keeps each convolution's forward result for its backward pass; with NONE, DL4J's ConvolutionLayer
        // recomputes the forward convolution in backprop (measured: ResNet-18 training step 1980 -> 1669 ms, batch 16)
        private CacheMode cacheMode = CacheMode.DEVICE;
        private WorkspaceMode workspaceMode = WorkspaceMode.ENABLED;
        private DataType dataType = DataType.FLOAT;
        private DecomposedSpatialModulator dsm;
        private Set<Integer> dsmStages = Set.of();
        private RotationAwareAttention rarn;
        private Set<Integer> rarnStages = Set.of();
        private RotationAwareFusion fusion;
        private int resizerInputSide;

        protected Builder(Function<Builder<M>, M> factory) {
            this.factory = factory;
        }

        /** ResNet depth: 18 or 34 (BasicBlock). */
        public Builder<M> depth(int depth) {
            this.depth = ResNetDepth.of(depth);
            return this;
        }

        /** Number of classes, > 0 (default 7). */
        public Builder<M> numClasses(int numClasses) {
            if (numClasses <= 0) {
                throw new IllegalArgumentException("numClasses must be > 0, got " + numClasses);
            }
            this.numClasses = numClasses;
            return this;
        }

        /** Input {channels, height, width}: e.g. {3, 224, 224}, {3, 112, 112}, {3, 48, 48} (FER2013, gray replicated). */
        public Builder<M> inputShape(int channels, int height, int width) {
            this.inputShape = new int[]{channels, height, width};
            return this;
        }

        /** Square input of 3 channels. */
        public Builder<M> inputSize(int side) {
            return inputShape(3, side, side);
        }

        /** The head: an empty set is global average pooling; otherwise the ARM blocks (Table 2 of the paper). */
        public Builder<M> armBlocks(Set<ArmBlock> blocks) {
            this.armBlocks = blocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : EnumSet.copyOf(blocks);
            return this;
        }

        /** The head by name: "none" (GAP), "DA", "SA", "FA+DA", "FA+SA", "DA+SA", "FA+DA+SA". */
        public Builder<M> armBlocks(String spec) {
            return armBlocks(ArmBlock.parseSet(spec));
        }

        /**
         * An explicit ARM configuration (its kernel, stride, λ, GAR mode ...); without one the geometry is adapted to the
         * input size. Its blocks become the head's blocks.
         */
        public Builder<M> arm(ArmModule arm) {
            this.arm = arm;
            if (arm != null) {
                this.armBlocks = arm.getBlocks();
            }
            return this;
        }

        public Builder<M> seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder<M> updater(IUpdater updater) {
            if (updater == null) {
                throw new IllegalArgumentException("updater must not be null");
            }
            this.updater = updater;
            return this;
        }

        /** Decoupled weight decay on weights (not biases), >= 0 (default 1e-4; 0 disables). */
        public Builder<M> weightDecay(double coefficient) {
            if (!(coefficient >= 0) || !Double.isFinite(coefficient)) {
                throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + coefficient);
            }
            this.weightDecay = coefficient;
            return this;
        }

        /** The classifier's loss (default softmax cross-entropy); e.g. a label-distribution loss. */
        public Builder<M> loss(ILossFunction loss) {
            if (loss == null) {
                throw new IllegalArgumentException("loss must not be null");
            }
            this.loss = loss;
            return this;
        }

        public Builder<M> cacheMode(CacheMode cacheMode) {
            this.cacheMode = cacheMode;
            return this;
        }

        public Builder<M> workspaceMode(WorkspaceMode workspaceMode) {
            this.workspaceMode = workspaceMode;
            return this;
        }

        /** Network data type: FLOAT (default), DOUBLE or HALF. */
        public Builder<M> dataType(DataType dataType) {
            if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE && dataType != DataType.HALF) {
                throw new IllegalArgumentException("dataType must be one of [FLOAT, DOUBLE, HALF], got " + dataType);
            }
            this.dataType = dataType;
            return this;
        }

        /**
         * A decomposed spatial modulator (DSM, Lee et al.; DeSpaM's GatedSpatialAttention) after each of the given stages
         * (1-4; vertices {@code dsm<stage>.*}). No stages: none.
         */
        public Builder<M> dsm(DecomposedSpatialModulator modulator, int... stages) {
            this.dsm = modulator;
            this.dsmStages = stageSet(modulator, stages);
            return this;
        }

        /** RARN's angle-sensitive spatial attention after each of the given stages (vertices {@code rarn<stage>.*}). */
        public Builder<M> rarnAttention(RotationAwareAttention attention, int... stages) {
            this.rarn = attention;
            this.rarnStages = stageSet(attention, stages);
            return this;
        }

        /** RARN's top-down multi-scale fusion over the four stages as the head (instead of GAP or ARM; vertices {@code rarn.fusion.*}). */
        public Builder<M> rarnFusion(RotationAwareFusion fusion) {
            this.fusion = fusion;
            return this;
        }

        /**
         * A learnable resizer (Talebi and Milanfar) in front of the trunk: the network takes {@code inputSide x inputSide}
         * images and resizes them to the trunk's input shape (vertices {@code resizer.*}); 0 removes it; -1: the same side
         * as the trunk's input.
         */
        public Builder<M> learnableResizer(int inputSide) {
            this.resizerInputSide = inputSide;
            return this;
        }

        private static Set<Integer> stageSet(Object block, int... stages) {
            if (block == null && stages.length > 0) {
                throw new IllegalArgumentException("stages given without a block");
            }
            Set<Integer> s = new TreeSet<>();
            for (int st : stages) s.add(st);
            return s;
        }

        public M build() {
            return factory.apply(this);
        }
    }
}
