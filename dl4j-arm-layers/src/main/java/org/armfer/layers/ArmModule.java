package org.armfer.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The ARM configuration (defaults = the paper: FA to 2 channels, DA k = 32, s = 8, BatchNorm, SA with learnable
 * λ = 1.0 and a running GAR) and the two ways to put it into a DL4J graph:
 * <ul>
 *   <li>{@link #addTo(ComputationGraphConfiguration.GraphBuilder, String, String)} adds the vertices
 *       {@code prefix.fa}, {@code prefix.da}, {@code prefix.bn}, {@code prefix.sa} (those of the enabled blocks) after a
 *       feature-map vertex and returns the name of the last one;</li>
 *   <li>{@link #replacePooling(ComputationGraph, String, InputType...)} returns a copy of a built graph with ARM in
 *       place of one of its pooling vertices, every other weight kept.</li>
 * </ul>
 * The output is a {@code [N, 1, Ho, Wo]} map (with SA; {@code [N, C', Ho, Wo]} without) that a following dense or
 * output layer flattens ({@code Ho·Wo} = 121 features for ResNet-18's 512x7x7 map).
 */
public final class ArmModule {

    private final EnumSet<ArmBlock> blocks;
    private final int blockSize;        // 0 = derived from outputChannels
    private final int outputChannels;   // 0 = given by blockSize
    private final int kernelSize;
    private final int stride;
    private final boolean batchNorm;
    private final double bnDecay;
    private final double bnEps;
    private final double lambda;
    private final boolean learnableLambda;
    private final GarMode garMode;
    private final double garDecay;

    private ArmModule(Builder b) {
        this.blocks = EnumSet.copyOf(b.blocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : b.blocks);
        this.blockSize = b.blockSize;
        this.outputChannels = b.outputChannels;
        this.kernelSize = b.kernelSize;
        this.stride = b.stride;
        this.batchNorm = b.batchNorm;
        this.bnDecay = b.bnDecay;
        this.bnEps = b.bnEps;
        this.lambda = b.lambda;
        this.learnableLambda = b.learnableLambda;
        this.garMode = b.garMode;
        this.garDecay = b.garDecay;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change a few settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.blocks = EnumSet.copyOf(blocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : blocks);
        b.blockSize = blockSize;
        b.outputChannels = outputChannels;
        b.kernelSize = kernelSize;
        b.stride = stride;
        b.batchNorm = batchNorm;
        b.bnDecay = bnDecay;
        b.bnEps = bnEps;
        b.lambda = lambda;
        b.learnableLambda = learnableLambda;
        b.garMode = garMode;
        b.garDecay = garDecay;
        return b;
    }

    // ------------------------------------------------------------------------------------------------ geometry

    /**
     * The block size r that FA uses for {@code channels} input channels (1 when FA is off).
     *
     * @throws IllegalArgumentException when C is not divisible by r² or C/C' is not a perfect square
     */
    public int blockSizeFor(long channels) {
        if (!blocks.contains(ArmBlock.FA)) {
            return 1;
        }
        return faLayer().blockSizeFor(channels);
    }

    /**
     * The output shape {@code [C, H, W]} of this ARM for a feature map {@code [channels, height, width]}; every
     * configuration that cannot fit fails here with a message naming the parameter, its value and the limit.
     */
    public long[] outputShape(long channels, long height, long width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("ARM input " + channels + "x" + height + "x" + width
                    + " has a non-positive dimension; ARM needs a 4-D CNN feature map [N, C, H, W]");
        }
        long c = channels, h = height, w = width;
        int r = 1;
        if (blocks.contains(ArmBlock.FA)) {
            r = blockSizeFor(channels);
            c = channels / ((long) r * r);
            h = height * r;
            w = width * r;
        }
        if (blocks.contains(ArmBlock.DA)) {
            if (kernelSize > h || kernelSize > w) {
                String map = blocks.contains(ArmBlock.FA) ? "arranged feature map" : "feature map";
                throw new IllegalArgumentException("kernelSize " + kernelSize + " is larger than the " + map + " " + h + "x" + w
                        + " (input " + channels + "x" + height + "x" + width
                        + (blocks.contains(ArmBlock.FA) ? ", blockSize " + r : "") + "); allowed: 1 <= kernelSize <= "
                        + Math.min(h, w));
            }
            h = DeAlbino.outSize(h, kernelSize, stride);
            w = DeAlbino.outSize(w, kernelSize, stride);
        }
        if (blocks.contains(ArmBlock.SA)) {
            c = 1;
        }
        return new long[]{c, h, w};
    }

    /** The number of features the classifier sees: the product of {@link #outputShape}. */
    public long numFeatures(long channels, long height, long width) {
        long[] s = outputShape(channels, height, width);
        return s[0] * s[1] * s[2];
    }

    // ------------------------------------------------------------------------------------------------ layers

    /** The FA layer of this configuration. */
    public FeatureArrangement faLayer() {
        FeatureArrangement.Builder b = FeatureArrangement.builder();
        if (blockSize > 0) {
            b.blockSize(blockSize);
        } else {
            b.outputChannels(outputChannels);
        }
        return b.build();
    }

    /** The DA layer of this configuration. */
    public DeAlbino daLayer() {
        return DeAlbino.builder().kernelSize(kernelSize).stride(stride).build();
    }

    /**
     * The BatchNorm that follows DA in the reference implementation (PyTorch's BatchNorm2d defaults: momentum 0.1 =
     * DL4J decay 0.9, eps 1e-5). It stores the running variance itself, as PyTorch does (DL4J's default log10-std
     * form cannot hold a zero variance exactly), so imported statistics are used unchanged.
     */
    public BatchNormalization bnLayer() {
        return new BatchNormalization.Builder().decay(bnDecay).eps(bnEps).useLogStd(false).build();
    }

    /** The SA layer of this configuration. */
    public SharingAffinity saLayer() {
        return SharingAffinity.builder().lambda(lambda).learnableLambda(learnableLambda).garMode(garMode)
                .garDecay(garDecay).build();
    }

    /** Adds layers to some graph builder: (name, layer, input). */
    @FunctionalInterface
    private interface LayerSink {
        void add(String name, Layer layer, String input);
    }

    private String addLayers(LayerSink sink, String input, String prefix, IUpdater updater) {
        if (blocks.isEmpty()) {
            throw new IllegalStateException("ArmModule has no block enabled (FA, DA and SA are all off): nothing to add."
                    + " Use global average pooling for the 'none' baseline");
        }
        Objects.requireNonNull(input, "inputVertex");
        Objects.requireNonNull(prefix, "prefix");
        String last = input;
        if (blocks.contains(ArmBlock.FA)) {
            sink.add(prefix + ".fa", withUpdater(faLayer(), updater), last);
            last = prefix + ".fa";
        }
        if (blocks.contains(ArmBlock.DA)) {
            sink.add(prefix + ".da", withUpdater(daLayer(), updater), last);
            last = prefix + ".da";
            if (batchNorm) {
                // the reference normalises DA's output over its channels before SA
                sink.add(prefix + ".bn", withUpdater(bnLayer(), updater), last);
                last = prefix + ".bn";
            }
        }
        if (blocks.contains(ArmBlock.SA)) {
            sink.add(prefix + ".sa", withUpdater(saLayer(), updater), last);
            last = prefix + ".sa";
        }
        return last;
    }

    private static Layer withUpdater(Layer layer, IUpdater updater) {
        if (updater != null) {
            if (layer instanceof BaseLayer) {
                ((BaseLayer) layer).setIUpdater(updater.clone());
            } else if (layer instanceof AbstractSameDiffLayer) {
                ((AbstractSameDiffLayer) layer).setUpdater(updater.clone());
            }
        }
        return layer;
    }

    /**
     * Adds the enabled ARM blocks after {@code inputVertex}: vertices {@code prefix + ".fa"}, {@code ".da"},
     * {@code ".bn"} (with DA, when BatchNorm is on), {@code ".sa"}. The graph builder needs its input types set
     * ({@code setInputTypes}) so that the layers learn their input shape.
     *
     * @return the name of the last vertex added (to connect the classifier to)
     */
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, String prefix) {
        return addLayers((name, layer, in) -> graphBuilder.addLayer(name, layer, in), inputVertex, prefix, null);
    }

    /**
     * Returns a new graph in which ARM replaces the pooling vertex {@code poolingVertex} (a {@link GlobalPoolingLayer}
     * or {@link SubsamplingLayer}) of {@code graph}. The pooling's input feeds ARM (vertices {@code poolingVertex + ".fa"}
     * etc.); the layers that read the pooling read ARM's output instead, with their nIn resized (and so freshly
     * initialised); every other layer keeps its parameters (DL4J's TransferLearning). The new layers use the
     * updater of the first layer that read the pooling. {@code inputTypes} are the graph's input types (a built
     * ComputationGraph does not keep them), e.g. {@code InputType.convolutional(224, 224, 3)}.
     */
    public ComputationGraph replacePooling(ComputationGraph graph, String poolingVertex, InputType... inputTypes) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        GraphVertex pool = conf.getVertices().get(poolingVertex);
        List<String> poolings = poolingVertices(conf);
        if (pool == null) {
            throw new IllegalArgumentException("No vertex \"" + poolingVertex + "\" in the graph; its pooling vertices are " + poolings);
        }
        if (!poolings.contains(poolingVertex)) {
            throw new IllegalArgumentException("Vertex \"" + poolingVertex + "\" is not a GlobalPooling or Subsampling layer ("
                    + describe(pool) + "); the graph's pooling vertices are " + poolings);
        }
        if (inputTypes == null || inputTypes.length != conf.getNetworkInputs().size()) {
            throw new IllegalArgumentException("replacePooling needs one InputType per graph input " + conf.getNetworkInputs()
                    + ", got " + (inputTypes == null ? 0 : inputTypes.length));
        }
        if (conf.getNetworkOutputs().contains(poolingVertex)) {
            throw new IllegalArgumentException("Pooling vertex \"" + poolingVertex + "\" is a network output; ARM must feed a classifier layer");
        }
        List<String> poolInputs = conf.getVertexInputs().get(poolingVertex);
        if (poolInputs == null || poolInputs.size() != 1) {
            throw new IllegalArgumentException("Pooling vertex \"" + poolingVertex + "\" must have exactly one input, has " + poolInputs);
        }
        String source = poolInputs.get(0);
        Map<String, InputType> types = conf.clone().getLayerActivationTypes(true, false, inputTypes);
        InputType sourceType = types.get(source);
        if (!(sourceType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("ARM replaces the pooling of a 4-D CNN feature map, but \"" + source
                    + "\" (the input of \"" + poolingVertex + "\") outputs " + sourceType);
        }
        InputType.InputTypeConvolutional st = (InputType.InputTypeConvolutional) sourceType;
        outputShape(st.getChannels(), st.getHeight(), st.getWidth()); // fail early with the geometry message

        List<String> consumers = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().contains(poolingVertex)) {
                consumers.add(e.getKey());
            }
        }
        IUpdater updater = null;
        for (String consumer : consumers) {
            GraphVertex v = conf.getVertices().get(consumer);
            if (!(v instanceof LayerVertex) || !(((LayerVertex) v).getLayerConf().getLayer() instanceof FeedForwardLayer)) {
                throw new IllegalArgumentException("Vertex \"" + consumer + "\" reads \"" + poolingVertex + "\" but is "
                        + describe(v) + "; replacePooling can resize only dense/output (FeedForwardLayer) layers after the pooling");
            }
            Layer l = ((LayerVertex) v).getLayerConf().getLayer();
            if (updater == null && l instanceof BaseLayer) {
                updater = ((BaseLayer) l).getIUpdater();
            }
        }

        TransferLearning.GraphBuilder tl = new TransferLearning.GraphBuilder(graph);
        tl.removeVertexAndConnections(poolingVertex);
        String armOut = addLayers((name, layer, in) -> tl.addLayer(name, layer, in), source, poolingVertex, updater);
        for (String consumer : consumers) {
            LayerVertex v = (LayerVertex) conf.getVertices().get(consumer);
            FeedForwardLayer layer = (FeedForwardLayer) v.getLayerConf().getLayer().clone();
            layer.setNIn(0); // set again from ARM's output type
            String[] inputs = conf.getVertexInputs().get(consumer).stream()
                    .map(s -> s.equals(poolingVertex) ? armOut : s).toArray(String[]::new);
            tl.removeVertexKeepConnections(consumer);
            tl.addLayer(consumer, layer, null, inputs); // preprocessor re-derived (CNN -> feed-forward flatten)
        }
        tl.setInputTypes(inputTypes);
        ComputationGraph out = tl.build();
        DataType dataType = graph.params().dataType();
        if (out.params().dataType() != dataType) {
            // DL4J M2.1's TransferLearning builds with its own global configuration, whose data type is FLOAT, also from
            // a DOUBLE graph: convert back, and take the kept weights from the original again (they went through float)
            out = out.convertDataType(dataType);
            for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
                String vertex = e.getKey().substring(0, e.getKey().lastIndexOf('_'));
                INDArray target = out.paramTable().get(e.getKey());
                if (target != null && !consumers.contains(vertex) && Arrays.equals(target.shape(), e.getValue().shape())) {
                    target.assign(e.getValue());
                }
            }
        }
        return out;
    }

    /** Names of the GlobalPooling and Subsampling layer vertices of a graph configuration. */
    public static List<String> poolingVertices(ComputationGraphConfiguration conf) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                Layer l = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
                if (l instanceof GlobalPoolingLayer || l instanceof SubsamplingLayer) {
                    out.add(e.getKey());
                }
            }
        }
        return out;
    }

    private static String describe(GraphVertex v) {
        if (v instanceof LayerVertex) {
            return "a " + ((LayerVertex) v).getLayerConf().getLayer().getClass().getSimpleName() + " layer";
        }
        return v == null ? "missing" : "a " + v.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------------------------------------ JSON

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The configuration as a JSON object, e.g. for a search's best candidate. {@link #fromJson} reads it back. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("blocks", ArmBlock.format(blocks));
        if (blockSize > 0) {
            m.put("blockSize", blockSize);
        } else {
            m.put("outputChannels", outputChannels);
        }
        m.put("kernelSize", kernelSize);
        m.put("stride", stride);
        m.put("batchNorm", batchNorm);
        m.put("bnDecay", bnDecay);
        m.put("bnEps", bnEps);
        m.put("lambda", lambda);
        m.put("learnableLambda", learnableLambda);
        m.put("garMode", garMode.name());
        m.put("garDecay", garDecay);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keys {@link #fromJson} accepts. */
    public static final List<String> JSON_KEYS = List.of("blocks", "blockSize", "outputChannels", "kernelSize", "stride",
            "batchNorm", "bnDecay", "bnEps", "lambda", "learnableLambda", "garMode", "garDecay");

    /**
     * Reads a configuration written by {@link #toJson} (missing keys keep the paper's defaults); unknown keys and bad
     * values are rejected with the key, the value and what is allowed.
     */
    @SuppressWarnings("unchecked")
    public static ArmModule fromJson(String json) {
        Map<String, Object> m;
        try {
            m = JSON.readValue(json, LinkedHashMap.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("ARM configuration is not a JSON object: " + e.getMessage(), e);
        }
        Builder b = builder();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            switch (k) {
                case "blocks": b.blocks(ArmBlock.parseSet(String.valueOf(v))); break;
                case "blockSize": b.blockSize(intValue(k, v)); break;
                case "outputChannels": b.outputChannels(intValue(k, v)); break;
                case "kernelSize": b.kernelSize(intValue(k, v)); break;
                case "stride": b.stride(intValue(k, v)); break;
                case "batchNorm": b.batchNorm(boolValue(k, v)); break;
                case "bnDecay": b.bnDecay(doubleValue(k, v)); break;
                case "bnEps": b.bnEps(doubleValue(k, v)); break;
                case "lambda": b.lambda(doubleValue(k, v)); break;
                case "learnableLambda": b.learnableLambda(boolValue(k, v)); break;
                case "garMode": b.garMode(GarModes.parse(String.valueOf(v))); break;
                case "garDecay": b.garDecay(doubleValue(k, v)); break;
                default:
                    throw new IllegalArgumentException("Unknown ARM configuration key \"" + k + "\"; allowed: " + JSON_KEYS);
            }
        }
        return b.build();
    }

    private static int intValue(String key, Object v) {
        if (v instanceof Number && ((Number) v).doubleValue() == Math.rint(((Number) v).doubleValue())) {
            return ((Number) v).intValue();
        }
        throw new IllegalArgumentException("ARM configuration \"" + key + "\" must be an integer, got " + v);
    }

    private static double doubleValue(String key, Object v) {
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        throw new IllegalArgumentException("ARM configuration \"" + key + "\" must be a number, got " + v);
    }

    private static boolean boolValue(String key, Object v) {
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        throw new IllegalArgumentException("ARM configuration \"" + key + "\" must be true or false, got " + v);
    }

    /** Parsing of {@link GarMode} names with a helpful error. */
    public static final class GarModes {
        private GarModes() {
        }

        public static GarMode parse(String s) {
            try {
                return GarMode.valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Unknown garMode '" + s + "'; allowed: " + Arrays.toString(GarMode.values()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ getters

    public Set<ArmBlock> getBlocks() {
        return EnumSet.copyOf(blocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : blocks);
    }

    public boolean has(ArmBlock block) {
        return blocks.contains(block);
    }

    /** The configured block size r, or 0 when FA is configured by output channels. */
    public int getBlockSize() {
        return blockSize;
    }

    /** The configured FA output channels, or 0 when FA is configured by block size. */
    public int getOutputChannels() {
        return outputChannels;
    }

    public int getKernelSize() {
        return kernelSize;
    }

    public int getStride() {
        return stride;
    }

    public boolean isBatchNorm() {
        return batchNorm;
    }

    public double getBnDecay() {
        return bnDecay;
    }

    public double getBnEps() {
        return bnEps;
    }

    public double getLambda() {
        return lambda;
    }

    public boolean isLearnableLambda() {
        return learnableLambda;
    }

    public GarMode getGarMode() {
        return garMode;
    }

    public double getGarDecay() {
        return garDecay;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof ArmModule)) return false;
        ArmModule a = (ArmModule) o;
        return blocks.equals(a.blocks) && blockSize == a.blockSize && outputChannels == a.outputChannels
                && kernelSize == a.kernelSize && stride == a.stride && batchNorm == a.batchNorm
                && Double.compare(bnDecay, a.bnDecay) == 0 && Double.compare(bnEps, a.bnEps) == 0
                && Double.compare(lambda, a.lambda) == 0 && learnableLambda == a.learnableLambda
                && garMode == a.garMode && Double.compare(garDecay, a.garDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(blocks, blockSize, outputChannels, kernelSize, stride, batchNorm, bnDecay, bnEps, lambda,
                learnableLambda, garMode, garDecay);
    }

    @Override
    public String toString() {
        return "ArmModule{blocks=" + ArmBlock.format(blocks)
                + (blockSize > 0 ? ", blockSize=" + blockSize : ", outputChannels=" + outputChannels)
                + ", kernelSize=" + kernelSize + ", stride=" + stride + ", batchNorm=" + batchNorm
                + ", lambda=" + lambda + (learnableLambda ? " (learnable)" : " (fixed)") + ", garMode=" + garMode + "}";
    }

    /** Builder with the paper's defaults. Every setter validates its value. */
    public static final class Builder {
        private EnumSet<ArmBlock> blocks = EnumSet.allOf(ArmBlock.class);
        private int blockSize = 0;
        private int outputChannels = 2;
        private int kernelSize = 32;
        private int stride = 8;
        private boolean batchNorm = true;
        private double bnDecay = 0.9;
        private double bnEps = 1e-5;
        private double lambda = 1.0;
        private boolean learnableLambda = true;
        private GarMode garMode = GarMode.RUNNING;
        private double garDecay = 0.9;

        private Builder() {
        }

        /** Which blocks to use (default all three); an empty set is the GAP baseline, which ARM cannot add. */
        public Builder blocks(Set<ArmBlock> blocks) {
            Objects.requireNonNull(blocks, "blocks");
            this.blocks = blocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : EnumSet.copyOf(blocks);
            return this;
        }

        /** Blocks by name, e.g. "FA+DA+SA", "DA+SA" (see {@link ArmBlock#parseSet}). */
        public Builder blocks(String spec) {
            return blocks(ArmBlock.parseSet(spec));
        }

        /** FA block size r ≥ 1 (replaces {@link #outputChannels(int)}). */
        public Builder blockSize(int r) {
            if (r < 1) {
                throw new IllegalArgumentException("blockSize must be >= 1, got " + r);
            }
            this.blockSize = r;
            this.outputChannels = 0;
            return this;
        }

        /** FA output channels C' ≥ 1 (default 2; replaces {@link #blockSize(int)}). */
        public Builder outputChannels(int c) {
            if (c < 1) {
                throw new IllegalArgumentException("outputChannels must be >= 1, got " + c);
            }
            this.outputChannels = c;
            this.blockSize = 0;
            return this;
        }

        /** DA kernel size k ≥ 1 (default 32). */
        public Builder kernelSize(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("kernelSize must be >= 1, got " + k);
            }
            this.kernelSize = k;
            return this;
        }

        /** DA stride s ≥ 1 (default 8). */
        public Builder stride(int s) {
            if (s < 1) {
                throw new IllegalArgumentException("stride must be >= 1, got " + s);
            }
            this.stride = s;
            return this;
        }

        /** BatchNorm after DA (default on, as the reference). */
        public Builder batchNorm(boolean on) {
            this.batchNorm = on;
            return this;
        }

        /** BatchNorm decay, 0 <= decay < 1 (default 0.9 = PyTorch momentum 0.1). */
        public Builder bnDecay(double decay) {
            if (!(decay >= 0 && decay < 1)) {
                throw new IllegalArgumentException("bnDecay must be in [0, 1), got " + decay);
            }
            this.bnDecay = decay;
            return this;
        }

        /** BatchNorm epsilon > 0 (default 1e-5). */
        public Builder bnEps(double eps) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("bnEps must be a finite number > 0, got " + eps);
            }
            this.bnEps = eps;
            return this;
        }

        /** SA λ: initial value when learnable, else fixed (default 1.0). */
        public Builder lambda(double lambda) {
            if (!Double.isFinite(lambda)) {
                throw new IllegalArgumentException("lambda must be finite, got " + lambda);
            }
            this.lambda = lambda;
            return this;
        }

        /** Whether SA's λ is trained (default true). */
        public Builder learnableLambda(boolean learnable) {
            this.learnableLambda = learnable;
            return this;
        }

        /** Where SA's GAR comes from (default {@link GarMode#RUNNING}). */
        public Builder garMode(GarMode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("garMode must be one of " + Arrays.toString(GarMode.values()) + ", got null");
            }
            this.garMode = mode;
            return this;
        }

        /** Running GAR decay, 0 <= decay < 1 (default 0.9). */
        public Builder garDecay(double decay) {
            if (!(decay >= 0 && decay < 1)) {
                throw new IllegalArgumentException("garDecay must be in [0, 1), got " + decay);
            }
            this.garDecay = decay;
            return this;
        }

        public ArmModule build() {
            return new ArmModule(this);
        }
    }
}
