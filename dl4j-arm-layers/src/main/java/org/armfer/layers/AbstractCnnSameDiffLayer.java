package org.armfer.layers;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * Base of armfer's SameDiff layers that take a 4-D NCHW feature map {@code [N, C, H, W]}.
 * <p>
 * It records the input shape when the graph is built ({@link #setNIn}), so a user never passes nIn, checks every
 * input against it, and runs the layer through {@link QuietSameDiffLayer} so that DL4J M2.1's SameDiff does not
 * print "Added differentiated op ..." lines on standard output.
 */
public abstract class AbstractCnnSameDiffLayer extends SameDiffLayer {

    /** Input channels, height and width; 0 until the graph's input types are known. */
    protected long inChannels;
    protected long inHeight;
    protected long inWidth;

    protected AbstractCnnSameDiffLayer(Builder<?> builder) {
        super(builder);
    }

    /** For JSON deserialization. */
    protected AbstractCnnSameDiffLayer() {
    }

    /** Human-readable layer kind used in error messages, e.g. "FeatureArrangement". */
    protected String kind() {
        return getClass().getSimpleName();
    }

    /** Checks that {@code inputType} is a 4-D NCHW convolutional type and returns it. */
    protected InputType.InputTypeConvolutional requireCnn(InputType inputType) {
        if (inputType == null) {
            throw new IllegalArgumentException(kind() + " (layer \"" + getLayerName() + "\"): input type is null");
        }
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException(kind() + " (layer \"" + getLayerName() + "\") needs a 4-D CNN input [N, C, H, W]"
                    + " (InputType.convolutional), got " + inputType.getType() + " " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        if (c.getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(kind() + " (layer \"" + getLayerName() + "\") supports NCHW input only, got "
                    + c.getFormat() + "; set the graph's CNN data format to NCHW");
        }
        if (c.getChannels() <= 0 || c.getHeight() <= 0 || c.getWidth() <= 0) {
            throw new IllegalArgumentException(kind() + " (layer \"" + getLayerName() + "\"): input shape "
                    + c.getChannels() + "x" + c.getHeight() + "x" + c.getWidth() + " has a non-positive dimension");
        }
        return c;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional c = requireCnn(inputType);
        if (override || inChannels <= 0) {
            inChannels = c.getChannels();
            inHeight = c.getHeight();
            inWidth = c.getWidth();
        }
        // validate the geometry as soon as the shape is known
        outputShape(inChannels, inHeight, inWidth);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = requireCnn(inputType);
        long[] out = outputShape(c.getChannels(), c.getHeight(), c.getWidth());
        return InputType.convolutional(out[1], out[2], out[0], CNN2DFormat.NCHW);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        requireCnn(inputType);
        return null;
    }

    /**
     * The output shape {@code [C', H', W']} for an input {@code [C, H, W]}; throws {@link IllegalArgumentException}
     * naming the parameter and the limit when the configuration cannot fit the input.
     */
    public abstract long[] outputShape(long channels, long height, long width);

    /** No parameters, unless the layer defines some (FA, the channel mean, the pooling and resize layers have none). */
    @Override
    public void defineParameters(org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams params) {
        // no parameters
    }

    /** Nothing to initialise, unless the layer defines parameters. */
    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    /** Throws unless the graph has set the input shape; used before parameters are defined. */
    protected void requireInputShape() {
        if (inChannels <= 0) {
            throw new IllegalStateException(kind() + " (layer \"" + getLayerName() + "\"): input shape unknown. Build the graph"
                    + " with setInputTypes(...) (ComputationGraphConfiguration.GraphBuilder) so the layer learns its input shape");
        }
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != inChannels || input.size(2) != inHeight || input.size(3) != inWidth) {
            throw new IllegalArgumentException(kind() + " (layer \"" + getLayerName() + "\") expects input [N, " + inChannels
                    + ", " + inHeight + ", " + inWidth + "], got " + java.util.Arrays.toString(input.shape()));
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        QuietSameDiffLayer ret = createRuntimeLayer(conf, networkDataType);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    /** The runtime layer; subclasses with behaviour beyond their SameDiff graph return their own. */
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new QuietSameDiffLayer(conf, networkDataType);
    }

    public long getInChannels() {
        return inChannels;
    }

    public long getInHeight() {
        return inHeight;
    }

    public long getInWidth() {
        return inWidth;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || getClass() != o.getClass() || !super.equals(o)) return false;
        AbstractCnnSameDiffLayer that = (AbstractCnnSameDiffLayer) o;
        return inChannels == that.inChannels && inHeight == that.inHeight && inWidth == that.inWidth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), inChannels, inHeight, inWidth);
    }
}
