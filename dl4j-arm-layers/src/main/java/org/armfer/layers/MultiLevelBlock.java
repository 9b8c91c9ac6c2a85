package org.armfer.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.List;

/**
 * A {@link GraphBlock} that reads several feature maps of a backbone at once (a feature pyramid: RARN's multi-scale
 * fusion). A model builder gives it its {@link #levels()} deepest levels, ordered from the highest resolution to the
 * lowest; the single-input methods treat the one input as the only level.
 */
public interface MultiLevelBlock extends GraphBlock {

    /** How many of the backbone's deepest levels the block reads (>= 1). */
    int levels();

    /**
     * Adds the block over {@code levels} (vertex names, highest resolution first) of types {@code levelTypes}.
     *
     * @return the name of the block's output vertex
     */
    String addTo(ComputationGraphConfiguration.GraphBuilder graph, List<String> levels, List<InputType> levelTypes,
                 String prefix);

    /** The output type for levels of {@code levelTypes}. */
    InputType outputType(List<InputType> levelTypes);

    @Override
    default String addTo(ComputationGraphConfiguration.GraphBuilder graph, String input, InputType inputType, String prefix) {
        return addTo(graph, List.of(input), List.of(inputType), prefix);
    }

    @Override
    default InputType outputType(InputType inputType) {
        return outputType(List.of(inputType));
    }
}
