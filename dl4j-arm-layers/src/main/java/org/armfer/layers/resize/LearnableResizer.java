package org.armfer.layers.resize;

import org.armfer.layers.GraphBlock;
import org.armfer.layers.impl.BlockBuilder;
import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;

import java.util.Arrays;
import java.util.Objects;

/**
 * The learnable resizer of Talebi &amp; Milanfar, "Learning to Resize Images for Computer Vision Tasks" (ICCV 2021),
 * as used in front of a ViT by Hwang et al. ("Vision transformer equipped with neural resizer"): a CNN that resizes an
 * image {@code [N, C, H, W]} to {@code [N, C, outH, outW]} and is trained with the network behind it.
 * <pre>
 *   skip = resize(x)
 *   h = LeakyReLU0.2(conv 7 x 7, C -> F)(x)
 *   h = BN(LeakyReLU0.2(conv 1 x 1, F -> F)(h))
 *   b = resize(h)
 *   t = b;  r times: t = t + BN(conv 3 x 3(LeakyReLU0.2(BN(conv 3 x 3(t)))))          (residual blocks)
 *   t = BN(conv 3 x 3, F -> F)(t) + b
 *   out = conv 7 x 7 (F -> C)(t) + skip
 * </pre>
 * Every convolution has a bias, stride 1 and 'same' padding; {@code resize} is {@link Resize2D} (bilinear by default,
 * PyTorch's {@code align_corners=False}, differentiable). Defaults: F = 16 filters, r = 1 residual block, the output
 * size is required. Trainable parameters for C = 3, F = 16, r = 1: 12,083
 * ({@code C·F·49 + F + F² + F + 2F + r·(2·(9F² + F) + 4F) + 9F² + F + 2F + F·C·49 + C}).
 * The residual blocks are chained, each over the previous one's output. BatchNorm uses PyTorch's defaults (momentum
 * 0.1, eps 1e-5), like the rest of armfer, not Keras' (0.99 / 1e-3).
 * <p>
 * {@link #addTo} adds ({@code P} is the prefix): {@code P.skip} (resize of the input), {@code P.conv1}, {@code P.conv2}
 * (both with their LeakyReLU), {@code P.bn1}, {@code P.resize} (b), for each block i = 0 .. r-1 {@code P.res<i>.conv1},
 * {@code P.res<i>.bn1}, {@code P.res<i>.act}, {@code P.res<i>.conv2}, {@code P.res<i>.bn2}, {@code P.res<i>.add}; then
 * {@code P.conv3}, {@code P.bn3}, {@code P.add} (+ b), {@code P.conv4}, {@code P.out} (+ skip, the output).
 * Parameters: convolutions {@code W}, {@code b}; BatchNorms {@code gamma}, {@code beta}, {@code mean}, {@code var}.
 */
public final class LearnableResizer implements GraphBlock {

    static final String WHO = "LearnableResizer";

    public static final String SKIP = ".skip";
    public static final String CONV1 = ".conv1";
    public static final String CONV2 = ".conv2";
    public static final String BN1 = ".bn1";
    public static final String RESIZE = ".resize";
    public static final String RES = ".res";
    public static final String CONV3 = ".conv3";
    public static final String BN3 = ".bn3";
    public static final String ADD = ".add";
    public static final String CONV4 = ".conv4";
    public static final String OUT = ".out";

    private final int outputHeight;
    private final int outputWidth;
    private final int filters;
    private final int residualBlocks;
    private final Interpolation interpolation;
    private final double leakyReluAlpha;
    private final double bnDecay;
    private final double bnEps;

    private LearnableResizer(Builder b) {
        this.outputHeight = b.outputHeight;
        this.outputWidth = b.outputWidth;
        this.filters = b.filters;
        this.residualBlocks = b.residualBlocks;
        this.interpolation = b.interpolation;
        this.leakyReluAlpha = b.leakyReluAlpha;
        this.bnDecay = b.getBnDecay();
        this.bnEps = b.getBnEps();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().outputSize(outputHeight, outputWidth).filters(filters).residualBlocks(residualBlocks)
                .interpolation(interpolation).leakyReluAlpha(leakyReluAlpha).bnDecay(bnDecay).bnEps(bnEps);
    }

