package org.armfer.layers.resize;

import org.armfer.layers.FeatureArrangement;
import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationTanH;

import java.util.Objects;

/**
 * A learned super-resolution up-scaling by an integer factor r: ESPCN's sub-pixel network (Shi et al., "Real-Time
 * Single Image and Video Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016) on the
 * low-resolution image, added to its bilinear up-scaling:
 * <pre>
 *   out = bilinear_r(x) + PixelShuffle_r(conv 3x3 (32 -> C·r²)(tanh(conv 3x3 (64 -> 32)(tanh(conv 5x5 (C -> 64)(x))))))
 * </pre>
 * The last convolution starts at zero, so the block starts as bilinear up-scaling and learns the detail on top of it,
 * trained with the network behind it. The pixel shuffle is {@link FeatureArrangement} (PyTorch's channel order).
 * <p>
 * The VT_with_NR_for_FER reference super-resolves the FER+ images offline with a pretrained face model (DIC,
 * Ma et al. 2020) before training; this block is the in-graph, trainable stand-in for that step (its weights cannot be
 * imported; images super-resolved offline can skip it). Vertices ({@code P} = prefix): {@code P.skip} (bilinear),
 * {@code P.conv1}, {@code P.conv2}, {@code P.conv3}, {@code P.shuffle}, {@code P.out} (the sum, {@code [N, C, r·H, r·W]}).
 */
public final class SubPixelUpscaler {

    static final String WHO = "SubPixelUpscaler";

    private final int scale;
    private final int features1;
    private final int features2;

    private SubPixelUpscaler(Builder b) {
        this.scale = b.scale;
        this.features1 = b.features1;
        this.features2 = b.features2;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int getScale() {
        return scale;
    }

    /** Adds the block after {@code inputVertex} (an NCHW image); returns {@code prefix + ".out"}. */
    public String addTo(ComputationGraphConfiguration.GraphBuilder g, String inputVertex, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        InputType.InputTypeConvolutional in = GraphBuilderTypes.cnnType(g, inputVertex, WHO);
        long c = in.getChannels();
        int outH = (int) in.getHeight() * scale, outW = (int) in.getWidth() * scale;
        g.addLayer(prefix + ".skip", Resize2D.builder().outputSize(outH, outW).build(), inputVertex);
        g.addLayer(prefix + ".conv1", GraphBlocks.sameConv(5, c, features1, true, new ActivationTanH()), inputVertex);
        g.addLayer(prefix + ".conv2", GraphBlocks.sameConv(3, features1, features2, true, new ActivationTanH()), prefix + ".conv1");
        ConvolutionLayer last = GraphBlocks.sameConv(3, features2, c * scale * scale, true, new ActivationIdentity());
        last.setWeightInitFn(WeightInit.ZERO.getWeightInitFunction());
        last.setBiasInit(0.0);
        g.addLayer(prefix + ".conv3", last, prefix + ".conv2");
        g.addLayer(prefix + ".shuffle", FeatureArrangement.builder().blockSize(scale).build(), prefix + ".conv3");
        g.addVertex(prefix + ".out", new ElementWiseVertex(ElementWiseVertex.Op.Add), prefix + ".shuffle", prefix + ".skip");
        return prefix + ".out";
    }

    @Override
    public String toString() {
        return WHO + "{scale=" + scale + ", features=" + features1 + "/" + features2 + "}";
    }

    /** Builder: scale r (required, >= 2), ESPCN's widths 64 and 32 unless set. */
    public static final class Builder {
        private int scale;
        private int features1 = 64;
        private int features2 = 32;

        private Builder() {
        }

        /** The up-scaling factor r >= 2. */
        public Builder scale(int r) {
            if (r < 2) {
                throw new IllegalArgumentException(WHO + ": scale must be an integer >= 2, got " + r);
            }
            this.scale = r;
            return this;
        }

        /** Widths of the two hidden convolutions, both >= 1 (default 64, 32). */
        public Builder features(int first, int second) {
            if (first < 1 || second < 1) {
                throw new IllegalArgumentException(WHO + ": features must be >= 1, got " + first + ", " + second);
            }
            this.features1 = first;
            this.features2 = second;
            return this;
        }

        public SubPixelUpscaler build() {
            if (scale < 2) {
                throw new IllegalStateException(WHO + ": scale not set; call scale(r) with r >= 2");
            }
            return new SubPixelUpscaler(this);
        }
    }
}
