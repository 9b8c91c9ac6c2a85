package org.armfer.layers;

import org.armfer.layers.impl.GraphBuilderTypes;
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
 * The ARM configuration and the two ways to put it into a DL4J graph. Defaults: the paper's blocks (FA, DA, a
 * BatchNorm, SA with a learnable λ = 1.0 and a running GAR) with the geometry derived from the feature map ARM is
 * placed on ({@link ArmGeometry}: on ResNet-18's 512x7x7 map FA to 2 channels, r = 16, DA k = 32, s = 8, 121
 * features, exactly the paper; on any other {@code C x H x W} the nearest valid arrangement and the paper's kernel and
 * stride scaled to the arranged map). Settings given explicitly always win; one that the map cannot take fails naming
 * the allowed values.
 * <ul>
 *   <li>{@link #addTo(ComputationGraphConfiguration.GraphBuilder, String, InputType, String)} adds the vertices
 *       {@code prefix.fa}, {@code prefix.da}, {@code prefix.bn}, {@code prefix.sa} (those of the enabled blocks;
 *       {@code prefix.mean} for FA+DA without SA) after a feature-map vertex and returns the name of the last one;</li>
 *   <li>{@link #replacePooling(ComputationGraph, String, InputType...)} returns a copy of a built graph with ARM in
 *       place of one of its pooling vertices, every other weight kept: {@code ArmModule.builder().build()} fits the
 *       global pooling of DL4J zoo's ResNet50 (2048x7x7), Xception (2048x10x10) and InceptionResNetV1 (1344x3x3).</li>
 * </ul>
 * The output is a {@code [N, 1, Ho, Wo]} map (with SA or the channel mean; {@code [N, C', Ho, Wo]} otherwise) that a
 * following dense or output layer flattens. {@link #geometry(long, long, long)} says what the module does on a map;
 * {@link #resolve(long, long, long)} returns the same module with every setting explicit (what a model card stores).
 */
public final class ArmModule implements GraphBlock {

    /** A geometry setting ({@code blockSize}, {@code outputChannels}, {@code kernelSize}, {@code stride}) derived from the map. */
    public static final int AUTO = 0;

    private final EnumSet<ArmBlock> blocks;
    private final int blockSize;        // AUTO = from outputChannels or the map
    private final int outputChannels;   // AUTO = from blockSize or the map
    private final int kernelSize;       // AUTO = from the map
    private final int stride;           // AUTO = from the map
    private final Boolean channelMean;  // null = FA+DA without SA
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
        this.channelMean = b.channelMean;
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
        b.channelMean = channelMean;
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
     * What this ARM does on a {@code [channels, height, width]} feature map: FA's block size, DA's kernel and stride
     * (explicit, or derived from the map), the output shape.
     *
     * @throws IllegalArgumentException when an explicit setting cannot fit the map, naming the allowed values
     */
    public ArmGeometry geometry(long channels, long height, long width) {
        return ArmGeometry.of(this, channels, height, width);
    }

    /**
     * This configuration with every geometry setting explicit for a {@code [channels, height, width]} map: FA's block
     * size, DA's kernel and stride, whether the channels are averaged. Explicit settings stay as they are.
     */
    public ArmModule resolve(long channels, long height, long width) {
        ArmGeometry g = geometry(channels, height, width);
        Builder b = toBuilder();
        if (blocks.contains(ArmBlock.FA)) {
            b.blockSize(g.getBlockSize());
        }
        if (blocks.contains(ArmBlock.DA)) {
            b.kernelSize(g.getKernelSize()).stride(g.getStride());
        }
        if (!blocks.contains(ArmBlock.SA)) {
            b.channelMean(g.isChannelMean());
        }
        return b.build();
    }

    /** Whether every geometry setting the enabled blocks use is explicit (nothing left to derive from the map). */
    public boolean isResolved() {
        return (!blocks.contains(ArmBlock.FA) || blockSize > 0 || outputChannels > 0)
                && (!blocks.contains(ArmBlock.DA) || (kernelSize > 0 && stride > 0))
                && (blocks.contains(ArmBlock.SA) || channelMean != null);
    }

    /**
     * The block size r that FA uses for {@code channels} input channels (1 when FA is off).
     *
     * @throws IllegalArgumentException when an explicit blockSize or outputChannels does not fit, naming the allowed values
     */
    public int blockSizeFor(long channels) {
        if (!blocks.contains(ArmBlock.FA)) {
            return 1;
        }
        return ArmGeometry.blockSize(channels, blockSize, outputChannels);
    }

    /**
     * The output shape {@code [C, H, W]} of this ARM for a feature map {@code [channels, height, width]}; every
     * configuration that cannot fit fails here with a message naming the parameter, its value and the limit.
     */
    public long[] outputShape(long channels, long height, long width) {
        return geometry(channels, height, width).outputShape();
    }

    /** The number of features the classifier sees: the product of {@link #outputShape}. */
    public long numFeatures(long channels, long height, long width) {
        return geometry(channels, height, width).numFeatures();
    }

    @Override
    public InputType outputType(InputType inputType) {
        InputType.InputTypeConvolutional c = GraphBuilderTypes.nchw(inputType, "ARM", "the input vertex");
        long[] out = outputShape(c.getChannels(), c.getHeight(), c.getWidth());
        return InputType.convolutional(out[1], out[2], out[0]);
    }

    @Override
    public String defaultPrefix() {
        return "arm";
    }


    // ------------------------------------------------------------------------------------------------ layers

    /**
     * The FA layer of this configuration (block size or output channels as configured; with neither, the layer
     * derives them from its input's channels by the same rule as {@link ArmGeometry}).
     */
    public FeatureArrangement faLayer() {
        FeatureArrangement.Builder b = FeatureArrangement.builder();
        if (blockSize > 0) {
            b.blockSize(blockSize);
        } else if (outputChannels > 0) {
            b.outputChannels(outputChannels);
        }
        return b.build();
    }

    /**
     * The DA layer of this configuration.
     *
     * @throws IllegalStateException when the kernel size or stride is derived from the map: use
     *                               {@code resolve(C, H, W).daLayer()}
     */
    public DeAlbino daLayer() {
        if (kernelSize <= 0 || stride <= 0) {
            throw new IllegalStateException("DA's kernelSize/stride (" + describe(kernelSize) + "/" + describe(stride)
                    + ") are derived from the feature map: use resolve(channels, height, width).daLayer(), or set them");
        }
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
        } else if (Boolean.TRUE.equals(channelMean)) {
            // §4.3: without SA the arranged channels are averaged into one representation
            sink.add(prefix + ".mean", ChannelMean.builder().build(), last);
            last = prefix + ".mean";
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
     * Adds the enabled ARM blocks after {@code inputVertex}, whose output is {@code inputType} (the geometry is
     * resolved on it): vertices {@code prefix + ".fa"}, {@code ".da"}, {@code ".bn"} (with DA, when BatchNorm is on),
     * {@code ".sa"}, or {@code ".mean"} (FA+DA without SA, see {@link Builder#channelMean}).
     *
     * @return the name of the last vertex added (to connect the classifier to)
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, InputType inputType,
                        String prefix) {
        InputType.InputTypeConvolutional c = GraphBuilderTypes.nchw(inputType, "ARM", "\"" + inputVertex + "\"");
        ArmModule resolved = resolve(c.getChannels(), c.getHeight(), c.getWidth());
        return resolved.addLayers((name, layer, in) -> graphBuilder.addLayer(name, layer, in), inputVertex, prefix, null);
    }

    /**
     * {@link #addTo(ComputationGraphConfiguration.GraphBuilder, String, InputType, String)} with the input's type taken
     * from the graph built so far, which needs its input types ({@code setInputTypes}). A configuration with every
     * geometry setting explicit ({@link #isResolved()}) can also be added to a graph without input types.
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, String prefix) {
        List<InputType> types = graphBuilder.getNetworkInputTypes();
        if (isResolved() && (types == null || types.isEmpty())) {
            return addLayers((name, layer, in) -> graphBuilder.addLayer(name, layer, in), inputVertex, prefix, null);
        }
        return GraphBlock.super.addTo(graphBuilder, inputVertex, prefix);
    }

    /**
     * Returns a new graph in which ARM replaces the pooling vertex {@code poolingVertex} (a {@link GlobalPoolingLayer}
     * or {@link SubsamplingLayer}) of {@code graph}. The pooling's input feeds ARM (vertices {@code poolingVertex + ".fa"}
     * etc.); the layers that read the pooling read ARM's output instead, with their nIn resized (and so freshly
     * initialised); every other layer keeps its parameters (DL4J's TransferLearning). The new layers use the
     * updater of the first layer that read the pooling. {@code inputTypes} are the graph's input types (a built
     * ComputationGraph does not keep them), e.g. {@code InputType.convolutional(224, 224, 3)}. The geometry is resolved
     * on the pooling's input ({@link #geometry}).
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
        InputType.InputTypeConvolutional st = GraphBuilderTypes.nchw(sourceType, "ARM (in place of a pooling)",
                "\"" + source + "\" (the input of \"" + poolingVertex + "\")");
        // resolved once, on the pooling's input: fails early with the geometry message
        ArmModule resolved = resolve(st.getChannels(), st.getHeight(), st.getWidth());

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
        String armOut = resolved.addLayers((name, layer, in) -> tl.addLayer(name, layer, in), source, poolingVertex, updater);
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

    /**
     * The configuration as a JSON object, e.g. for a search's best candidate; geometry settings left {@link #AUTO}
     * (derived from the feature map) are left out. {@link #fromJson} reads it back.
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("blocks", ArmBlock.format(blocks));
        if (blockSize > 0) {
            m.put("blockSize", blockSize);
        } else if (outputChannels > 0) {
            m.put("outputChannels", outputChannels);
        }
        if (kernelSize > 0) {
            m.put("kernelSize", kernelSize);
        }
        if (stride > 0) {
            m.put("stride", stride);
        }
        if (channelMean != null) {
            m.put("channelMean", channelMean);
        }
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
            "channelMean", "batchNorm", "bnDecay", "bnEps", "lambda", "learnableLambda", "garMode", "garDecay");

    /**
     * Reads a configuration written by {@link #toJson} (missing keys keep the defaults: the paper's settings, the
     * geometry derived from the feature map); unknown keys and bad values are rejected with the key, the value and what
     * is allowed.
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
                case "channelMean": b.channelMean(boolValue(k, v)); break;
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

    /** The configured block size r, or {@link #AUTO} (0) when FA is configured by output channels or by the map. */
    public int getBlockSize() {
        return blockSize;
    }

    /** The configured FA output channels, or {@link #AUTO} (0) when FA is configured by block size or by the map. */
    public int getOutputChannels() {
        return outputChannels;
    }

    /** The configured DA kernel size, or {@link #AUTO} (0) when derived from the map. */
    public int getKernelSize() {
        return kernelSize;
    }

    /** The configured DA stride, or {@link #AUTO} (0) when derived from the map. */
    public int getStride() {
        return stride;
    }

    /**
     * Whether the channels are averaged at the end without SA: true, false, or null for the default (averaged for
     * FA+DA without SA, kept otherwise).
     */
    public Boolean getChannelMean() {
        return channelMean;
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
                && kernelSize == a.kernelSize && stride == a.stride && Objects.equals(channelMean, a.channelMean)
                && batchNorm == a.batchNorm
                && Double.compare(bnDecay, a.bnDecay) == 0 && Double.compare(bnEps, a.bnEps) == 0
                && Double.compare(lambda, a.lambda) == 0 && learnableLambda == a.learnableLambda
                && garMode == a.garMode && Double.compare(garDecay, a.garDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(blocks, blockSize, outputChannels, kernelSize, stride, channelMean, batchNorm, bnDecay, bnEps, lambda,
                learnableLambda, garMode, garDecay);
    }

    @Override
    public String toString() {
        return "ArmModule{blocks=" + ArmBlock.format(blocks)
                + (blockSize > 0 ? ", blockSize=" + blockSize : outputChannels > 0 ? ", outputChannels=" + outputChannels
                : ", blockSize=auto") + ", kernelSize=" + describe(kernelSize) + ", stride=" + describe(stride)
                + (channelMean != null ? ", channelMean=" + channelMean : "") + ", batchNorm=" + batchNorm
                + ", lambda=" + lambda + (learnableLambda ? " (learnable)" : " (fixed)") + ", garMode=" + garMode + "}";
    }

    private static String describe(int geometrySetting) {
        return geometrySetting > 0 ? Integer.toString(geometrySetting) : "auto";
    }

    /**
     * Builder with the paper's defaults and the geometry derived from the feature map ({@link ArmGeometry}). Every
     * setter validates its value.
     */
    public static final class Builder {
        private EnumSet<ArmBlock> blocks = EnumSet.allOf(ArmBlock.class);
        private int blockSize = AUTO;
        private int outputChannels = AUTO;
        private int kernelSize = AUTO;
        private int stride = AUTO;
        private Boolean channelMean;
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

        /**
         * FA block size r ≥ 1 (replaces {@link #outputChannels(int)}), or {@link #AUTO}: derived from the map (with
         * outputChannels also AUTO: 2 channels, or the valid count nearest to 2).
         */
        public Builder blockSize(int r) {
            if (r < 0) {
                throw new IllegalArgumentException("blockSize must be >= 1, or 0 (AUTO: derived from the feature map), got " + r);
            }
            this.blockSize = r;
            this.outputChannels = AUTO;
            return this;
        }

        /**
         * FA output channels C' ≥ 1 (the paper: 2; replaces {@link #blockSize(int)}), or {@link #AUTO}: derived from
         * the map (2 when C/2 is a square, else the valid count nearest to 2).
         */
        public Builder outputChannels(int c) {
            if (c < 0) {
                throw new IllegalArgumentException("outputChannels must be >= 1, or 0 (AUTO: derived from the feature map), got " + c);
            }
            this.outputChannels = c;
            this.blockSize = AUTO;
            return this;
        }

        /** DA kernel size k ≥ 1, or {@link #AUTO} (default): the paper's 32 on 112x112, scaled to the arranged map. */
        public Builder kernelSize(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("kernelSize must be >= 1, or 0 (AUTO: derived from the feature map), got " + k);
            }
            this.kernelSize = k;
            return this;
        }

        /** DA stride s ≥ 1, or {@link #AUTO} (default): the paper's 8 on 112x112, scaled (1 without FA). */
        public Builder stride(int s) {
            if (s < 0) {
                throw new IllegalArgumentException("stride must be >= 1, or 0 (AUTO: derived from the feature map), got " + s);
            }
            this.stride = s;
            return this;
        }

        /**
         * Without SA: whether the output channels are averaged into one map ({@code prefix.mean}). Default (unset):
         * yes for FA+DA, as the paper's §4.3 ("the two channels output from the DA block are averaged as the
         * representation": 121 features in the paper's setting, not 242); no otherwise (DA alone keeps the backbone's
         * channels, as the paper's Figure 6 sweep). {@code false} keeps FA+DA's channels (the 2-channel head). With SA
         * it has no effect: SA averages the channels itself.
         */
        public Builder channelMean(boolean on) {
            this.channelMean = on;
            return this;
        }

        /** Every geometry setting back to {@link #AUTO} and the channel mean to its default: all from the feature map. */
        public Builder autoGeometry() {
            channelMean = null;
            return blockSize(AUTO).kernelSize(AUTO).stride(AUTO);
        }

        /**
         * BatchNorm after DA (default on, as the reference implementation between DA and SA; the paper's Figure 6
         * sweep, DA in place of GAP, has none: {@code batchNorm(false)}).
         */
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
