package org.armfer.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Activation types of a graph that is still being built, for components that add several layers at once and must
 * know the shape of the vertex they attach to (its channel count, its spatial size). The types are computed on a
 * copy of the builder: DL4J's own {@code GraphBuilder.getLayerActivationTypes()} sets nIn and adds preprocessors on
 * the builder's layers as a side effect, which this avoids.
 */
public final class GraphBuilderTypes {

    private GraphBuilderTypes() {
    }

    /**
     * The output type of every vertex of {@code builder} so far.
     *
     * @param who the component asking, for the error message
     * @throws IllegalStateException when the builder has no input types ({@code setInputTypes})
     */
    public static Map<String, InputType> activationTypes(ComputationGraphConfiguration.GraphBuilder builder, String who) {
        List<String> inputs = builder.getNetworkInputs();
        List<InputType> types = builder.getNetworkInputTypes();
        if (inputs == null || inputs.isEmpty() || types == null || types.size() != inputs.size()) {
            throw new IllegalStateException(who + " needs the shapes of the graph: call addInputs(...) and setInputTypes(...)"
                    + " on the GraphBuilder before adding it (inputs " + inputs + ", input types " + types + ")");
        }
        ComputationGraphConfiguration.GraphBuilder copy =
                new ComputationGraphConfiguration.GraphBuilder(builder.getGlobalConfiguration());
        for (Map.Entry<String, GraphVertex> e : builder.getVertices().entrySet()) {
            copy.getVertices().put(e.getKey(), e.getValue().clone());
        }
        for (Map.Entry<String, List<String>> e : builder.getVertexInputs().entrySet()) {
            copy.getVertexInputs().put(e.getKey(), new ArrayList<>(e.getValue()));
        }
        for (Map.Entry<String, InputPreProcessor> e : builder.getInputPreProcessors().entrySet()) {
            copy.getInputPreProcessors().put(e.getKey(), e.getValue().clone());
        }
        copy.setNetworkInputs(new ArrayList<>(inputs));
        copy.setNetworkInputTypes(new ArrayList<>(types));
        return copy.getLayerActivationTypes();
    }

    /**
     * The output type of {@code vertex}, which must exist and be a 4-D NCHW feature map.
     *
     * @param who the component asking, for the error message
     */
    public static InputType.InputTypeConvolutional cnnType(ComputationGraphConfiguration.GraphBuilder builder,
                                                           String vertex, String who) {
        return cnnType(activationTypes(builder, who), builder, vertex, who);
    }

    /**
     * {@code type} as a 4-D NCHW feature map, or an IllegalArgumentException naming {@code who} and the vertex whose
     * type it is ({@code source}: {@code "\"conv5\""}, or {@code "the input vertex"}).
     */
    public static InputType.InputTypeConvolutional nchw(InputType type, String who, String source) {
        if (!(type instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException(who + " needs a 4-D CNN feature map [N, C, H, W] (InputType.convolutional),"
                    + " but " + source + " outputs " + (type == null ? "null" : type.getType() + " " + type));
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
        if (c.getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(who + " supports NCHW feature maps only, but " + source + " is "
                    + c.getFormat() + "; set the graph's CNN data format to NCHW");
        }
        return c;
    }

    /** As {@link #cnnType(ComputationGraphConfiguration.GraphBuilder, String, String)}, from types already computed. */
    public static InputType.InputTypeConvolutional cnnType(Map<String, InputType> types,
                                                           ComputationGraphConfiguration.GraphBuilder builder,
                                                           String vertex, String who) {
        if (vertex == null) {
            throw new IllegalArgumentException(who + ": input vertex name is null");
        }
        InputType t = types.get(vertex);
        if (t == null) {
            List<String> known = new ArrayList<>(builder.getNetworkInputs());
            known.addAll(builder.getVertices().keySet());
            throw new IllegalArgumentException(who + ": no vertex \"" + vertex + "\" in the graph; it has " + known);
        }
        return nchw(t, who, "\"" + vertex + "\"");
    }
}
