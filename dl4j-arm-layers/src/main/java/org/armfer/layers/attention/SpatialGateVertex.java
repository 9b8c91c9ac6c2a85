package org.armfer.layers.attention;

import org.armfer.layers.impl.QuietSameDiffVertex;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * A spatial gate: {@code X ⊙ A} for a feature map X {@code [N, C, H, W]} (first input) and a one-channel map A
 * {@code [N, 1, H, W]} (second input), A broadcast over the channels. Output {@code [N, C, H, W]}; no parameters.
 * <p>
 * DL4J's {@code ElementWiseVertex} multiplies only maps of equal shape (its {@code getOutputType} rejects a
 * one-channel second input), hence this vertex. It is a SameDiff vertex run by {@link QuietSameDiffVertex}, so its
 * input gradients ({@code dX = eps ⊙ A}, {@code dA = Σ_c eps ⊙ X}) are not doubled by DL4J M2.1's external-errors op.
 */
public class SpatialGateVertex extends SameDiffVertex {

    /** Name of the feature-map input inside the vertex's SameDiff graph. */
    public static final String FEATURES = "x";
    /** Name of the gate input inside the vertex's SameDiff graph. */
    public static final String GATE = "gate";

    public SpatialGateVertex() {
        // no configuration: also the JSON constructor
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs(FEATURES, GATE);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public SDVariable defineVertex(SameDiff sameDiff, Map<String, SDVariable> layerInput, Map<String, SDVariable> paramTable,
                                   Map<String, SDVariable> maskVars) {
        return layerInput.get(FEATURES).mul(layerInput.get(GATE));
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs == null || vertexInputs.length != 2) {
            throw new InvalidInputTypeException("SpatialGateVertex (vertex \"" + getLayerName() + "\") needs 2 inputs, the feature map"
                    + " [N, C, H, W] and the gate [N, 1, H, W], got " + (vertexInputs == null ? 0 : vertexInputs.length));
        }
        InputType.InputTypeConvolutional x = cnn(vertexInputs[0], "first input (feature map)");
        InputType.InputTypeConvolutional a = cnn(vertexInputs[1], "second input (gate)");
        if (a.getChannels() != 1 || a.getHeight() != x.getHeight() || a.getWidth() != x.getWidth()) {
            throw new InvalidInputTypeException("SpatialGateVertex (vertex \"" + getLayerName() + "\"): the gate must be [N, 1, "
                    + x.getHeight() + ", " + x.getWidth() + "] for the feature map [N, " + x.getChannels() + ", " + x.getHeight()
                    + ", " + x.getWidth() + "], got [N, " + a.getChannels() + ", " + a.getHeight() + ", " + a.getWidth() + "]");
        }
        return InputType.convolutional(x.getHeight(), x.getWidth(), x.getChannels(), CNN2DFormat.NCHW);
    }

    private InputType.InputTypeConvolutional cnn(InputType t, String which) {
        if (!(t instanceof InputType.InputTypeConvolutional)) {
            throw new InvalidInputTypeException("SpatialGateVertex (vertex \"" + getLayerName() + "\"): the " + which
                    + " must be a 4-D CNN map (InputType.convolutional), got " + (t == null ? "null" : t.getType() + " " + t));
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
        if (c.getFormat() != CNN2DFormat.NCHW) {
            throw new InvalidInputTypeException("SpatialGateVertex (vertex \"" + getLayerName() + "\") supports NCHW only; the "
                    + which + " is " + c.getFormat());
        }
        return c;
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        // no parameters and no working memory beyond the output activations (DL4J's SameDiffVertex returns null here)
        return new LayerMemoryReport.Builder(getLayerName(), SpatialGateVertex.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public void validateInput(INDArray[] input) {
        INDArray x = input[0];
        INDArray a = input[1];
        if (x.rank() != 4 || a.rank() != 4 || a.size(0) != x.size(0) || a.size(1) != 1 || a.size(2) != x.size(2)
                || a.size(3) != x.size(3)) {
            throw new IllegalArgumentException("SpatialGateVertex (vertex \"" + getLayerName() + "\") expects a feature map [N, C, H, W]"
                    + " and a gate [N, 1, H, W], got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(a.shape()));
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
        // CNN maps carry no mask; pass on the feature map's, if any
        return new Pair<>(maskArrays == null || maskArrays.length == 0 ? null : maskArrays[0], currentMaskState);
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        setName(name);
        return new QuietSameDiffVertex(this, graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    @Override
    public SpatialGateVertex clone() {
        SpatialGateVertex v = new SpatialGateVertex();
        v.setName(getName());
        v.setDataType(getDataType());
        return v;
    }

    @Override
    public boolean equals(Object o) {
        // no configuration: any two gates are equal (DL4J's names and updaters do not matter for a parameter-free vertex)
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return SpatialGateVertex.class.hashCode();
    }

    @Override
    public String toString() {
        return "SpatialGateVertex()";
    }
}
