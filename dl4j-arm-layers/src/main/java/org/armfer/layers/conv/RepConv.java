package org.armfer.layers.conv;

import org.armfer.layers.GraphBlock;
import org.armfer.layers.impl.BlockBuilder;
import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A re-parameterisable convolution (RepVGG style; the {@code RepConv} of DeSpaM's public code "DeSpaM_for_FER"): in its
 * training form a k x k convolution + BatchNorm, a 1 x 1 convolution + BatchNorm (when k > 1) and an identity
 * BatchNorm (when asked for, the stride is 1 and the channels stay), summed, then ReLU (or nothing); in its inference
 * form one k x k convolution with bias, then the same activation, with the same outputs
 * ({@link #reparameterize}). Convolutions are plain or depthwise (PyTorch {@code groups = channels}), stride s,
 * padding k/2, no bias; BatchNorms PyTorch's (momentum 0.1 = DL4J decay 0.9, eps 1e-5, the running variance stored
 * as is).
 * <p>
 * {@link #addTo} adds ({@code P} is the prefix; names are the reference's module names, so a PyTorch state dict maps
 * by name): {@code P.conv_kxk}, {@code P.bn_kxk}, {@code P.conv_1x1}, {@code P.bn_1x1}, {@code P.bn_identity},
 * {@code P.add} (ElementWiseVertex Add, when there is more than one branch), {@code P.activation} (the output: ReLU or
 * identity); the inference form {@code P.fused_conv}, {@code P.activation}.
 */
public final class RepConv implements GraphBlock {

    static final String WHO = "RepConv";

    /** Vertex-name suffixes (after the prefix). */
    public static final String CONV_KXK = ".conv_kxk";
    public static final String BN_KXK = ".bn_kxk";
    public static final String CONV_1X1 = ".conv_1x1";
    public static final String BN_1X1 = ".bn_1x1";
    public static final String BN_IDENTITY = ".bn_identity";
    public static final String ADD = ".add";
    public static final String FUSED_CONV = ".fused_conv";
    public static final String ACTIVATION = ".activation";

    private static final List<String> TRAINING_VERTICES = List.of(CONV_KXK, BN_KXK, CONV_1X1, BN_1X1, BN_IDENTITY, ADD);

    private final int outChannels;
    private final int kernelSize;
    private final int stride;
    private final boolean depthwise;
    private final boolean identity;
    private final boolean relu;
    private final double bnDecay;
    private final double bnEps;
    private final boolean reparameterized;

    private RepConv(Builder b) {
        this.bnDecay = b.getBnDecay();
        this.bnEps = b.getBnEps();
        this.outChannels = b.outChannels;
        this.kernelSize = b.kernelSize;
        this.stride = b.stride;
        this.depthwise = b.depthwise;
        this.identity = b.identity;
        this.relu = b.relu;
        this.reparameterized = b.reparameterized;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().kernelSize(kernelSize).stride(stride).depthwise(depthwise).identity(identity).relu(relu)
                .bnDecay(bnDecay).bnEps(bnEps).reparameterized(reparameterized);
        b.outChannels = outChannels;
        return b;
    }

    // ------------------------------------------------------------------------------------------------ geometry

    /** The output channels for {@code inChannels} input channels (depthwise: the same). */
    public long outChannels(long inChannels) {
        return depthwise || outChannels == 0 ? inChannels : outChannels;
    }

    /** Whether the training form has the identity branch on {@code inChannels} channels (stride 1, channels kept). */
    public boolean hasIdentity(long inChannels) {
        return identity && stride == 1 && outChannels(inChannels) == inChannels;
    }

    /** Output side of the convolution for an input side: {@code floor((in + 2·(k/2) - k) / s) + 1}. */
    public long outputSide(long in) {
        return Math.floorDiv(in + 2L * (kernelSize / 2) - kernelSize, stride) + 1;
    }

    /** Trainable parameters on {@code inChannels} channels (BatchNorm running statistics not counted). */
    public long numTrainableParams(long inChannels) {
        long o = outChannels(inChannels);
        long perTap = depthwise ? inChannels : inChannels * o;
        if (reparameterized) {
            return perTap * kernelSize * kernelSize + o;
        }
        long n = perTap * kernelSize * kernelSize + 2 * o;
        if (kernelSize > 1) {
            n += perTap + 2 * o;
        }
        if (hasIdentity(inChannels)) {
            n += 2 * o;
        }
        return n;
    }

    @Override
    public InputType outputType(InputType inputType) {
        InputType.InputTypeConvolutional c = GraphBuilderTypes.nchw(inputType, WHO, "the input vertex");
        if (c.getHeight() < 1 || c.getWidth() < 1) {
            throw new IllegalArgumentException(WHO + ": input " + c + " has no pixel");
        }
        return InputType.convolutional(outputSide(c.getHeight()), outputSide(c.getWidth()), outChannels(c.getChannels()));
    }


    @Override
    public String defaultPrefix() {
        return "rep";
    }

    // ------------------------------------------------------------------------------------------------ graph

    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graph, String input, InputType inputType, String prefix) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(prefix, "prefix");
        long c = GraphBuilderTypes.nchw(inputType, WHO, "\"" + input + "\"").getChannels();
        outputType(inputType);
        long o = outChannels(c);
        String last;
        if (reparameterized) {
            graph.addLayer(prefix + FUSED_CONV, conv(kernelSize, c, o, true), input);
            last = prefix + FUSED_CONV;
        } else {
            List<String> branches = new ArrayList<>();
            graph.addLayer(prefix + CONV_KXK, conv(kernelSize, c, o, false), input);
            graph.addLayer(prefix + BN_KXK, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV_KXK);
            branches.add(prefix + BN_KXK);
            if (kernelSize > 1) {
                graph.addLayer(prefix + CONV_1X1, conv(1, c, o, false), input);
                graph.addLayer(prefix + BN_1X1, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV_1X1);
                branches.add(prefix + BN_1X1);
            }
            if (hasIdentity(c)) {
                graph.addLayer(prefix + BN_IDENTITY, GraphBlocks.batchNorm(bnDecay, bnEps), input);
                branches.add(prefix + BN_IDENTITY);
            }
            if (branches.size() > 1) {
                graph.addVertex(prefix + ADD, new ElementWiseVertex(ElementWiseVertex.Op.Add), branches.toArray(new String[0]));
                last = prefix + ADD;
            } else {
                last = branches.get(0);
            }
        }
        graph.addLayer(prefix + ACTIVATION, GraphBlocks.activation(activation()), last);
        return prefix + ACTIVATION;
    }

    private IActivation activation() {
        return relu ? new ActivationReLU() : new ActivationIdentity();
    }

    private ConvolutionLayer conv(int k, long in, long out, boolean bias) {
        return depthwise ? GraphBlocks.depthwiseConv(k, stride, in, bias, new ActivationIdentity())
                : GraphBlocks.conv(k, stride, in, out, bias, new ActivationIdentity());
    }

    // ------------------------------------------------------------------------------------------------ re-parameterisation

    /**
     * Returns a copy of {@code graph} in which the RepConvs with the given prefixes are in their inference form: the
     * branches fused into one k x k convolution with bias ({@code prefix.fused_conv}) from the BatchNorms' running
     * statistics, as the reference's {@code switch_to_deploy}: with {@code σ = sqrt(var + eps)} per branch,
     * {@code W = Σ W_b·γ_b/σ_b} (the 1 x 1 kernel at the centre of the k x k one, the identity a centred 1) and
     * {@code b = Σ β_b - μ_b·γ_b/σ_b}. Inference outputs are unchanged (up to rounding); every other parameter is kept.
     * The fused graph is for inference: training it would no longer normalise with batch statistics.
     *
     * @throws IllegalArgumentException when a prefix names no training-form RepConv, listing those the graph has
     */
    public static ComputationGraph reparameterize(ComputationGraph graph, String... prefixes) {
        Objects.requireNonNull(graph, "graph");
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (prefixes == null || prefixes.length == 0) {
            throw new IllegalArgumentException(WHO + ".reparameterize: no prefix given; the graph's training-form RepConvs are "
                    + prefixesIn(conf));
        }
        Map<String, INDArray[]> fused = new LinkedHashMap<>();
        TransferLearning.GraphBuilder tl = new TransferLearning.GraphBuilder(graph);
        for (String p : prefixes) {
            ConvolutionLayer convK = layer(conf, p, CONV_KXK, ConvolutionLayer.class);
            String input = conf.getVertexInputs().get(p + CONV_KXK).get(0);
            fused.put(p, fuse(graph, conf, p, convK));
            for (String s : TRAINING_VERTICES) {
                if (conf.getVertices().containsKey(p + s)) {
                    tl.removeVertexAndConnections(p + s);
                }
            }
            int k = convK.getKernelSize()[0];
            boolean dw = convK instanceof DepthwiseConvolution2D;
            ConvolutionLayer fusedConv = dw
                    ? GraphBlocks.depthwiseConv(k, convK.getStride()[0], convK.getNIn(), true, new ActivationIdentity())
                    : GraphBlocks.conv(k, convK.getStride()[0], convK.getNIn(), convK.getNOut(), true, new ActivationIdentity());
            fusedConv.setIUpdater(convK.getIUpdater() == null ? null : convK.getIUpdater().clone());
            tl.addLayer(p + FUSED_CONV, fusedConv, input);
            Layer act = layer(conf, p, ACTIVATION, Layer.class).clone();
            tl.removeVertexKeepConnections(p + ACTIVATION);
            tl.addLayer(p + ACTIVATION, act, p + FUSED_CONV);
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
            if (o != null && Arrays.equals(o.shape(), e.getValue().shape())) {
                e.getValue().assign(o);
            }
        }
        for (Map.Entry<String, INDArray[]> e : fused.entrySet()) {
            org.deeplearning4j.nn.api.Layer l = out.getLayer(e.getKey() + FUSED_CONV);
            INDArray w = l.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
            INDArray b = l.getParam(ConvolutionParamInitializer.BIAS_KEY);
            w.assign(e.getValue()[0].reshape(w.shape()).castTo(w.dataType()));
            b.assign(e.getValue()[1].reshape(b.shape()).castTo(b.dataType()));
        }
        return out;
    }

    /** Every training-form RepConv of the graph in its inference form ({@link #reparameterize}). */
    public static ComputationGraph reparameterizeAll(ComputationGraph graph) {
        List<String> prefixes = prefixesIn(graph.getConfiguration());
        if (prefixes.isEmpty()) {
            throw new IllegalArgumentException(WHO + ".reparameterizeAll: the graph has no training-form RepConv"
                    + " (no vertex named <prefix>" + CONV_KXK + ")");
        }
        return reparameterize(graph, prefixes.toArray(new String[0]));
    }

    /** Prefixes of the training-form RepConvs of a graph configuration (vertices named {@code P.conv_kxk}). */
    public static List<String> prefixesIn(ComputationGraphConfiguration conf) {
        List<String> out = new ArrayList<>();
        for (String name : conf.getVertices().keySet()) {
            if (name.endsWith(CONV_KXK)) {
                out.add(name.substring(0, name.length() - CONV_KXK.length()));
            }
        }
        return out;
    }

    /** Fused {W, b} of one RepConv in DL4J's layout of its convolution, computed in double precision. */
    private static INDArray[] fuse(ComputationGraph graph, ComputationGraphConfiguration conf, String p, ConvolutionLayer convK) {
        boolean dw = convK instanceof DepthwiseConvolution2D;
        int k = convK.getKernelSize()[0];
        INDArray wK = torchLayout(graph.getLayer(p + CONV_KXK).getParam(ConvolutionParamInitializer.WEIGHT_KEY), dw);
        long nOut = wK.size(0);
        INDArray[] ssK = scaleShift(graph, conf, p, BN_KXK);
        INDArray w = wK.mul(ssK[0].reshape(nOut, 1, 1, 1));
        INDArray b = ssK[1].dup();
        // the 1x1 kernel and the identity sit at the centre of the k x k one (PyTorch's F.pad(kernel_1x1, [k//2] * 4))
        INDArrayIndex centre = NDArrayIndex.point(k / 2);
        INDArray centreView = w.get(NDArrayIndex.all(), NDArrayIndex.all(), centre, centre);
        if (conf.getVertices().containsKey(p + CONV_1X1)) {
            INDArray w1 = torchLayout(graph.getLayer(p + CONV_1X1).getParam(ConvolutionParamInitializer.WEIGHT_KEY), dw);
            INDArray[] ss1 = scaleShift(graph, conf, p, BN_1X1);
            centreView.addi(w1.mul(ss1[0].reshape(nOut, 1, 1, 1)).reshape(centreView.shape()));
            b.addi(ss1[1]);
        }
        if (conf.getVertices().containsKey(p + BN_IDENTITY)) {
            INDArray[] ssI = scaleShift(graph, conf, p, BN_IDENTITY);
            for (long i = 0; i < nOut; i++) {
                // depthwise: the channel's own single input; plain: input channel i of output channel i
                long in = dw ? 0 : i;
                centreView.putScalar(new long[]{i, in}, centreView.getDouble(i, in) + ssI[0].getDouble(i));
            }
            b.addi(ssI[1]);
        }
        return new INDArray[]{dw ? dl4jDepthwiseLayout(w) : w, b};
    }

    /** A convolution weight as PyTorch's {@code [out, in/groups, k, k]}, double (DL4J depthwise: {@code [k, k, c, 1]}). */
    private static INDArray torchLayout(INDArray w, boolean depthwise) {
        INDArray d = w.castTo(DataType.DOUBLE);
        return depthwise ? d.permute(2, 3, 0, 1).dup('c') : d.dup('c');
    }

    private static INDArray dl4jDepthwiseLayout(INDArray torch) {
        return torch.permute(2, 3, 0, 1).dup('c');
    }

    /** {γ/σ, β - μ·γ/σ} of a BatchNormalization layer's running statistics, as double vectors. */
    static INDArray[] scaleShift(ComputationGraph graph, ComputationGraphConfiguration conf, String p, String suffix) {
        BatchNormalization conf1 = layer(conf, p, suffix, BatchNormalization.class);
        org.deeplearning4j.nn.api.Layer bn = graph.getLayer(p + suffix);
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
        INDArray scale = gamma.div(Transforms.sqrt(var.add(conf1.getEps()), false));
        INDArray shift = beta.sub(mean.mul(scale));
        return new INDArray[]{scale, shift};
    }

    private static <T extends Layer> T layer(ComputationGraphConfiguration conf, String p, String suffix, Class<T> type) {
        GraphVertex v = conf.getVertices().get(p + suffix);
        if (!(v instanceof LayerVertex) || !type.isInstance(((LayerVertex) v).getLayerConf().getLayer())) {
            throw new IllegalArgumentException(WHO + ".reparameterize: no training-form RepConv with prefix \"" + p
                    + "\" (vertex \"" + p + suffix + "\" " + (v == null ? "missing" : "is not a " + type.getSimpleName())
                    + "); training-form RepConvs in the graph: " + prefixesIn(conf));
        }
        return type.cast(((LayerVertex) v).getLayerConf().getLayer());
    }

    // ------------------------------------------------------------------------------------------------ getters

    /** Whether {@link #addTo} adds the inference form. */
    public boolean isReparameterized() {
        return reparameterized;
    }

    /** Configured output channels, 0 for "as many as the input" (always the input's for depthwise). */
    public int getOutChannels() {
        return outChannels;
    }

    public int getKernelSize() {
        return kernelSize;
    }

    public int getStride() {
        return stride;
    }

    public boolean isDepthwise() {
        return depthwise;
    }

    /** Whether the identity branch is asked for (present only with stride 1 and channels kept). */
    public boolean isIdentity() {
        return identity;
    }

    /** Whether the output goes through ReLU (else identity). */
    public boolean isRelu() {
        return relu;
    }

    /** BatchNorm decay (DL4J's: 1 - PyTorch's momentum) and epsilon of the training form. */
    public double[] getBatchNormSettings() {
        return new double[]{bnDecay, bnEps};
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof RepConv)) return false;
        RepConv r = (RepConv) o;
        return outChannels == r.outChannels && kernelSize == r.kernelSize && stride == r.stride && depthwise == r.depthwise
                && identity == r.identity && relu == r.relu && Double.compare(bnDecay, r.bnDecay) == 0
                && Double.compare(bnEps, r.bnEps) == 0 && reparameterized == r.reparameterized;
    }

    @Override
    public int hashCode() {
        return Objects.hash(outChannels, kernelSize, stride, depthwise, identity, relu, bnDecay, bnEps, reparameterized);
    }

    @Override
    public String toString() {
        return WHO + "{" + (depthwise ? "depthwise " : "") + kernelSize + "x" + kernelSize + "/" + stride
                + (outChannels > 0 && !depthwise ? " -> " + outChannels : "") + (identity ? ", identity" : "")
                + (relu ? ", relu" : "") + (reparameterized ? ", reparameterized" : "") + "}";
    }

    /** Builder: 3 x 3, stride 1, channels kept, plain convolution, identity branch, ReLU, training form. */
    public static final class Builder extends BlockBuilder<Builder> {
        private int outChannels;
        private int kernelSize = 3;
        private int stride = 1;
        private boolean depthwise;
        private boolean identity = true;
        private boolean relu = true;
        private boolean reparameterized;

        private Builder() {
            super(WHO);
        }

        /** Output channels >= 1 (default: as many as the input). Not for depthwise convolutions. */
        public Builder outChannels(int n) {
            this.outChannels = GraphBlocks.checkPositive(WHO, "outChannels", n);
            return this;
        }

        /** Kernel size, odd >= 1 (default 3). */
        public Builder kernelSize(int k) {
            this.kernelSize = GraphBlocks.checkOddKernel(WHO, "kernelSize", k);
            return this;
        }

        /** Whether {@link #addTo} adds the inference form (one convolution with bias) instead (default false). */
        public Builder reparameterized(boolean on) {
            this.reparameterized = on;
            return this;
        }

        /** Stride >= 1 (default 1; checked by {@link #build()}). */
        public Builder stride(int s) {
            this.stride = s;
            return this;
        }

        /** One filter per channel (PyTorch {@code groups = channels}; default false). */
        public Builder depthwise(boolean on) {
            this.depthwise = on;
            return this;
        }

        /** The identity BatchNorm branch, used where the stride is 1 and the channels stay (default true). */
        public Builder identity(boolean on) {
            this.identity = on;
            return this;
        }

        /** ReLU after the sum (default true); false: no activation (an identity vertex keeps the output's name). */
        public Builder relu(boolean on) {
            this.relu = on;
            return this;
        }

        public RepConv build() {
            GraphBlocks.checkPositive(WHO, "stride", stride);
            if (depthwise && outChannels > 0) {
                throw new IllegalArgumentException(WHO + ": a depthwise convolution keeps its input's channels; outChannels "
                        + outChannels + " is not allowed with depthwise(true)");
            }
            return new RepConv(this);
        }
    }
}
