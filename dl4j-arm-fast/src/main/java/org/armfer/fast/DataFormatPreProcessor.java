package org.armfer.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Converts 2D convolutional activations between NCHW and NHWC (a contiguous copy forward, the inverse on the way
 * back). armfer's zoo runs its ResNet trunk in NHWC, the layout oneDNN's convolutions read directly, and converts the
 * network's NCHW input once in front of the stem and the trunk's output once behind it.
 */
public class DataFormatPreProcessor extends BaseInputPreProcessor {

    private final CNN2DFormat from;
    private final CNN2DFormat to;

    public DataFormatPreProcessor(@JsonProperty("from") CNN2DFormat from, @JsonProperty("to") CNN2DFormat to) {
        this.from = Objects.requireNonNull(from, "from");
        this.to = Objects.requireNonNull(to, "to");
    }

    public CNN2DFormat getFrom() {
        return from;
    }

    public CNN2DFormat getTo() {
        return to;
    }

    private static int[] permutation(CNN2DFormat from, CNN2DFormat to) {
        if (from == to) {
            return new int[]{0, 1, 2, 3};
        }
        return from == CNN2DFormat.NCHW ? new int[]{0, 2, 3, 1} : new int[]{0, 3, 1, 2};
    }

    private static INDArray convert(INDArray a, CNN2DFormat from, CNN2DFormat to, ArrayType type,
                                    LayerWorkspaceMgr mgr) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException("DataFormatPreProcessor " + from + " -> " + to
                    + ": expected rank-4 activations, got shape " + java.util.Arrays.toString(a.shape()));
        }
        INDArray view = a.permute(permutation(from, to));
        INDArray out = mgr.createUninitialized(type, a.dataType(), view.shape(), 'c');
        out.assign(view);
        return out;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return convert(input, from, to, ArrayType.ACTIVATIONS, workspaceMgr);
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        if (output == null) {
            // no gradient comes back (a FastConvolutionLayer with inputGradient(false) reads this vertex)
            return null;
        }
        return convert(output, to, from, ArrayType.ACTIVATION_GRAD, workspaceMgr);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new InvalidInputTypeException("DataFormatPreProcessor " + from + " -> " + to
                    + " needs convolutional input, got " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), to);
    }

    @Override
    public DataFormatPreProcessor clone() {
        return new DataFormatPreProcessor(from, to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataFormatPreProcessor && ((DataFormatPreProcessor) o).from == from
                && ((DataFormatPreProcessor) o).to == to;
    }

    @Override
    public int hashCode() {
        return Objects.hash(from, to);
    }

    @Override
    public String toString() {
        return "DataFormatPreProcessor(" + from + " -> " + to + ")";
    }
}
