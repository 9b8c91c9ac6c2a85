package org.armfer.zoo;

import org.armfer.fast.DataFormatPreProcessor;
import org.armfer.layers.GraphBlock;
import org.armfer.layers.MultiLevelBlock;
import org.armfer.layers.PoolingHead;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one ResNet of armfer: torchvision's architecture exactly (7x7/2 stem with padding 3, BN, ReLU, 3x3/2 max-pool with
 * padding 1, four stages of residual blocks with a 1x1/s downsample + BN where the shape changes), any depth of
 * {@link ResNetDepth} (BasicBlock 18/34, Bottleneck 50/101/152), then a head and the fully connected classifier
 * {@code fc}. What else the network holds is data: {@link GraphBlock}s placed after named stages
 * ({@link Builder#after}) and the head ({@link Builder#head}); this class knows no block kind. The named models of
 * {@link FerModels} are presets of this builder.
 * <p>
 * Stages (where {@link Builder#after} places blocks, in network order): {@code input} (in front of the stem, e.g. a
 * learnable resizer), {@code stem} (after conv1/bn1/relu, at 1/2 resolution), {@code layer1} .. {@code layer4}. The
 * head reads layer4's output (after its blocks); a {@link MultiLevelBlock} head (RARN's fusion) reads the outputs of
 * its {@link MultiLevelBlock#levels()} deepest levels of {@code stem, layer1 .. layer4}.
 * <p>
 * Vertex names follow torchvision's module names so that weight import ({@link TorchWeights}) is a lookup:
 * {@code conv1, bn1, relu, maxpool, layer1.0.conv1, layer1.0.bn1, layer1.0.relu1, ..., layer2.0.downsample.0,
 * layer2.0.downsample.1, layer1.0.add, ...} (see {@link ResNetBlock}), the head's ({@code avgpool}, {@code arm.*},
 * {@code rarn.fusion.*}), {@code fc}. The input vertex is {@code input}. Placed blocks are named by their prefix
 * ({@code dsm2.*}, {@code rarn3.*}, {@code resizer.*}) and never start with {@code layer}, so a torchvision backbone load
 * does not see them; the next stage reads the last vertex of whatever follows a stage.
 * <p>
 * Speed: the trunk is built from {@code org.armfer.fast} layers and, unless a block after a stage or a multi-level head
 * needs NCHW stage outputs, runs in NHWC ({@link Builder#trunkFormat}): {@code to_nhwc} converts the NCHW input (after
 * the {@code input} blocks) in front of {@code conv1} and {@code to_nchw} converts layer4's output back for the head.
 * Parameters are laid out the same in either format.
 */
public final class FerResNet extends FerModel {

    /** Vertices converting the network input to NHWC and layer4's output back to NCHW (NHWC trunk only). */
    public static final String TO_NHWC = "to_nhwc";
    public static final String TO_NCHW = "to_nchw";
    /** The vertex name of the GAP head (torchvision's). */
    public static final String POOL = "avgpool";
    /** The stages, in network order. */
    public static final List<String> STAGES = List.of("input", "stem", "layer1", "layer2", "layer3", "layer4");
    /** The levels a multi-level head can read, highest resolution first. */
    public static final List<String> LEVELS = List.of("stem", "layer1", "layer2", "layer3", "layer4");
    private static final Set<String> TRUNK_STAGES = Set.of("stem", "layer1", "layer2", "layer3", "layer4");

    private final ResNetDepth depth;
    /** The trunk's activation layout: the builder's choice, else NHWC unless blocks or the head need NCHW. */
    private final CNN2DFormat trunkFormat;
    /** Whether backprop computes the gradient with respect to the network's input image. */
    private final boolean inputGradient;
    /** The head's input for the current input shape. */
    private InputType headInput;

    private FerResNet(Builder b) {
        super(b, "resnet" + b.depth.depth(), new int[]{3, 224, 224}, PoolingHead.average(), STAGES);
        this.depth = b.depth;
        this.inputGradient = b.inputGradient;
        boolean needsNchw = hasBlocksAfter(TRUNK_STAGES) || head() instanceof MultiLevelBlock;
        this.trunkFormat = b.trunkFormat != null ? b.trunkFormat : needsNchw ? CNN2DFormat.NCHW : CNN2DFormat.NHWC;
        if (trunkFormat == CNN2DFormat.NHWC && needsNchw) {
            throw new IllegalArgumentException("trunkFormat NHWC is not available with blocks after the stem or a stage, or a"
                    + " multi-level head (they read NCHW stage outputs); allowed: NCHW, or leave it unset");
        }
        finish();
    }

    /** A ResNet builder: depth 18, GAP head, 3x224x224, 7 classes (the registry's presets start from it). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void resolve() {
        if (head() instanceof MultiLevelBlock && ((MultiLevelBlock) head()).levels() > LEVELS.size()) {
            throw new IllegalArgumentException("The head " + head() + " reads " + ((MultiLevelBlock) head()).levels()
                    + " levels; a ResNet has " + LEVELS.size() + ": " + LEVELS);
        }
        this.headInput = build(null).head;
        super.resolve();
    }

    @Override
    public ComputationGraphConfiguration conf() {
        return graphBuilder().build();
    }

    /**
     * The graph configuration builder, for users who want to change it before building. Its {@code build()} leaves
     * every layer one copy of each regularization term (DL4J M2.1 gives a layer the network-wide weight decay twice).
     */
    public ComputationGraphConfiguration.GraphBuilder graphBuilder() {
        ComputationGraphConfiguration.GraphBuilder g = newGraph();
        build(g);
        return g;
    }

    /** What building the network gives: the head's input and the levels. */
    private record Trace(InputType head, List<Tip> levels) {
    }

    /**
     * Builds the network into {@code g}, or with {@code g == null} only traces the types (checking every block on its
     * input): one description of the network for both.
     */
    private Trace build(ComputationGraphConfiguration.GraphBuilder g) {
        int[] in = getInputShape();
        Tip tip = placeAfter(g, "input", new Tip(INPUT, InputType.convolutional(in[1], in[2], in[0])));
        InputType.InputTypeConvolutional trunkIn = (InputType.InputTypeConvolutional) tip.type();
        CNN2DFormat f = trunkFormat;
        String last = tip.vertex();
        if (g != null && f == CNN2DFormat.NHWC) {
            g.addVertex(TO_NHWC, new PreprocessorVertex(new DataFormatPreProcessor(CNN2DFormat.NCHW, f)), last);
            last = TO_NHWC;
        }
        boolean inputBlocks = hasBlocksAfter(Set.of("input"));
        long h = ResNetBlock.convOut(trunkIn.getHeight(), 7, 2, 3), w = ResNetBlock.convOut(trunkIn.getWidth(), 7, 2, 3);
        if (g != null) {
            // conv1 reads the image (unless a block is in front): its input gradient is only wanted on request
            ResNetBlock.conv(g, "conv1", 7, 2, 3, 64, last, f, inputGradient || inputBlocks);
            ResNetBlock.bn(g, "bn1", "conv1", f);
            ResNetBlock.relu(g, "relu", "bn1");
        }
        List<Tip> levels = new ArrayList<>();
        tip = placeAfter(g, "stem", new Tip("relu", InputType.convolutional(h, w, 64)));
        levels.add(tip);
        if (g != null) {
            g.addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                    .kernelSize(3, 3).stride(2, 2).padding(1, 1).dataFormat(f).build(), tip.vertex());
        }
        InputType.InputTypeConvolutional t = (InputType.InputTypeConvolutional) tip.type();
        h = ResNetBlock.convOut(t.getHeight(), 3, 2, 1);
        w = ResNetBlock.convOut(t.getWidth(), 3, 2, 1);
        last = "maxpool";
        int channels = (int) t.getChannels();
        int[] blocks = depth.blocksPerStage();
        int[] widths = depth.stageWidths();
        for (int stage = 0; stage < blocks.length; stage++) {
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                if (g != null) {
                    last = depth.block().add(g, "layer" + (stage + 1) + "." + b, last, channels, widths[stage], stride, f);
                }
                if (stride == 2) {
                    h = ResNetBlock.convOut(h, 3, 2, 1);
                    w = ResNetBlock.convOut(w, 3, 2, 1);
                }
                channels = depth.stageChannels(stage);
            }
            tip = placeAfter(g, "layer" + (stage + 1), new Tip(last, InputType.convolutional(h, w, channels)));
            last = tip.vertex();
            channels = (int) ((InputType.InputTypeConvolutional) tip.type()).getChannels();
            levels.add(tip);
        }
        if (g != null) {
            if (f == CNN2DFormat.NHWC) {
                g.addVertex(TO_NCHW, new PreprocessorVertex(new DataFormatPreProcessor(f, CNN2DFormat.NCHW)), last);
                last = TO_NCHW;
            }
            addClassifier(g, FC, addHead(g, last, tip.type(), levels), 0);
        }
        return new Trace(tip.type(), levels);
    }

    private String addHead(ComputationGraphConfiguration.GraphBuilder g, String last, InputType type, List<Tip> levels) {
        GraphBlock head = head();
        if (head instanceof MultiLevelBlock) {
            MultiLevelBlock m = (MultiLevelBlock) head;
            List<Tip> used = levels.subList(levels.size() - m.levels(), levels.size());
            return m.addTo(g, used.stream().map(Tip::vertex).toList(), used.stream().map(Tip::type).toList(), m.defaultPrefix());
        }
        return head.addTo(g, last, type, head.defaultPrefix());
    }

    @Override
    public InputType.InputTypeConvolutional headInputType() {
        return (InputType.InputTypeConvolutional) headInput;
    }

    /** The types of the levels a multi-level head can read ({@link #LEVELS}) for the current input shape. */
    public List<InputType> levelTypes() {
        return build(null).levels().stream().map(Tip::type).toList();
    }

    @Override
    public long classifierInputs() {
        GraphBlock head = head();
        if (head instanceof MultiLevelBlock) {
            List<InputType> types = levelTypes();
            return ((MultiLevelBlock) head).outputType(types.subList(types.size() - ((MultiLevelBlock) head).levels(),
                    types.size())).arrayElementsPerExample();
        }
        return super.classifierInputs();
    }

    /** Spatial side of layer4's output for an input side (the same for every depth). */
    public static long featureMapSide(long inputSide) {
        long x = ResNetBlock.convOut(inputSide, 7, 2, 3);   // conv1
        x = ResNetBlock.convOut(x, 3, 2, 1);                // maxpool
        for (int stage = 2; stage <= 4; stage++) {
            x = ResNetBlock.convOut(x, 3, 2, 1);            // first block of stages 2-4
        }
        return x;
    }

    public ResNetDepth getDepth() {
        return depth;
    }

    /** The trunk's activation layout (NHWC or NCHW). */
    public CNN2DFormat getTrunkFormat() {
        return trunkFormat;
    }

    /**
     * Builder with torchvision's architecture and DL4J zoo defaults where the paper is silent (see {@link FerModel.Builder}).
     */
    public static final class Builder extends FerModel.Builder<Builder> {
        private ResNetDepth depth = ResNetDepth.RESNET18;
        private CNN2DFormat trunkFormat;
        private boolean inputGradient;

        private Builder() {
        }

        /** ResNet depth: 18 or 34 (BasicBlock), 50, 101 or 152 (Bottleneck). */
        public Builder depth(int depth) {
            this.depth = ResNetDepth.of(depth);
            return this;
        }

        /**
         * The trunk's activation layout. Unset: NHWC (oneDNN's convolutions read it directly) unless blocks after the
         * stem or a stage, or a multi-level head, need NCHW. The network's input and the head's input stay NCHW either
         * way.
         */
        public Builder trunkFormat(CNN2DFormat trunkFormat) {
            this.trunkFormat = trunkFormat;
            return this;
        }

        /**
         * Whether {@code conv1}'s backward pass computes the gradient with respect to the input image, for code that
         * reads it (saliency maps, adversarial examples). Default false (PyTorch does not compute it either); a block in
         * front of the stem (a resizer) gets it anyway.
         */
        public Builder inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return this;
        }

        @Override
        public FerResNet build() {
            return new FerResNet(this);
        }
    }
}
