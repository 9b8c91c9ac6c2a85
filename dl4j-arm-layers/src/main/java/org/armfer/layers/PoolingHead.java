package org.armfer.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;

import java.util.Objects;

/**
 * Global pooling over the spatial positions of a feature map, {@code [N, C, H, W] -> [N, C]}: the head of torchvision's
 * ResNets ({@code avgpool}, average pooling) and the baseline that ARM replaces ("none" in the paper's Table 2). One
 * vertex, named {@code prefix} itself (a DL4J {@link GlobalPoolingLayer}).
 */
public final class PoolingHead implements GraphBlock {

    private final PoolingType type;

    private PoolingHead(PoolingType type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** Global average pooling (torchvision's {@code AdaptiveAvgPool2d(1)} + flatten). */
    public static PoolingHead average() {
        return new PoolingHead(PoolingType.AVG);
    }

    /** Global pooling of any DL4J type (AVG, MAX, SUM, PNORM). */
    public static PoolingHead of(PoolingType type) {
        return new PoolingHead(type);
    }

    public PoolingType getType() {
        return type;
    }

    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graph, String input, InputType inputType, String prefix) {
        outputType(inputType);
        graph.addLayer(prefix, new GlobalPoolingLayer.Builder(type).build(), input);
        return prefix;
    }

    @Override
    public InputType outputType(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("PoolingHead needs a 4-D CNN feature map [N, C, H, W], got " + inputType);
        }
        return InputType.feedForward(((InputType.InputTypeConvolutional) inputType).getChannels());
    }

    /** {@code avgpool}, torchvision's name. */
    @Override
    public String defaultPrefix() {
        return "avgpool";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolingHead && ((PoolingHead) o).type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        return "PoolingHead{" + type + "}";
    }
}
