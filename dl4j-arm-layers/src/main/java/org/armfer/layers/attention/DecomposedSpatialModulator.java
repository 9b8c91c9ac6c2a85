package org.armfer.layers.attention;

import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * whole channels dropped, here DL4J's {@link SpatialDropout}), BatchNorm momentum 0.1 / eps 1e-5. The reference's
 * re-parameterisable block has no identity branch here because C/r != C. Trainable parameters:
 * {@code C·(C/r)·(k² + 1) + 4·(C/r) + 9·(C/r)}, 57,756 for C = 96.
 * <p>
 * {@link #addTo} adds these vertices (names follow the reference's module names, so a PyTorch state dict maps by
 * name; {@code P} is the prefix):
 * <ul>
 *   <li>training form: {@code P.conv1_rep.conv_kxk}, {@code P.conv1_rep.bn_kxk}, {@code P.conv1_rep.conv_1x1},
 *       {@code P.conv1_rep.bn_1x1}, {@code P.conv1_rep.add} (ElementWiseVertex Add), {@code P.conv1_rep.relu};</li>
 *   <li>re-parameterised (inference) form instead: {@code P.conv1_rep.fused_conv} (k x k, with bias),
 *       {@code P.conv1_rep.relu};</li>
 *   <li>then {@code P.dropout_1} (only when dropout > 0), {@code P.conv2} (sigmoid activation: A),
 *       {@code P.gate} ({@link SpatialGateVertex}: X ⊙ A), {@code P.dropout_2} (only when dropout > 0).</li>
 * </ul>
 * Convolution parameters are DL4J's {@code W} ({@code [out, in, kH, kW]}, PyTorch's layout) and {@code b}; BatchNorm's
 * are {@code gamma}, {@code beta}, {@code mean}, {@code var} (the running variance itself, as PyTorch stores it).
 * {@link #reparameterize} turns a trained graph's training form into the inference form with identical outputs.
 */
public final class DecomposedSpatialModulator {

    static final String WHO = "DecomposedSpatialModulator";

    /** Vertex-name suffixes (after the prefix). */
    public static final String CONV_KXK = ".conv1_rep.conv_kxk";
    public static final String BN_KXK = ".conv1_rep.bn_kxk";
    public static final String CONV_1X1 = ".conv1_rep.conv_1x1";
    public static final String BN_1X1 = ".conv1_rep.bn_1x1";
    public static final String ADD = ".conv1_rep.add";
    public static final String FUSED_CONV = ".conv1_rep.fused_conv";
    public static final String RELU = ".conv1_rep.relu";
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
        this.bnDecay = b.bnDecay;
        this.bnEps = b.bnEps;
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
        long conv = reparameterized ? channels * h * kernelSize * kernelSize + h
                : channels * h * kernelSize * kernelSize + channels * h + 4 * h;
        return conv + 9 * h;
    }

    /**
     * Adds the modulator after {@code inputVertex} (a 4-D NCHW feature map) with the vertex names listed in the class
     * documentation. The graph builder needs its input types set ({@code setInputTypes}), so that the channel count of
     * {@code inputVertex} is known.
     *
     * @return the name of the last vertex added: {@code prefix + ".dropout_2"}, or {@code prefix + ".gate"} without dropout
     */
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        Objects.requireNonNull(prefix, "prefix");
        InputType.InputTypeConvolutional in = GraphBuilderTypes.cnnType(graphBuilder, inputVertex, WHO);
        long c = in.getChannels();
        long h = hiddenChannels(c);
        String relu = prefix + RELU;
        if (reparameterized) {
            graphBuilder.addLayer(prefix + FUSED_CONV, GraphBlocks.sameConv(kernelSize, c, h, true, new ActivationIdentity()), inputVertex);
            graphBuilder.addLayer(relu, GraphBlocks.activation(new ActivationReLU()), prefix + FUSED_CONV);
        } else {
            graphBuilder.addLayer(prefix + CONV_KXK, GraphBlocks.sameConv(kernelSize, c, h, false, new ActivationIdentity()), inputVertex);
            graphBuilder.addLayer(prefix + BN_KXK, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV_KXK);
            graphBuilder.addLayer(prefix + CONV_1X1, GraphBlocks.sameConv(1, c, h, false, new ActivationIdentity()), inputVertex);
            graphBuilder.addLayer(prefix + BN_1X1, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV_1X1);
            graphBuilder.addVertex(prefix + ADD, new ElementWiseVertex(ElementWiseVertex.Op.Add), prefix + BN_KXK, prefix + BN_1X1);
            graphBuilder.addLayer(relu, GraphBlocks.activation(new ActivationReLU()), prefix + ADD);
        }
        String last = relu;
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
        if (prefixes == null || prefixes.length == 0) {
            throw new IllegalArgumentException(WHO + ".reparameterize: no prefix given; the graph's modulators are "
                    + prefixesIn(graph.getConfiguration()));
        }
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, INDArray[]> fused = new LinkedHashMap<>();
        TransferLearning.GraphBuilder tl = new TransferLearning.GraphBuilder(graph);
        for (String p : prefixes) {
            ConvolutionLayer convK = conv(conf, p, CONV_KXK);
            ConvolutionLayer conv1 = conv(conf, p, CONV_1X1);
            BatchNormalization bnK = bn(conf, p, BN_KXK);
            BatchNormalization bn1 = bn(conf, p, BN_1X1);
            String input = conf.getVertexInputs().get(p + CONV_KXK).get(0);
            int k = convK.getKernelSize()[0];
            fused.put(p, fuse(graph, p, k, bnK.getEps(), bn1.getEps()));

            for (String s : new String[]{CONV_KXK, BN_KXK, CONV_1X1, BN_1X1, ADD}) {
                tl.removeVertexAndConnections(p + s);
            }
            ConvolutionLayer fusedConv = GraphBlocks.sameConv(k, convK.getNIn(), convK.getNOut(), true, new ActivationIdentity());
            fusedConv.setIUpdater(convK.getIUpdater() == null ? null : convK.getIUpdater().clone());
            tl.addLayer(p + FUSED_CONV, fusedConv, input);
            Layer relu = ((LayerVertex) conf.getVertices().get(p + RELU)).getLayerConf().getLayer().clone();
            tl.removeVertexKeepConnections(p + RELU);
            tl.addLayer(p + RELU, relu, p + FUSED_CONV);
        }
        ComputationGraph out = tl.build();
        // DL4J's TransferLearning builds with its own global configuration, whose data type is FLOAT: restore the
        // network's data type and copy every kept parameter again, exactly
        DataType dt = conf.getDataType();
        if (out.getConfiguration().getDataType() != dt) {
            out = out.convertDataType(dt);
        }
        Map<String, INDArray> original = graph.paramTable();
        for (Map.Entry<String, INDArray> e : out.paramTable().entrySet()) {
            INDArray o = original.get(e.getKey());
            if (o != null && java.util.Arrays.equals(o.shape(), e.getValue().shape())) {
                e.getValue().assign(o);
            }
        }
        for (Map.Entry<String, INDArray[]> e : fused.entrySet()) {
            org.deeplearning4j.nn.api.Layer l = out.getLayer(e.getKey() + FUSED_CONV);
            l.setParam(ConvolutionParamInitializer.WEIGHT_KEY, e.getValue()[0].castTo(l.getParam(ConvolutionParamInitializer.WEIGHT_KEY).dataType()));
            l.setParam(ConvolutionParamInitializer.BIAS_KEY, e.getValue()[1].castTo(l.getParam(ConvolutionParamInitializer.BIAS_KEY).dataType()));
        }
        return out;
    }

    /** Fused {W, b} of one modulator, computed in double precision. */
    private static INDArray[] fuse(ComputationGraph graph, String p, int k, double epsK, double eps1) {
        INDArray[] scaleShiftK = scaleShift(graph.getLayer(p + BN_KXK), epsK);
        INDArray[] scaleShift1 = scaleShift(graph.getLayer(p + BN_1X1), eps1);
        INDArray wK = graph.getLayer(p + CONV_KXK).getParam(ConvolutionParamInitializer.WEIGHT_KEY).castTo(DataType.DOUBLE);
        INDArray w1 = graph.getLayer(p + CONV_1X1).getParam(ConvolutionParamInitializer.WEIGHT_KEY).castTo(DataType.DOUBLE);
        long nOut = wK.size(0);
        INDArray w = wK.mul(scaleShiftK[0].reshape(nOut, 1, 1, 1));
        // the 1x1 kernel sits at the centre of the k x k one (PyTorch's F.pad(kernel_1x1, [k//2] * 4))
        INDArrayIndex centre = NDArrayIndex.point(k / 2);
        INDArray centreView = w.get(NDArrayIndex.all(), NDArrayIndex.all(), centre, centre);
        centreView.addi(w1.mul(scaleShift1[0].reshape(nOut, 1, 1, 1)).reshape(centreView.shape()));
        INDArray b = scaleShiftK[1].add(scaleShift1[1]).reshape(1, nOut);
        return new INDArray[]{w, b};
    }

    /** {γ/σ, β - μ·γ/σ} of a BatchNormalization layer's running statistics, as double. */
    private static INDArray[] scaleShift(org.deeplearning4j.nn.api.Layer bn, double eps) {
        DataType d = DataType.DOUBLE;
        INDArray gamma = bn.getParam(BatchNormalizationParamInitializer.GAMMA).castTo(d).reshape(-1);
        INDArray beta = bn.getParam(BatchNormalizationParamInitializer.BETA).castTo(d).reshape(-1);
        INDArray mean = bn.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).castTo(d).reshape(-1);
        INDArray var;
        INDArray v = bn.paramTable().get(BatchNormalizationParamInitializer.GLOBAL_VAR);
        if (v != null) {
            var = v.castTo(d).reshape(-1);
        } else {
            // DL4J's log10(std) form: var = (10^log10std)^2
            INDArray log10std = bn.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).castTo(d).reshape(-1);
            var = Transforms.pow(Nd4j.valueArrayOf(log10std.shape(), 10.0, d), log10std.mul(2), false);
        }
        INDArray scale = gamma.div(Transforms.sqrt(var.add(eps), false));
        INDArray shift = beta.sub(mean.mul(scale));
        return new INDArray[]{scale, shift};
    }

    private static ConvolutionLayer conv(ComputationGraphConfiguration conf, String p, String suffix) {
        Layer l = layer(conf, p, suffix);
        if (!(l instanceof ConvolutionLayer)) {
            throw new IllegalArgumentException(WHO + ".reparameterize: vertex \"" + p + suffix + "\" is "
                    + l.getClass().getSimpleName() + ", expected a ConvolutionLayer");
        }
        return (ConvolutionLayer) l;
    }

    private static BatchNormalization bn(ComputationGraphConfiguration conf, String p, String suffix) {
        Layer l = layer(conf, p, suffix);
        if (!(l instanceof BatchNormalization)) {
            throw new IllegalArgumentException(WHO + ".reparameterize: vertex \"" + p + suffix + "\" is "
                    + l.getClass().getSimpleName() + ", expected a BatchNormalization layer");
        }
        return (BatchNormalization) l;
    }

    private static Layer layer(ComputationGraphConfiguration conf, String p, String suffix) {
        GraphVertex v = conf.getVertices().get(p + suffix);
        if (!(v instanceof LayerVertex)) {
            throw new IllegalArgumentException(WHO + ".reparameterize: no training-form modulator with prefix \"" + p
                    + "\" (vertex \"" + p + suffix + "\" " + (v == null ? "missing" : "is not a layer")
                    + "); training-form modulators in the graph: " + prefixesIn(conf));
        }
        return ((LayerVertex) v).getLayerConf().getLayer();
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
    public static final class Builder {
        private int kernelSize = 7;
        private int reduction = 8;
        private double dropout = 0.2;
        private double bnDecay = 0.9;
        private double bnEps = 1e-5;
        private boolean reparameterized = false;

        private Builder() {
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
            if (r < 1) {
                throw new IllegalArgumentException(WHO + ": reduction must be >= 1, got " + r);
            }
            this.reduction = r;
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

        /** BatchNorm decay, 0 <= decay < 1 (default 0.9 = PyTorch momentum 0.1). */
        public Builder bnDecay(double decay) {
            this.bnDecay = GraphBlocks.checkDecay(WHO, decay);
            return this;
        }

        /** BatchNorm epsilon > 0 (default 1e-5). */
        public Builder bnEps(double eps) {
            this.bnEps = GraphBlocks.checkEps(WHO, eps);
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