    /** Trainable parameters for images with {@code channels} channels (BatchNorm running statistics not counted). */
    public long numTrainableParams(long channels) {
        long f = filters;
        long conv3x3 = 9 * f * f + f;
        return channels * f * 49 + f          // conv1
                + f * f + f                   // conv2
                + 2 * f                       // bn1
                + residualBlocks * (2 * conv3x3 + 4 * f)
                + conv3x3 + 2 * f             // conv3, bn3
                + f * channels * 49 + channels; // conv4
    }

    /**
     * Adds the resizer after {@code inputVertex} (a 4-D NCHW image or feature map, typically the graph input). The graph
     * builder needs its input types set ({@code setInputTypes}).
     *
     * @return the name of the output vertex, {@code prefix + ".out"} ({@code [N, C, outputHeight, outputWidth]})
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        return addTo(graphBuilder, inputVertex, GraphBuilderTypes.cnnType(graphBuilder, inputVertex, WHO), prefix);
    }

    /**
     * Adds the resizer after {@code inputVertex}, whose output is {@code inputType} (a 4-D NCHW image or feature map).
     *
     * @return the name of the output vertex, {@code prefix + ".out"}
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, InputType inputType,
                        String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        Objects.requireNonNull(prefix, "prefix");
        InputType.InputTypeConvolutional in = GraphBuilderTypes.nchw(inputType, WHO, "\"" + inputVertex + "\"");
        long c = in.getChannels();
        int outH = outputHeight > 0 ? outputHeight : (int) in.getHeight();
        int outW = outputWidth > 0 ? outputWidth : (int) in.getWidth();
        ActivationLReLU leaky = new ActivationLReLU(leakyReluAlpha);
        ActivationIdentity identity = new ActivationIdentity();

        graphBuilder.addLayer(prefix + SKIP, resize(outH, outW), inputVertex);
        graphBuilder.addLayer(prefix + CONV1, GraphBlocks.sameConv(7, c, filters, true, leaky), inputVertex);
        graphBuilder.addLayer(prefix + CONV2, GraphBlocks.sameConv(1, filters, filters, true, leaky), prefix + CONV1);
        graphBuilder.addLayer(prefix + BN1, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV2);
        graphBuilder.addLayer(prefix + RESIZE, resize(outH, outW), prefix + BN1);
        String t = prefix + RESIZE;
        for (int i = 0; i < residualBlocks; i++) {
            String r = prefix + RES + i;
            graphBuilder.addLayer(r + ".conv1", GraphBlocks.sameConv(3, filters, filters, true, identity), t);
            graphBuilder.addLayer(r + ".bn1", GraphBlocks.batchNorm(bnDecay, bnEps), r + ".conv1");
            graphBuilder.addLayer(r + ".act", GraphBlocks.activation(leaky), r + ".bn1");
            graphBuilder.addLayer(r + ".conv2", GraphBlocks.sameConv(3, filters, filters, true, identity), r + ".act");
            graphBuilder.addLayer(r + ".bn2", GraphBlocks.batchNorm(bnDecay, bnEps), r + ".conv2");
            graphBuilder.addVertex(r + ".add", new ElementWiseVertex(ElementWiseVertex.Op.Add), r + ".bn2", t);
            t = r + ".add";
        }
        graphBuilder.addLayer(prefix + CONV3, GraphBlocks.sameConv(3, filters, filters, true, identity), t);
        graphBuilder.addLayer(prefix + BN3, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV3);
        graphBuilder.addVertex(prefix + ADD, new ElementWiseVertex(ElementWiseVertex.Op.Add), prefix + BN3, prefix + RESIZE);
        graphBuilder.addLayer(prefix + CONV4, GraphBlocks.sameConv(7, filters, c, true, identity), prefix + ADD);
        graphBuilder.addVertex(prefix + OUT, new ElementWiseVertex(ElementWiseVertex.Op.Add), prefix + CONV4, prefix + SKIP);
        return prefix + OUT;
    }

    private Resize2D resize(int height, int width) {
        return Resize2D.builder().outputSize(height, width).interpolation(interpolation).build();
    }

    /** {@code [N, C, outputHeight, outputWidth]}; the input's size when no output size was set. */
    @Override
    public InputType outputType(InputType inputType) {
        InputType.InputTypeConvolutional in = GraphBuilderTypes.nchw(inputType, WHO, "the input vertex");
        return InputType.convolutional(outputHeight > 0 ? outputHeight : in.getHeight(),
                outputWidth > 0 ? outputWidth : in.getWidth(), in.getChannels());
    }

