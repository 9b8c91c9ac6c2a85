package org.armfer.layers.attention;

import org.armfer.layers.GraphBlock;
import org.armfer.layers.conv.RepConv;
import org.armfer.layers.impl.BlockBuilder;
import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The decomposed spatial modulator (DSM) of Lee, Kim &amp; Lee (IEEE SPL 2026), the {@code GatedSpatialAttention}
 * of their public code "DeSpaM_for_FER": for a feature map X {@code [N, C, H, W]}
 * <pre>
 *   g = ReLU(BN(conv k x k, C -> C/r, no bias)(X) + BN(conv 1 x 1, C -> C/r, no bias)(X))   ('same' padding)
 *   A = sigmoid(conv 3 x 3, C/r -> 1, no bias, padding 1)(spatialDropout(g))                [N, 1, H, W]
 *   out = spatialDropout(X ⊙ A)                                                              [N, C, H, W]
 * </pre>
 * a pure multiplicative gate on the full-resolution grid: no pooling, no residual add. Defaults as the reference:
 * k = 7, r = 8 ({@code C/r = floor(C / r)}, as PyTorch's {@code C // r}), dropout 0.2 (PyTorch {@code Dropout2d}:
 * whole channels dropped, here DL4J's {@link SpatialDropout}), BatchNorm momentum 0.1 / eps 1e-5. The
 * re-parameterisable block is a {@link RepConv}; its identity branch exists only when r = 1 (C/r = C), as in the
 * reference. Trainable parameters (r > 1): {@code C·(C/r)·(k² + 1) + 4·(C/r) + 9·(C/r)}, 57,756 for C = 96.
 * <p>
 * {@link #addTo} adds these vertices (names follow the reference's module names, so a PyTorch state dict maps by
 * name; {@code P} is the prefix):
 * <ul>
 *   <li>training form: {@code P.conv1_rep.conv_kxk}, {@code P.conv1_rep.bn_kxk}, {@code P.conv1_rep.conv_1x1},
 *       {@code P.conv1_rep.bn_1x1}, ({@code P.conv1_rep.bn_identity} when r = 1), {@code P.conv1_rep.add}
 *       (ElementWiseVertex Add), {@code P.conv1_rep.activation} (ReLU);</li>
 *   <li>re-parameterised (inference) form instead: {@code P.conv1_rep.fused_conv} (k x k, with bias),
 *       {@code P.conv1_rep.activation};</li>
 *   <li>then {@code P.dropout_1} (only when dropout > 0), {@code P.conv2} (sigmoid activation: A),
 *       {@code P.gate} ({@link SpatialGateVertex}: X ⊙ A), {@code P.dropout_2} (only when dropout > 0).</li>
 * </ul>
 * Convolution parameters are DL4J's {@code W} ({@code [out, in, kH, kW]}, PyTorch's layout) and {@code b}; BatchNorm's
 * are {@code gamma}, {@code beta}, {@code mean}, {@code var} (the running variance itself, as PyTorch stores it).
 * {@link #reparameterize} turns a trained graph's training form into the inference form with identical outputs.
 */
public final class DecomposedSpatialModulator implements GraphBlock {

    static final String WHO = "DecomposedSpatialModulator";

    /** Vertex-name suffixes (after the prefix). */
    public static final String CONV_KXK = ".conv1_rep.conv_kxk";
    public static final String BN_KXK = ".conv1_rep.bn_kxk";
    public static final String CONV_1X1 = ".conv1_rep.conv_1x1";
    public static final String BN_1X1 = ".conv1_rep.bn_1x1";
    public static final String ADD = ".conv1_rep.add";
    public static final String FUSED_CONV = ".conv1_rep.fused_conv";
    public static final String ACTIVATION = ".conv1_rep.activation";
    /** The {@link RepConv} inside, {@code P.conv1_rep} (the reference's module name). */
    public static final String REP = ".conv1_rep";
    public static final String DROPOUT_1 = ".dropout_1";
    public static final String CONV2 = ".conv2";
    public static final String GATE = ".gate";
    public static final String DROPOUT_2 = ".dropout_2";

    private final int kernelSize;
    private final int reduction;
    private final double dropout;
    private final double bnDecay;
    private final double bnEps;
    private final boolean reparameterized;

    private DecomposedSpatialModulator(Builder b) {
        this.kernelSize = b.kernelSize;
        this.reduction = b.reduction;
        this.dropout = b.dropout;
        this.bnDecay = b.getBnDecay();
        this.bnEps = b.getBnEps();
        this.reparameterized = b.reparameterized;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration. */
    public Builder toBuilder() {
        return new Builder().kernelSize(kernelSize).reduction(reduction).dropout(dropout).bnDecay(bnDecay).bnEps(bnEps)
                .reparameterized(reparameterized);
    }

    /**
     * The hidden width C/r for {@code channels} input channels.
     *
     * @throws IllegalArgumentException when r > C (no hidden channel would be left)
     */
    public long hiddenChannels(long channels) {
        if (channels < 1) {
            throw new IllegalArgumentException(WHO + ": input channels must be >= 1, got " + channels);
        }
        if (reduction > channels) {
            throw new IllegalArgumentException(WHO + ": reduction " + reduction + " leaves no hidden channel for " + channels
                    + " input channels (C/r = " + channels + "/" + reduction + " = 0); allowed: 1 <= reduction <= " + channels);
        }
        return channels / reduction;
    }

    /** Trainable parameters for {@code channels} input channels (BatchNorm running statistics not counted). */
    public long numTrainableParams(long channels) {
        long h = hiddenChannels(channels);
        return repConv(channels).numTrainableParams(channels) + 9 * h;
    }

    /** The re-parameterisable k x k block C -> C/r with ReLU ({@code P.conv1_rep}). */
    private RepConv repConv(long channels) {
        return RepConv.builder().kernelSize(kernelSize).outChannels((int) hiddenChannels(channels)).identity(true).relu(true)
                .bnDecay(bnDecay).bnEps(bnEps).reparameterized(reparameterized).build();
    }

    /**
     * Adds the modulator after {@code inputVertex} (a 4-D NCHW feature map) with the vertex names listed in the class
     * documentation.
     *
     * @return the name of the last vertex added: {@code prefix + ".dropout_2"}, or {@code prefix + ".gate"} without dropout
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, InputType inputType,
                        String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        Objects.requireNonNull(prefix, "prefix");
        long c = GraphBuilderTypes.nchw(inputType, WHO, "\"" + inputVertex + "\"").getChannels();
        long h = hiddenChannels(c);
        String last = repConv(c).addTo(graphBuilder, inputVertex, inputType, prefix + REP);
        if (dropout > 0) {
            graphBuilder.addLayer(prefix + DROPOUT_1, spatialDropout(), last);
            last = prefix + DROPOUT_1;
        }
        graphBuilder.addLayer(prefix + CONV2, GraphBlocks.sameConv(3, h, 1, false, new ActivationSigmoid()), last);
        graphBuilder.addVertex(prefix + GATE, new SpatialGateVertex(), inputVertex, prefix + CONV2);
        last = prefix + GATE;
        if (dropout > 0) {
            graphBuilder.addLayer(prefix + DROPOUT_2, spatialDropout(), last);
            last = prefix + DROPOUT_2;
        }
        return last;
    }

    /**
     * As {@link #addTo(ComputationGraphConfiguration.GraphBuilder, String, InputType, String)}, with the input's type
     * taken from the graph built so far (which needs its input types, {@code setInputTypes}).
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        return addTo(graphBuilder, inputVertex, GraphBuilderTypes.cnnType(graphBuilder, inputVertex, WHO), prefix);
    }

    @Override
    public InputType outputType(InputType inputType) {
        hiddenChannels(GraphBuilderTypes.nchw(inputType, WHO, "the input vertex").getChannels());
        return inputType;
    }

    @Override
    public String defaultPrefix() {
        return "dsm";
    }


    private DropoutLayer spatialDropout() {
        // DL4J's dropout takes the probability of *retaining* a channel
        return new DropoutLayer.Builder(new SpatialDropout(1.0 - dropout)).build();
    }

    /**
     * Returns a copy of {@code graph} in which the modulators with the given prefixes are in their inference form: the
     * two convolution + BatchNorm branches fused into one k x k convolution with bias ({@code prefix.conv1_rep.fused_conv}),
     * from the BatchNorms' running statistics, as the reference's {@code switch_to_deploy}:
     * {@code W = W_kxk·γ_k/σ_k + pad(W_1x1·γ_1/σ_1)}, {@code b = β_k - μ_k·γ_k/σ_k + β_1 - μ_1·γ_1/σ_1},
     * {@code σ = sqrt(var + eps)}. Inference outputs are unchanged (up to rounding); every other parameter is kept.
     * The fused graph is for inference: training it would no longer normalise with batch statistics.
     */
    public static ComputationGraph reparameterize(ComputationGraph graph, String... prefixes) {
        Objects.requireNonNull(graph, "graph");
        List<String> known = prefixesIn(graph.getConfiguration());
        if (prefixes == null || prefixes.length == 0) {
            throw new IllegalArgumentException(WHO + ".reparameterize: no prefix given; the graph's modulators are " + known);
        }
        String[] reps = new String[prefixes.length];
        for (int i = 0; i < prefixes.length; i++) {
            if (!known.contains(prefixes[i])) {
                throw new IllegalArgumentException(WHO + ".reparameterize: no training-form modulator with prefix \""
                        + prefixes[i] + "\" (vertex \"" + prefixes[i] + CONV_KXK + "\" missing); training-form modulators in"
                        + " the graph: " + known);
            }
            reps[i] = prefixes[i] + REP;
        }
        return RepConv.reparameterize(graph, reps);
    }

    /** Prefixes of the training-form modulators of a graph configuration (vertices named {@code P.conv1_rep.conv_kxk}). */
    public static List<String> prefixesIn(ComputationGraphConfiguration conf) {
        List<String> out = new ArrayList<>();
        for (String name : conf.getVertices().keySet()) {
            if (name.endsWith(CONV_KXK)) {
                out.add(name.substring(0, name.length() - CONV_KXK.length()));
            }
        }
        return out;
    }

    public int getKernelSize() {
        return kernelSize;
    }

    public int getReduction() {
        return reduction;
    }

    public double getDropout() {
        return dropout;
    }

    public double getBnDecay() {
        return bnDecay;
    }

    public double getBnEps() {
        return bnEps;
    }

    public boolean isReparameterized() {
        return reparameterized;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof DecomposedSpatialModulator)) return false;
        DecomposedSpatialModulator d = (DecomposedSpatialModulator) o;
        return kernelSize == d.kernelSize && reduction == d.reduction && Double.compare(dropout, d.dropout) == 0
                && Double.compare(bnDecay, d.bnDecay) == 0 && Double.compare(bnEps, d.bnEps) == 0
                && reparameterized == d.reparameterized;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kernelSize, reduction, dropout, bnDecay, bnEps, reparameterized);
    }

    @Override
    public String toString() {
        return WHO + "{kernelSize=" + kernelSize + ", reduction=" + reduction + ", dropout=" + dropout
                + ", bnDecay=" + bnDecay + ", bnEps=" + bnEps + (reparameterized ? ", reparameterized" : "") + "}";
    }

    /** Builder with the reference's defaults. Every setter validates its value. */
    public static final class Builder extends BlockBuilder<Builder> {
        private int kernelSize = 7;
        private int reduction = 8;
        private double dropout = 0.2;
        private boolean reparameterized = false;

        private Builder() {
            super(WHO);
        }

        /** Kernel size k of the large branch: odd, >= 3 (default 7). */
        public Builder kernelSize(int k) {
            GraphBlocks.checkOddKernel(WHO, "kernelSize", k);
            if (k < 3) {
                throw new IllegalArgumentException(WHO + ": kernelSize must be >= 3 (the 1x1 branch is the other one), got " + k);
            }
            this.kernelSize = k;
            return this;
        }

        /** Channel reduction r >= 1: the branches have C/r output channels (default 8). */
        public Builder reduction(int r) {
            this.reduction = GraphBlocks.checkPositive(WHO, "reduction", r);
            return this;
        }

        /**
         * Probability of dropping a whole channel in each of the two spatial dropouts, 0 <= p < 1 (default 0.2);
         * 0 leaves the dropout vertices out.
         */
        public Builder dropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException(WHO + ": dropout must be in [0, 1) (probability of dropping a channel), got " + p);
            }
            this.dropout = p;
            return this;
        }

        /**
         * Whether {@link #addTo} adds the inference form (one fused k x k convolution with bias, no BatchNorm) instead
         * of the training form (default false). See {@link #reparameterize} to convert a trained graph.
         */
        public Builder reparameterized(boolean on) {
            this.reparameterized = on;
            return this;
        }

        public DecomposedSpatialModulator build() {
            return new DecomposedSpatialModulator(this);
        }
    }
}
