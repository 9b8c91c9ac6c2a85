package org.armfer.zoo;

import org.armfer.layers.GraphBlock;
import org.armfer.layers.PoolingHead;
import org.armfer.layers.conv.RepConv;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Arrays;
import java.util.List;

/**
 * The network of DeSpaM (Lee, Kim &amp; Lee, "Decomposed Spatial Modulator for Efficient Facial-Expression Recognition",
 * IEEE SPL 2026), as its public code "DeSpaM_for_FER" builds it ({@code ProposedNet}: blocks [1, 4, 2], channels
 * [48, 96, 160], 512 embedding channels, 112x112 input). Every convolution is a re-parameterisable {@link RepConv}:
 * <pre>
 *   stem:      RepConv 3x3/2, 3 -> 24, ReLU;  RepConv 3x3, 24 -> 48, ReLU                      (1/2 resolution)
 *   stages.i:  [Downsample: RepConv 3x3/2 -> channels[i], ReLU  (i > 0)]
 *              blocks[i] x DWConvBlock: x + fc2(fc1(dw(x)))
 *                  dw  = depthwise RepConv 7x7 with identity branch, ReLU
 *                  fc1 = RepConv 1x1, C -> 5C, ReLU;   fc2 = RepConv 1x1, 5C -> C (no activation)
 *   after stages.1: the decomposed spatial modulator (DSM; {@code backbone.spatial_attention}), on the 1/4 map
 *   expansion: RepConv 1x1, 160 -> 512, ReLU                                                     (1/8 resolution)
 *   head:      global average pooling, dropout 0.2, linear -> classes ({@code head.3})
 * </pre>
 * The head and the blocks after stages are data ({@link Builder#head}, {@link Builder#after}): {@code despam-arm} puts
 * ARM in place of the pooling (on 512x14x14 at 112x112 input: FA r = 16, 2x224x224, DA 64/16 -> 11x11, 121 features).
 * Vertex names are the reference's module names ({@code backbone.stem.conv1.conv_kxk}, {@code backbone.stages.1.0.conv.*}
 * (a downsample), {@code backbone.stages.1.2.dw.bn_identity}, {@code backbone.spatial_attention.conv1_rep.conv_1x1},
 * {@code backbone.expansion.*}, {@code head.3}), so its PyTorch state dict loads by name ({@link TorchWeights}).
 * {@link #reparameterize} gives the single-convolution inference form with the same outputs; {@link Builder#reparameterized}
 * builds it directly. Initialisation is DL4J's (He, fan-in) where the reference uses Kaiming fan-out: the same family,
 * weights differ.
 */
public final class DeSpaMNet extends FerModel {

    /** The places after which blocks can be put. */
    public static final List<String> STAGES = List.of("input", "stem", "stages.0", "stages.1", "stages.2");
    /** The prefix of the reference's modulator. */
    public static final String MODULATOR = "backbone.spatial_attention";
    /** The classifier (the reference's {@code head = Sequential(AdaptiveAvgPool2d, Flatten, Dropout, Linear)}). */
    public static final String CLASSIFIER = "head.3";

    private final int[] blocks;
    private final int[] channels;
    private final int embeddingChannels;
    private final int expansionRatio;
    private final int dwKernelSize;
    private final double dropout;
    private final boolean reparameterized;
    private InputType headInput;

    private DeSpaMNet(Builder b) {
        super(b, "despam", new int[]{3, 112, 112}, PoolingHead.average(), STAGES);
        this.blocks = b.blocks.clone();
        this.channels = b.channels.clone();
        this.embeddingChannels = b.embeddingChannels;
        this.expansionRatio = b.expansionRatio;
        this.dwKernelSize = b.dwKernelSize;
        this.dropout = b.dropout;
        this.reparameterized = b.reparameterized;
        finish();
    }

    /** The reference's configuration ({@code ProposedNet}) with the DSM after stages.1. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void resolve() {
        this.headInput = build(null);
        super.resolve();
    }

    @Override
    public InputType.InputTypeConvolutional headInputType() {
        return (InputType.InputTypeConvolutional) headInput;
    }

    @Override
    public ComputationGraphConfiguration conf() {
        ComputationGraphConfiguration.GraphBuilder g = newGraph();
        build(g);
        return g.build();
    }

    /**
     * The inference form of a trained graph of this network: every RepConv (the modulator's too) fused into one
     * convolution with bias, outputs unchanged (see {@link RepConv#reparameterize}).
     */
    public static ComputationGraph reparameterize(ComputationGraph trained) {
        return RepConv.reparameterizeAll(trained);
    }

