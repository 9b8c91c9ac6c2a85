package org.armfer.zoo;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.armfer.fast.SingleRegularizationGraphBuilder;
import org.armfer.fast.DataFormatPreProcessor;
import org.armfer.fast.FastActivationLayer;
import org.armfer.fast.FastBatchNormalization;
import org.armfer.fast.FastConvolutionLayer;
import org.armfer.fast.FastElementWiseVertex;
import org.armfer.fast.FastWeightDecay;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.attention.RotationAwareAttention;
import org.armfer.layers.attention.RotationAwareFusion;
import org.armfer.layers.loss.LossPDLS;
import org.armfer.layers.resize.LearnableResizer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
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
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one ResNet of armfer: torchvision's architecture exactly (7x7/2 stem with padding 3, BN, ReLU, 3x3/2 max-pool
 * with padding 1, four stages of residual blocks, 1x1/2 downsample conv + BN on the first block of stages 2-4), with
 * one of three heads ({@link Head}): global average pooling ("GAP", the baseline), ARM (any of the paper's Table 2
 * block sets) or RARN's top-down multi-scale fusion; then the fully connected classifier {@code fc}. Depth, head and
 * the optional blocks are data: {@link ResNetDepth}, a set of {@link ArmBlock}s, the stages that get a DSM or RARN
 * attention. {@link ResNet} builds any of them; {@link ResNet18}, {@link ResNet18Arm} and {@link FerModels} preset them.
 * <p>
 * Vertex names follow torchvision's module names so that weight import ({@link TorchWeights}) is a lookup:
 * {@code conv1, bn1, relu, maxpool, layer1.0.conv1, layer1.0.bn1, layer1.0.relu1, layer1.0.conv2, layer1.0.bn2,
 * layer2.0.downsample.0, layer2.0.downsample.1, layer1.0.add, layer1.0.relu2 (the block's output), ..., avgpool | arm.fa,
 * arm.da, arm.bn, arm.sa, fc}. The input vertex is {@code input}. The other FER blocks (issue 7) are named by where they
 * sit, and never start with {@code layer}, so a torchvision backbone load does not see them:
 * <ul>
 *   <li>{@code resizer.*}: the learnable resizer between {@code input} and {@code conv1}
 *       ({@code resizer.skip, resizer.conv1, ... resizer.out}, see {@link LearnableResizer});</li>
 *   <li>{@code dsm<s>.*}: a decomposed spatial modulator after the last block of stage s (1-4), e.g. {@code dsm2.conv1_rep.conv_kxk,
 *       dsm2.conv1_rep.bn_kxk, dsm2.conv1_rep.conv_1x1, dsm2.conv1_rep.bn_1x1, dsm2.conv1_rep.add, dsm2.conv1_rep.relu,
 *       dsm2.dropout_1, dsm2.conv2, dsm2.gate, dsm2.dropout_2} (see {@link DecomposedSpatialModulator});</li>
 *   <li>{@code rarn<s>.*}: RARN's angle-sensitive spatial attention after stage s (after its DSM when both are there):
 *       {@code rarn<s>.conv, .bn, .relu, .pool, .spatial_conv, .spatial_bn, .sigmoid, .gate} (see
 *       {@link RotationAwareAttention});</li>
 *   <li>{@code rarn.fusion.*}: the fusion head over the four stage outputs (level i = stage i+1):
 *       {@code rarn.fusion.lateral<i>, .up<i>, .merge<i>, .smooth<i>, .gap<i>, .concat} (see {@link RotationAwareFusion}),
 *       in place of {@code avgpool} / {@code arm.*}.</li>
 * </ul>
 * The next stage (or the head) reads the last vertex of whatever follows a stage, e.g. {@code layer3.0.conv1} reads
 * {@code dsm2.dropout_2}.
 * <p>
 * ARM geometry: unless an explicit {@link ArmModule} is given, it is adapted to the input size by
 * {@link ArmGeometry} (the paper's FA 512 -> 2, DA 32/8 at 224x224 input; scaled for other sizes).
 * <p>
 * Speed: the trunk is built from {@code org.armfer.fast} layers (DL4J's convolution, batch normalisation and
 * ReLU with faster CPU paths, same parameters) and, unless a DSM, RARN block or the fusion head needs NCHW stage
 * outputs, runs in NHWC ({@link Builder#trunkFormat}): {@code to_nhwc} converts the NCHW network input in front of
 * {@code conv1} and {@code to_nchw} converts layer4's output back for the head. Parameters are laid out the same in
 * either format, so weights move between an NCHW and an NHWC build of the same model by {@code setParams}.
 */
public abstract class FerResNet extends ZooModel<FerResNet> {

    /** Vertices converting the network input to NHWC and layer4's output back to NCHW (NHWC trunk only). */
    public static final String TO_NHWC = "to_nhwc";
    public static final String TO_NCHW = "to_nchw";
    /** Vertex names of the stem, the heads and the classifier. */
    public static final String INPUT = "input";
    public static final String POOL = "avgpool";
    public static final String FC = "fc";
    public static final String ARM_PREFIX = "arm";
    /** Prefixes of the other FER blocks: {@code dsm2.*} (DSM after layer2), {@code rarn2.*}, {@code rarn.fusion.*}, {@code resizer.*}. */
    public static final String DSM_PREFIX = "dsm";
    public static final String RARN_PREFIX = "rarn";
    public static final String FUSION_PREFIX = "rarn.fusion";
    public static final String RESIZER_PREFIX = "resizer";

    /** {@code learnableResizer(SAME_SIZE)}: the resizer's input side is the trunk's input side (resolved at build). */
    public static final int SAME_SIZE = -1;
    /** The stages (1-4) a ResNet has; the blocks that follow a stage are numbered by it. */
    public static final Set<Integer> STAGES = Collections.unmodifiableSet(new TreeSet<>(List.of(1, 2, 3, 4)));
    /**
     * Where {@code dsm(modulator)} without stages puts the modulator: after layer2 only. DeSpaM's reference network
     * ({@code ProposedNet_Backbone}) has one {@code GatedSpatialAttention(channels[1])} after the second of its three
     * stages, on a 28x28 map (input 112x112, 1/4 resolution) with one more downsampling stage after it; in ResNet-18 the
     * 28x28 map of a 224x224 input is layer2's output (128 channels), which the next stages then build on.
     */
    public static final Set<Integer> DEFAULT_DSM_STAGES = Set.of(2);
    /** Where {@code rarnAttention(attention)} without stages puts the attention: after every stage, as RARN describes. */
    public static final Set<Integer> DEFAULT_RARN_STAGES = STAGES;

    /** The head between the last stage and the classifier {@code fc}. */
    public enum Head {
        /** Global average pooling ({@code avgpool}), torchvision's. */
        GAP,
        /** ARM ({@code arm.*}) with the builder's ARM blocks (FA+DA+SA unless chosen). */
        ARM,
        /** RARN's top-down multi-scale fusion over the four stages ({@code rarn.fusion.*}), GAP per level, concatenated. */
        RARN_FUSION
    }

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
    /** The trunk's activation layout: the builder's choice, else NHWC unless a DSM, RARN block or fusion head needs NCHW. */
    private final CNN2DFormat trunkFormat;
    private final int resizerInputSide;
    /** Whether backprop computes the gradient with respect to the network's input image. */
    private final boolean inputGradient;

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
        this.resizerInputSide = b.resizerInputSide;
        this.inputGradient = b.inputGradient;
        boolean needsNchw = !dsmStages.isEmpty() || !rarnStages.isEmpty() || fusion != null;
        this.trunkFormat = b.trunkFormat != null ? b.trunkFormat : needsNchw ? CNN2DFormat.NCHW : CNN2DFormat.NHWC;
        if (trunkFormat == CNN2DFormat.NHWC && needsNchw) {
            throw new IllegalArgumentException("trunkFormat NHWC is not available with DSM, RARN attention or the RARN"
                    + " fusion head (they read NCHW stage outputs); allowed: NCHW, or leave it unset");
        }
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
        if (fusion != null && hasArm()) {
            throw new IllegalArgumentException("Choose one head, not both ARM (armBlocks " + ArmBlock.format(armBlocks)
                    + ") and the RARN fusion; allowed: " + HEADS_ALLOWED);
        }
        for (int st : dsmStages) {
            long channels = 64L << (st - 1);
            try {
                dsm.hiddenChannels(channels);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("DSM after layer" + st + " (" + channels + " channels): " + e.getMessage(), e);
            }
        }
        if (loss instanceof LossPDLS && ((LossPDLS) loss).numClasses() != numClasses) {
            throw new IllegalArgumentException("The loss's prior matrix is " + ((LossPDLS) loss).numClasses() + "x"
                    + ((LossPDLS) loss).numClasses() + " but numClasses is " + numClasses + "; build the prior for "
                    + numClasses + " classes");
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

    /** Whether a learnable resizer sits in front of the trunk. */
    public boolean hasLearnableResizer() {
        return resizerInputSide != 0;
    }

    /** The trunk's activation layout (NHWC or NCHW). */
    public CNN2DFormat getTrunkFormat() {
        return trunkFormat;
    }

    public boolean hasFusionHead() {
        return fusion != null;
    }

    /** The head: RARN_FUSION, ARM (when there are ARM blocks) or GAP. */
    public Head head() {
        return fusion != null ? Head.RARN_FUSION : hasArm() ? Head.ARM : Head.GAP;
    }

    /** Stages (1-4) followed by a DSM. */
    public Set<Integer> getDsmStages() {
        return Collections.unmodifiableSet(dsmStages);
    }

    /** Stages (1-4) followed by RARN attention. */
    public Set<Integer> getRarnStages() {
        return Collections.unmodifiableSet(rarnStages);
    }

    /** The modulator put after {@link #getDsmStages()}, or null. */
    public DecomposedSpatialModulator getDsm() {
        return dsmStages.isEmpty() ? null : dsm;
    }

    /** The attention put after {@link #getRarnStages()}, or null. */
    public RotationAwareAttention getRarnAttention() {
        return rarnStages.isEmpty() ? null : rarn;
    }

    /** The fusion head, or null. */
    public RotationAwareFusion getRarnFusion() {
        return fusion;
    }

    /** The learnable resizer in front of the trunk (output: the trunk's input size), or null. */
    public LearnableResizer learnableResizer() {
        return hasLearnableResizer() ? LearnableResizer.builder().outputSize(inputShape[1], inputShape[2]).build() : null;
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

    /**
     * The graph configuration builder, for users who want to change it before building. Its {@code build()} leaves
     * every layer one copy of each regularization term (see {@link SingleRegularizationGraphBuilder}: DL4J M2.1 gives a
     * layer the network-wide weight decay twice).
     */
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
            // DL4J's weightDecay(coefficient), with the score term summed by BLAS (see FastWeightDecay)
            nn.regularization(new ArrayList<>(List.of(new FastWeightDecay(weightDecay, true))));
        }
        int[] netInput = networkInputShape();
        ComputationGraphConfiguration.GraphBuilder g = new SingleRegularizationGraphBuilder(nn)
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(netInput[1], netInput[2], netInput[0]));

        String stem = INPUT;
        if (hasLearnableResizer()) {
            stem = learnableResizer().addTo(g, INPUT, RESIZER_PREFIX);
        }
        CNN2DFormat f = trunkFormat;
        if (f == CNN2DFormat.NHWC) {
            g.addVertex(TO_NHWC, new PreprocessorVertex(new DataFormatPreProcessor(CNN2DFormat.NCHW, f)), stem);
            stem = TO_NHWC;
        }
        // conv1 reads the image (unless a resizer is in front): its input gradient is only wanted on request
        conv(g, "conv1", 7, 2, 3, 64, stem, f, inputGradient || hasLearnableResizer());
        bn(g, "bn1", "conv1", f);
        relu(g, "relu", "bn1");
        g.addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).dataFormat(f).build(), "relu");
        String last = "maxpool";
        List<String> stageOutputs = new ArrayList<>();
        int in = 64;
        int[] blocks = depth.blocksPerStage();
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                last = basicBlock(g, "layer" + (stage + 1) + "." + b, last, in, width, stride, f);
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
        if (f == CNN2DFormat.NHWC) {
            g.addVertex(TO_NCHW, new PreprocessorVertex(new DataFormatPreProcessor(f, CNN2DFormat.NCHW)), last);
            last = TO_NCHW;
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
                                     int width, int stride, CNN2DFormat f) {
        conv(g, name + ".conv1", 3, stride, 1, width, input, f);
        bn(g, name + ".bn1", name + ".conv1", f);
        relu(g, name + ".relu1", name + ".bn1");
        conv(g, name + ".conv2", 3, 1, 1, width, name + ".relu1", f);
        bn(g, name + ".bn2", name + ".conv2", f);
        String shortcut = input;
        if (stride != 1 || in != width) {
            conv(g, name + ".downsample.0", 1, stride, 0, width, input, f);
            bn(g, name + ".downsample.1", name + ".downsample.0", f);
            shortcut = name + ".downsample.1";
        }
        g.addVertex(name + ".add", new FastElementWiseVertex(ElementWiseVertex.Op.Add), name + ".bn2", shortcut);
        relu(g, name + ".relu2", name + ".add");
        return name + ".relu2";
    }

    private static void conv(ComputationGraphConfiguration.GraphBuilder g, String name, int k, int s, int p, int nOut,
                             String in, CNN2DFormat f) {
        conv(g, name, k, s, p, nOut, in, f, true);
    }

    private static void conv(ComputationGraphConfiguration.GraphBuilder g, String name, int k, int s, int p, int nOut,
                             String in, CNN2DFormat f, boolean inputGradient) {
        g.addLayer(name, new FastConvolutionLayer.Builder(k, k).inputGradient(inputGradient).stride(s, s).padding(p, p)
                .nOut(nOut).dataFormat(f).activation(Activation.IDENTITY).hasBias(false).build(), in);
    }

    private static void bn(ComputationGraphConfiguration.GraphBuilder g, String name, String in, CNN2DFormat f) {
        // PyTorch BatchNorm2d: eps 1e-5, momentum 0.1 (DL4J decay 0.9), the variance stored as is
        g.addLayer(name, new FastBatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(false).dataFormat(f)
                .build(), in);
    }

    private static void relu(ComputationGraphConfiguration.GraphBuilder g, String name, String in) {
        // every ReLU of the trunk follows a batch norm or a residual addition whose output only it reads
        g.addLayer(name, new FastActivationLayer(Activation.RELU).inPlace(true), in);
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
                + (fusion != null ? "-fusion" : "") + (hasLearnableResizer() ? "-resizer" + networkInputShape()[1] : "");
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
        return modelName() + "{classes=" + numClasses + ", input=" + Arrays.toString(networkInputShape())
                + (hasArm() ? ", " + armModule() : "") + (dsmStages.isEmpty() ? "" : ", " + dsm + " after " + dsmStages)
                + (rarnStages.isEmpty() ? "" : ", " + rarn + " after " + rarnStages) + (fusion != null ? ", " + fusion : "")
                + (hasLearnableResizer() ? ", " + learnableResizer() : "") + "}";
    }

    private static final String HEADS_ALLOWED = "GAP (armBlocks \"none\", no rarnFusion), ARM (armBlocks such as \"FA+DA+SA\","
            + " no rarnFusion) or RARN_FUSION (rarnFusion, armBlocks \"none\"); head(Head) sets one and clears the others";

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
        // NONE: FastConvolutionLayer's backward pass does not need the convolution's output, so neither DL4J's
        // recomputation of it (CacheMode.NONE with DL4J's own layer) nor DEVICE's copy of every output (0.7 GiB more
        // peak memory for ResNet18Arm training at batch 32) is wanted
        private CacheMode cacheMode = CacheMode.NONE;
        private CNN2DFormat trunkFormat;
        private WorkspaceMode workspaceMode = WorkspaceMode.ENABLED;
        private DataType dataType = DataType.FLOAT;
        private DecomposedSpatialModulator dsm;
        private Set<Integer> dsmStages = Set.of();
        private RotationAwareAttention rarn;
        private Set<Integer> rarnStages = Set.of();
        private RotationAwareFusion fusion;
        private int resizerInputSide;
        private boolean inputGradient;

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

        /**
         * The trunk's activation layout. Unset: NHWC (oneDNN's convolutions read it directly: ResNet-18's forward
         * convolutions take about half the time they take in NCHW) unless a DSM, RARN block or fusion head needs
         * NCHW. The network's input and the head's input stay NCHW either way (converted by {@code to_nhwc} in front
         * of the stem and {@code to_nchw} behind layer4).
         */
        public Builder<M> trunkFormat(CNN2DFormat trunkFormat) {
            this.trunkFormat = trunkFormat;
            return this;
        }

        /**
         * Whether {@code conv1}'s backward pass computes the gradient with respect to the input image, for code that
         * reads it (saliency maps or adversarial examples computed through the layers). Default false: training never
         * needs it (PyTorch does not compute it either), and it costs about 6% of a ResNet-18 training step on a CPU.
         */
        public Builder<M> inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
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
         * The head: {@link Head#GAP} clears the ARM blocks and the fusion; {@link Head#ARM} keeps the ARM blocks chosen
         * (FA+DA+SA when none were) and clears the fusion; {@link Head#RARN_FUSION} keeps the fusion given (a default
         * one, d = 256, when none was) and clears the ARM blocks. Setting ARM blocks and a fusion separately is rejected
         * at build.
         */
        public Builder<M> head(Head head) {
            if (head == null) {
                throw new IllegalArgumentException("head must be one of " + Arrays.toString(Head.values()) + ", got null");
            }
            switch (head) {
                case GAP:
                    this.armBlocks = EnumSet.noneOf(ArmBlock.class);
                    this.arm = null;
                    this.fusion = null;
                    break;
                case ARM:
                    if (armBlocks.isEmpty()) {
                        this.armBlocks = EnumSet.allOf(ArmBlock.class);
                    }
                    this.fusion = null;
                    break;
                case RARN_FUSION:
                    this.armBlocks = EnumSet.noneOf(ArmBlock.class);
                    this.arm = null;
                    if (fusion == null) {
                        this.fusion = RotationAwareFusion.builder().build();
                    }
                    break;
                default:
                    throw new IllegalStateException("Unhandled head " + head);
            }
            return this;
        }

        /** The head by name, case-insensitive: "gap", "arm", "rarn_fusion" (or "rarn-fusion"). */
        public Builder<M> head(String head) {
            String h = head == null ? "" : head.strip().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Head v : Head.values()) {
                if (v.name().equals(h)) {
                    return head(v);
                }
            }
            throw new IllegalArgumentException("Unknown head '" + head + "'; allowed: " + Arrays.stream(Head.values())
                    .map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
        }

        /**
         * A decomposed spatial modulator (DSM, Lee et al.; DeSpaM's GatedSpatialAttention) after each of the given stages
         * (1-4; vertices {@code dsm<stage>.*}); no stages: {@link #DEFAULT_DSM_STAGES} (after layer2, as the reference
         * places its one modulator). A null modulator removes it.
         */
        public Builder<M> dsm(DecomposedSpatialModulator modulator, int... stages) {
            this.dsm = modulator;
            this.dsmStages = stageSet("dsm", modulator, stages, DEFAULT_DSM_STAGES);
            return this;
        }

        /**
         * RARN's angle-sensitive spatial attention after each of the given stages (1-4; vertices {@code rarn<stage>.*});
         * no stages: {@link #DEFAULT_RARN_STAGES} (after every stage). A null attention removes it.
         */
        public Builder<M> rarnAttention(RotationAwareAttention attention, int... stages) {
            this.rarn = attention;
            this.rarnStages = stageSet("rarnAttention", attention, stages, DEFAULT_RARN_STAGES);
            return this;
        }

        /**
         * RARN's top-down multi-scale fusion over the four stages as the head (instead of GAP or ARM; vertices
         * {@code rarn.fusion.*}); null removes it. See also {@link #head(Head)}.
         */
        public Builder<M> rarnFusion(RotationAwareFusion fusion) {
            this.fusion = fusion;
            return this;
        }

        /**
         * A learnable resizer (Talebi and Milanfar; 16 filters, 1 residual block, bilinear) in front of the trunk: the
         * network takes {@code inputSide x inputSide} images and the resizer brings them to the trunk's input shape
         * ({@link #inputShape}; vertices {@code resizer.*}). {@link FerResNet#SAME_SIZE} (-1): the trunk's input side
         * (a learned enhancement at the same size); 0: no resizer (default).
         */
        public Builder<M> learnableResizer(int inputSide) {
            if (inputSide < SAME_SIZE) {
                throw new IllegalArgumentException("learnableResizer input side must be >= 1, or 0 (no resizer), or -1"
                        + " (SAME_SIZE: the trunk's input side), got " + inputSide);
            }
            this.resizerInputSide = inputSide;
            return this;
        }

        private static Set<Integer> stageSet(String what, Object block, int[] stages, Set<Integer> defaults) {
            if (block == null) {
                if (stages != null && stages.length > 0) {
                    throw new IllegalArgumentException(what + ": stages " + Arrays.toString(stages) + " given without a block;"
                            + " pass the block (e.g. its builder().build()), or null alone to remove it");
                }
                return Set.of();
            }
            if (stages == null || stages.length == 0) {
                return defaults;
            }
            Set<Integer> s = new TreeSet<>();
            for (int st : stages) {
                if (!STAGES.contains(st)) {
                    throw new IllegalArgumentException(what + ": stage " + st + " does not exist; allowed: 1, 2, 3, 4 (after"
                            + " layer1 .. layer4), got " + Arrays.toString(stages));
                }
                s.add(st);
            }
            return s;
        }

        public M build() {
            return factory.apply(this);
        }
    }
}
