package org.armfer.layers;

import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.Map;

/**
 * A block of vertices that drops into a DL4J {@link ComputationGraphConfiguration.GraphBuilder} after one vertex: ARM
 * ({@link ArmModule}), global average pooling ({@link PoolingHead}), DSM, RARN's attention
 * ({@link org.armfer.layers.attention}), the learnable resizer ({@link org.armfer.layers.resize.LearnableResizer}),
 * a re-parameterisable convolution ({@link RepConv}). Model builders (the zoo's ResNet and DeSpaM networks) place
 * blocks after their named stages and as their head through this interface alone, so they need not know the kinds.
 * <p>
 * A block names its vertices {@code prefix} or {@code prefix + "." + ...} and reads NCHW feature maps. Blocks that
 * read several feature maps at once (RARN's multi-scale fusion) implement {@link MultiLevelBlock}.
 */
public interface GraphBlock {

    /**
     * Adds the block after {@code input}, whose output is {@code inputType}.
     *
     * @return the name of the block's output vertex
     * @throws IllegalArgumentException when the block cannot take {@code inputType}, with the allowed values
     */
    String addTo(ComputationGraphConfiguration.GraphBuilder graph, String input, InputType inputType, String prefix);

    /**
     * The type of the block's output for an input of {@code inputType}.
     *
     * @throws IllegalArgumentException when the block cannot take {@code inputType}, with the allowed values
     */
    InputType outputType(InputType inputType);

    /** The prefix model builders give the block's vertices unless told otherwise ({@code "arm"}, {@code "dsm"}, ...). */
    String defaultPrefix();

    /**
     * {@link #addTo(ComputationGraphConfiguration.GraphBuilder, String, InputType, String)} with the input's type taken
     * from the graph built so far, which needs its input types ({@code setInputTypes}).
     */
    default String addTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix) {
        return addTo(graph, input, typeOf(graph, input, getClass().getSimpleName()), prefix);
    }

    /** The output type of {@code vertex} in a graph being built (which needs its input types). */
    static InputType typeOf(ComputationGraphConfiguration.GraphBuilder graph, String vertex, String who) {
        Map<String, InputType> types = GraphBuilderTypes.activationTypes(graph, who);
        InputType t = types.get(vertex);
        if (t == null) {
            throw new IllegalArgumentException(who + ": no vertex \"" + vertex + "\" in the graph; it has " + types.keySet());
        }
        return t;
    }
}