    /** Builds into {@code g}, or only traces the types with {@code g == null}; returns the head's input type. */
    private InputType build(ComputationGraphConfiguration.GraphBuilder g) {
        int[] in = getInputShape();
        Tip tip = placeAfter(g, "input", new Tip(INPUT, InputType.convolutional(in[1], in[2], in[0])));
        tip = rep(g, tip, "backbone.stem.conv1", RepConv.builder().kernelSize(3).stride(2).outChannels(channels[0] / 2));
        tip = rep(g, tip, "backbone.stem.conv2", RepConv.builder().kernelSize(3).outChannels(channels[0]));
        tip = placeAfter(g, "stem", tip);
        for (int i = 0; i < blocks.length; i++) {
            String stage = "backbone.stages." + i;
            int j = 0;
            if (i > 0) {
                tip = rep(g, tip, stage + ".0.conv", RepConv.builder().kernelSize(3).stride(2).outChannels(channels[i]));
                j = 1;
            }
            for (int n = 0; n < blocks[i]; n++, j++) {
                tip = dwBlock(g, tip, stage + "." + j, channels[i]);
            }
            tip = placeAfter(g, "stages." + i, tip);
        }
        tip = rep(g, tip, "backbone.expansion", RepConv.builder().kernelSize(1).outChannels(embeddingChannels));
        if (g != null) {
            GraphBlock head = head();
            addClassifier(g, CLASSIFIER, head.addTo(g, tip.vertex(), tip.type(), head.defaultPrefix()), dropout);
        }
        return tip.type();
    }

    /** The reference's DWConvBlock {@code name}: x + fc2(fc1(dw(x))). */
    private Tip dwBlock(ComputationGraphConfiguration.GraphBuilder g, Tip x, String name, int dim) {
        Tip t = rep(g, x, name + ".dw", RepConv.builder().depthwise(true).kernelSize(dwKernelSize));
        t = rep(g, t, name + ".fc1", RepConv.builder().kernelSize(1).outChannels(dim * expansionRatio));
        t = rep(g, t, name + ".fc2", RepConv.builder().kernelSize(1).outChannels(dim).relu(false));
        if (g != null) {
            g.addVertex(name + ".add", new ElementWiseVertex(ElementWiseVertex.Op.Add), x.vertex(), t.vertex());
        }
        return new Tip(name + ".add", t.type());
    }

    private Tip rep(ComputationGraphConfiguration.GraphBuilder g, Tip in, String name, RepConv.Builder b) {
        RepConv r = b.reparameterized(reparameterized).build();
        String out = g == null ? name + RepConv.ACTIVATION : r.addTo(g, in.vertex(), in.type(), name);
        return new Tip(out, r.outputType(in.type()));
    }

    public int[] getBlocks() {
        return blocks.clone();
    }

    public int[] getChannels() {
        return channels.clone();
    }

    public boolean isReparameterized() {
        return reparameterized;
    }

    /**
     * Builder with the reference's settings ({@code ProposedNet}); see {@link FerModel.Builder} for the shared ones. The
     * reference's modulator ({@link org.armfer.layers.attention.DecomposedSpatialModulator}, k = 7, r = 8, dropout 0.2)
     * is placed after {@code stages.1} by the registry's preset ({@code despam}); this builder starts without it.
     */
    public static final class Builder extends FerModel.Builder<Builder> {
        private int[] blocks = {1, 4, 2};
        private int[] channels = {48, 96, 160};
        private int embeddingChannels = 512;
        private int expansionRatio = 5;
        private int dwKernelSize = 7;
        private double dropout = 0.2;
        private boolean reparameterized;

        private Builder() {
        }

        /** DWConvBlocks per stage (default [1, 4, 2]) and the stages' channels (default [48, 96, 160]); even channels[0]. */
        public Builder stages(int[] blocks, int[] channels) {
            if (blocks == null || channels == null || blocks.length == 0 || blocks.length != channels.length
                    || Arrays.stream(blocks).anyMatch(n -> n < 0) || Arrays.stream(channels).anyMatch(c -> c < 1)
                    || channels[0] % 2 != 0) {
                throw new IllegalArgumentException("stages need as many block counts (>= 0) as channel counts (>= 1), the first"
                        + " channel count even (the stem halves it); got blocks " + Arrays.toString(blocks) + ", channels "
                        + Arrays.toString(channels));
            }
            if (blocks.length != 3) {
                throw new IllegalArgumentException("DeSpaM's network has 3 stages (stages.0 .. stages.2, the places of "
                        + STAGES + "); got " + blocks.length);
            }
            this.blocks = blocks.clone();
            this.channels = channels.clone();
            return this;
        }

        /** Channels of the 1x1 expansion before the head, >= 1 (default 512). */
        public Builder embeddingChannels(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("embeddingChannels must be >= 1, got " + n);
            }
            this.embeddingChannels = n;
            return this;
        }

        /** Hidden width of a DWConvBlock over its channels, >= 1 (default 5). */
        public Builder expansionRatio(int ratio) {
            if (ratio < 1) {
                throw new IllegalArgumentException("expansionRatio must be >= 1, got " + ratio);
            }
            this.expansionRatio = ratio;
            return this;
        }

        /** Kernel of the depthwise convolutions, odd >= 3 (default 7). */
        public Builder dwKernelSize(int k) {
            if (k < 3 || k % 2 == 0) {
                throw new IllegalArgumentException("dwKernelSize must be an odd number >= 3, got " + k);
            }
            this.dwKernelSize = k;
            return this;
        }

        /** Dropout before the classifier, 0 <= p < 1 (default 0.2, the reference's). */
        public Builder dropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            }
            this.dropout = p;
            return this;
        }

        /**
         * Whether every RepConv is built in its single-convolution inference form (default false: the training form).
         * The modulator placed after stages.1 has its own setting ({@code DecomposedSpatialModulator.reparameterized}).
         */
        public Builder reparameterized(boolean on) {
            this.reparameterized = on;
            return this;
        }

        @Override
        public DeSpaMNet build() {
            return new DeSpaMNet(this);
        }
    }
}