    @Override
    public String defaultPrefix() {
        return "resizer";
    }


    /** Output height, or 0: the input's height (a learned enhancement at the same size). */
    public int getOutputHeight() {
        return outputHeight;
    }

    public int getOutputWidth() {
        return outputWidth;
    }

    public int getFilters() {
        return filters;
    }

    public int getResidualBlocks() {
        return residualBlocks;
    }

    public Interpolation getInterpolation() {
        return interpolation;
    }

    public double getLeakyReluAlpha() {
        return leakyReluAlpha;
    }

    public double getBnDecay() {
        return bnDecay;
    }

    public double getBnEps() {
        return bnEps;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof LearnableResizer)) return false;
        LearnableResizer r = (LearnableResizer) o;
        return outputHeight == r.outputHeight && outputWidth == r.outputWidth && filters == r.filters
                && residualBlocks == r.residualBlocks && interpolation == r.interpolation
                && Double.compare(leakyReluAlpha, r.leakyReluAlpha) == 0 && Double.compare(bnDecay, r.bnDecay) == 0
                && Double.compare(bnEps, r.bnEps) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(outputHeight, outputWidth, filters, residualBlocks, interpolation, leakyReluAlpha, bnDecay, bnEps);
    }

    @Override
    public String toString() {
        return WHO + "{output=" + (outputHeight > 0 ? outputHeight + "x" + outputWidth : "input size") + ", filters=" + filters + ", residualBlocks="
                + residualBlocks + ", interpolation=" + interpolation + "}";
    }

    /**
     * Builder with the paper's defaults; without an output size the resizer keeps its input's size (a learned image
     * enhancement in front of the network). Every setter validates its value.
     */
    public static final class Builder extends BlockBuilder<Builder> {
        private int outputHeight;
        private int outputWidth;
        private int filters = 16;
        private int residualBlocks = 1;
        private Interpolation interpolation = Interpolation.BILINEAR;
        private double leakyReluAlpha = 0.2;

        private Builder() {
            super(WHO);
        }

        /** Output height and width, both >= 1, e.g. 224 x 224 for a ViT or ResNet behind it (default: the input's). */
        public Builder outputSize(int height, int width) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException(WHO + ": outputSize must be >= 1 in both dimensions, got " + height + "x" + width);
            }
            this.outputHeight = height;
            this.outputWidth = width;
            return this;
        }

        /** Filters F of the inner convolutions, >= 1 (default 16). */
        public Builder filters(int f) {
            this.filters = GraphBlocks.checkPositive(WHO, "filters", f);
            return this;
        }

        /** Number r of residual blocks, >= 0 (default 1). */
        public Builder residualBlocks(int r) {
            if (r < 0) {
                throw new IllegalArgumentException(WHO + ": residualBlocks must be >= 0, got " + r);
            }
            this.residualBlocks = r;
            return this;
        }

        /** Interpolation of both resizes (default {@link Interpolation#BILINEAR}). */
        public Builder interpolation(Interpolation interpolation) {
            if (interpolation == null) {
                throw new IllegalArgumentException(WHO + ": interpolation must be one of " + Arrays.toString(Interpolation.values())
                        + ", got null");
            }
            this.interpolation = interpolation;
            return this;
        }

        /** Negative slope of the LeakyReLUs, finite and >= 0 (default 0.2). */
        public Builder leakyReluAlpha(double alpha) {
            if (!(alpha >= 0) || !Double.isFinite(alpha)) {
                throw new IllegalArgumentException(WHO + ": leakyReluAlpha must be a finite number >= 0, got " + alpha);
            }
            this.leakyReluAlpha = alpha;
            return this;
        }

        public LearnableResizer build() {
            return new LearnableResizer(this);
        }
    }
}
