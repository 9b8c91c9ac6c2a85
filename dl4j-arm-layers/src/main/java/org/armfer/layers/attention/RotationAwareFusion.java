package org.armfer.layers.attention;

import org.armfer.layers.MultiLevelBlock;
import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.armfer.layers.resize.Interpolation;
import org.armfer.layers.resize.Resize2D;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The top-down multi-scale fusion of RARN (Zhu, rotation-aware residual network) over the outputs of several backbone
 * stages, FPN style. <b>No public code of RARN exists: this follows the paper's description, not a reference
 * implementation.</b> For stage outputs {@code S_0 ... S_{L-1}}, given from the highest resolution (shallowest) to the
 * lowest (deepest), each spatially no larger than the one before:
 * <pre>
 *   lat_i = conv 1 x 1 (C_i -> d, with bias)(S_i)
 *   P_{L-1} = lat_{L-1};   P_i = lat_i + nearestUpsample(P_{i+1} to the size of S_i)      (top-down)
 *   Q_i = conv 3 x 3 (d -> d, with bias, 'same')(P_i)                                     (smoothing)
 *   out = concat(GAP(Q_0), ..., GAP(Q_{L-1}))                                             [N, L·d]
 * </pre>
 * The upsampling is DL4J's {@code Upsampling2D} when the size ratio is a whole number (2 between ResNet stages), and
 * otherwise {@link Resize2D} in {@link Interpolation#NEAREST} mode to the exact size (PyTorch's
 * {@code F.interpolate(size=..., mode='nearest')}, what torchvision's FPN does), e.g. 7x7 -> 4x4 stages of a 112x112
 * ResNet. No activations (as FPN). Default d = 256 (FPN's). Trainable parameters, with s the smoothing kernel size
 * (3): {@code Σ_i (C_i·d + d) + L·(s²·d² + d)}.
 * <p>
 * As a {@link MultiLevelBlock} it asks a model builder for its {@link #levels()} deepest feature maps: 5 by default,
 * RARN's "feature maps from five layers of varying depths ... with a scaling factor of two" (a ResNet's stem at 1/2
 * resolution and its four stages at 1/4 .. 1/32).
 * <p>
 * {@link #addTo} adds, for level i ({@code P} is the prefix): {@code P.lateral<i>}, {@code P.up<i>} and
 * {@code P.merge<i>} (ElementWiseVertex Add; for every level but the last), {@code P.smooth<i>}, {@code P.gap<i>}
 * (GlobalPoolingLayer AVG, {@code [N, d]}), then {@code P.concat} (MergeVertex, the output {@code [N, L·d]}).
 * Parameters: {@code W} and {@code b} of each convolution.
 */
public final class RotationAwareFusion implements MultiLevelBlock {

    static final String WHO = "RotationAwareFusion";

    public static final String LATERAL = ".lateral";
    public static final String UP = ".up";
    public static final String MERGE = ".merge";
    public static final String SMOOTH = ".smooth";
    public static final String GAP = ".gap";
    public static final String CONCAT = ".concat";

    private final int channels;
    private final int smoothingKernelSize;
    private final int levels;

    private RotationAwareFusion(Builder b) {
        this.channels = b.channels;
        this.smoothingKernelSize = b.smoothingKernelSize;
        this.levels = b.levels;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().channels(channels).smoothingKernelSize(smoothingKernelSize).levels(levels);
    }

    /** Output width {@code L·d} for {@code levels} stage outputs. */
    public long numFeatures(int levels) {
        return (long) levels * channels;
    }

    /** Trainable parameters for stage outputs with the given channel counts. */
    public long numTrainableParams(long... stageChannels) {
        long n = 0;
        for (long c : stageChannels) {
            n += c * channels + channels + (long) smoothingKernelSize * smoothingKernelSize * channels * channels + channels;
        }
        return n;
    }

    /**
     * Adds the fusion over {@code stageOutputs} (4-D NCHW feature maps, from the highest resolution to the lowest;
     * at least one). The graph builder needs its input types set ({@code setInputTypes}).
     *
     * @return the name of the output vertex, {@code prefix + ".concat"} ({@code [N, L·d]}, a feed-forward activation)
     */
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, List<String> stageOutputs, String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        requireLevels(stageOutputs);
        Map<String, InputType> types = GraphBuilderTypes.activationTypes(graphBuilder, WHO);
        List<InputType> levelTypes = new ArrayList<>();
        for (String s : stageOutputs) {
            levelTypes.add(GraphBuilderTypes.cnnType(types, graphBuilder, s, WHO));
        }
        return addTo(graphBuilder, stageOutputs, levelTypes, prefix);
    }

    private static void requireLevels(List<String> stageOutputs) {
        if (stageOutputs == null || stageOutputs.isEmpty()) {
            throw new IllegalArgumentException(WHO + ": stageOutputs must name at least one feature-map vertex, got " + stageOutputs);
        }
        if (new HashSet<>(stageOutputs).size() != stageOutputs.size()) {
            throw new IllegalArgumentException(WHO + ": stageOutputs must be distinct, got " + stageOutputs);
        }
    }

    /**
     * Adds the fusion over {@code stageOutputs} of types {@code levelTypes} (4-D NCHW feature maps, from the highest
     * resolution to the lowest).
     *
     * @return the name of the output vertex, {@code prefix + ".concat"}
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, List<String> stageOutputs,
                        List<InputType> levelTypes, String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        Objects.requireNonNull(prefix, "prefix");
        requireLevels(stageOutputs);
        List<InputType.InputTypeConvolutional> shapes = shapes(stageOutputs, levelTypes);
        int levels = shapes.size();
        for (int i = 0; i < levels; i++) {
            graphBuilder.addLayer(prefix + LATERAL + i,
                    GraphBlocks.sameConv(1, shapes.get(i).getChannels(), channels, true, new ActivationIdentity()), stageOutputs.get(i));
        }
        // top-down: the deepest level first
        String[] merged = new String[levels];
        merged[levels - 1] = prefix + LATERAL + (levels - 1);
        for (int i = levels - 2; i >= 0; i--) {
            graphBuilder.addLayer(prefix + UP + i, upsample(shapes.get(i + 1), shapes.get(i)), merged[i + 1]);
            graphBuilder.addVertex(prefix + MERGE + i, new ElementWiseVertex(ElementWiseVertex.Op.Add), prefix + LATERAL + i, prefix + UP + i);
            merged[i] = prefix + MERGE + i;
        }
        String[] pooled = new String[levels];
        for (int i = 0; i < levels; i++) {
            graphBuilder.addLayer(prefix + SMOOTH + i,
                    GraphBlocks.sameConv(smoothingKernelSize, channels, channels, true, new ActivationIdentity()), merged[i]);
            graphBuilder.addLayer(prefix + GAP + i, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prefix + SMOOTH + i);
            pooled[i] = prefix + GAP + i;
        }
        graphBuilder.addVertex(prefix + CONCAT, new MergeVertex(), pooled);
        return prefix + CONCAT;
    }

    /** The levels' types, checked: NCHW maps, one per name, each no larger than the one before. */
    private static List<InputType.InputTypeConvolutional> shapes(List<String> names, List<InputType> levelTypes) {
        if (levelTypes == null || levelTypes.size() != names.size()) {
            throw new IllegalArgumentException(WHO + ": one type per level needed; levels " + names + ", types " + levelTypes);
        }
        List<InputType.InputTypeConvolutional> shapes = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            InputType.InputTypeConvolutional t = GraphBuilderTypes.nchw(levelTypes.get(i), WHO, "\"" + names.get(i) + "\"");
            if (i > 0) {
                InputType.InputTypeConvolutional prev = shapes.get(i - 1);
                if (t.getHeight() > prev.getHeight() || t.getWidth() > prev.getWidth()) {
                    throw new IllegalArgumentException(WHO + ": stageOutputs must go from the highest resolution to the lowest,"
                            + " but \"" + names.get(i) + "\" (" + t.getHeight() + "x" + t.getWidth() + ") is larger than \""
                            + names.get(i - 1) + "\" (" + prev.getHeight() + "x" + prev.getWidth() + ") before it; given "
                            + names);
                }
            }
            shapes.add(t);
        }
        return shapes;
    }

    /** {@code [N, L·d]} for L levels. */
    @Override
    public InputType outputType(List<InputType> levelTypes) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < (levelTypes == null ? 0 : levelTypes.size()); i++) {
            names.add("level " + i);
        }
        requireLevels(names);
        return InputType.feedForward(numFeatures(shapes(names, levelTypes).size()));
    }

    /** How many of a backbone's deepest levels a model builder gives this fusion (default 5). */
    @Override
    public int levels() {
        return levels;
    }

    @Override
    public String defaultPrefix() {
        return "rarn.fusion";
    }

    /** Nearest upsampling from {@code from} to the size of {@code to}. */
    static Layer upsample(InputType.InputTypeConvolutional from, InputType.InputTypeConvolutional to) {
        long fh = from.getHeight(), fw = from.getWidth(), th = to.getHeight(), tw = to.getWidth();
        if (th % fh == 0 && tw % fw == 0) {
            return new Upsampling2D.Builder().size(new int[]{(int) (th / fh), (int) (tw / fw)}).build();
        }
        return Resize2D.builder().outputSize((int) th, (int) tw).interpolation(Interpolation.NEAREST).build();
    }

    /** Fused channel count d. */
    public int getChannels() {
        return channels;
    }

    public int getSmoothingKernelSize() {
        return smoothingKernelSize;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof RotationAwareFusion)) return false;
        RotationAwareFusion r = (RotationAwareFusion) o;
        return channels == r.channels && smoothingKernelSize == r.smoothingKernelSize && levels == r.levels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(channels, smoothingKernelSize, levels);
    }

    @Override
    public String toString() {
        return WHO + "{channels=" + channels + ", smoothingKernelSize=" + smoothingKernelSize + ", levels=" + levels + "}";
    }

    /** Builder; every setter validates its value. */
    public static final class Builder {
        private int channels = 256;
        private int smoothingKernelSize = 3;
        private int levels = 5;

        private Builder() {
        }

        /** Channels d of every level after its lateral convolution, >= 1 (default 256, FPN's). */
        public Builder channels(int d) {
            this.channels = GraphBlocks.checkPositive(WHO, "channels", d);
            return this;
        }

        /** Kernel size of the smoothing convolution, odd >= 1 (default 3). */
        public Builder smoothingKernelSize(int k) {
            this.smoothingKernelSize = GraphBlocks.checkOddKernel(WHO, "smoothingKernelSize", k);
            return this;
        }

        /**
         * How many of a backbone's deepest feature maps a model builder gives the fusion, >= 1 (default 5: a ResNet's
         * stem and its four stages, as RARN describes). {@link #addTo} itself fuses whatever levels it is given.
         */
        public Builder levels(int n) {
            this.levels = GraphBlocks.checkPositive(WHO, "levels", n);
            return this;
        }

        public RotationAwareFusion build() {
            return new RotationAwareFusion(this);
        }
    }
}
