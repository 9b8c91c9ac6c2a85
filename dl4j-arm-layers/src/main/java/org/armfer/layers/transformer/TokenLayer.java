package org.armfer.layers.transformer;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * Base of the transformer layers, whose activations are token embeddings in one of two layouts, both with the
 * embedding (channel) dimension last and contiguous, as PyTorch's transformers keep them:
 * <ul>
 *   <li>{@link Layout#SEQUENCE}: {@code [N, T, D]}, DL4J's {@code InputType.recurrent(D, T, RNNFormat.NWC)}
 *       (a ViT's token sequence, class token included);</li>
 *   <li>{@link Layout#GRID}: {@code [N, H, W, C]}, DL4J's {@code InputType.convolutional(H, W, C, CNN2DFormat.NHWC)}
 *       (a Swin stage's feature map, a patch embedding's output).</li>
 * </ul>
 * The layer records the input shape when the graph is built ({@link #setNIn}), so nothing is passed by hand, checks
 * every input against it, and runs through its own runtime (a {@link org.armfer.layers.impl.DirectLayer} with the
 * forward and backward passes written out in ND4J ops). The layer's SameDiff graph ({@code defineLayer}) is its
 * definition: the system property {@code armfer.layers.samediff=true} runs it instead, and the tests compare the two.
 */
public abstract class TokenLayer extends SameDiffLayer {

    /** The two token layouts. */
    public enum Layout {
        /** {@code [N, T, D]}: InputType.recurrent(D, T, NWC). */
        SEQUENCE,
        /** {@code [N, H, W, C]}: InputType.convolutional(H, W, C, NHWC); T = H·W tokens in row-major order. */
        GRID
    }

    /** Input layout; null until the graph's input types are known. */
    protected Layout inLayout;
    /** Tokens T (= H·W for a grid). */
    protected long inTokens;
    /** Grid height and width (0 for a sequence). */
    protected long inHeight;
    protected long inWidth;
    /** Embedding width D (channels C of a grid). */
    protected long inDim;

    protected TokenLayer(Builder<?> builder) {
        super(builder);
    }

    /** For JSON deserialization. */
    protected TokenLayer() {
    }

    /** Human-readable layer kind used in error messages. */
    protected String kind() {
        return getClass().getSimpleName();
    }

    protected String who() {
        return kind() + " (layer \"" + getLayerName() + "\")";
    }

    /** The layouts this layer accepts (default: both). */
    protected boolean accepts(Layout layout) {
        return true;
    }

    /** Parses an input type into (layout, T, H, W, D); throws naming the layer for anything else. */
    protected long[] shapeOf(InputType inputType) {
        if (inputType instanceof InputType.InputTypeRecurrent) {
            InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
            if (r.getFormat() != RNNFormat.NWC) {
                throw new IllegalArgumentException(who() + " needs token sequences [N, T, D] (InputType.recurrent(D, T,"
                        + " RNNFormat.NWC)), got format " + r.getFormat());
            }
            if (r.getTimeSeriesLength() <= 0 || r.getSize() <= 0) {
                throw new IllegalArgumentException(who() + " needs a known sequence length and width, got " + r);
            }
            return new long[]{Layout.SEQUENCE.ordinal(), r.getTimeSeriesLength(), 0, 0, r.getSize()};
        }
        if (inputType instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
            if (c.getFormat() != CNN2DFormat.NHWC) {
                throw new IllegalArgumentException(who() + " needs a token grid [N, H, W, C] (InputType.convolutional(H, W,"
                        + " C, CNN2DFormat.NHWC)), got format " + c.getFormat());
            }
            if (c.getHeight() <= 0 || c.getWidth() <= 0 || c.getChannels() <= 0) {
                throw new IllegalArgumentException(who() + ": input grid " + c.getHeight() + "x" + c.getWidth() + "x"
                        + c.getChannels() + " has a non-positive dimension");
            }
            return new long[]{Layout.GRID.ordinal(), c.getHeight() * c.getWidth(), c.getHeight(), c.getWidth(), c.getChannels()};
        }
        throw new IllegalArgumentException(who() + " needs token sequences [N, T, D] (InputType.recurrent(D, T, NWC)) or a"
                + " token grid [N, H, W, C] (InputType.convolutional(H, W, C, NHWC)), got "
                + (inputType == null ? "null" : inputType.getType() + " " + inputType));
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        long[] s = shapeOf(inputType);
        Layout layout = Layout.values()[(int) s[0]];
        if (!accepts(layout)) {
            throw new IllegalArgumentException(who() + " does not accept a " + layout + " input (" + inputType + ")");
        }
        if (override || inLayout == null) {
            inLayout = layout;
            inTokens = s[1];
            inHeight = s[2];
            inWidth = s[3];
            inDim = s[4];
        }
        validateGeometry();
    }

    /** Checks the configuration against the recorded input shape; throws naming the parameter and the limit. */
    protected void validateGeometry() {
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long[] s = shapeOf(inputType);
        Layout layout = Layout.values()[(int) s[0]];
        if (!accepts(layout)) {
            throw new IllegalArgumentException(who() + " does not accept a " + layout + " input (" + inputType + ")");
        }
        return outputType(layout, s[1], s[2], s[3], s[4]);
    }

    /** The output type for an input of the given shape. Default: the input's type (shape-preserving layers). */
    protected InputType outputType(Layout layout, long tokens, long height, long width, long dim) {
        return layout == Layout.SEQUENCE ? InputType.recurrent(dim, tokens, RNNFormat.NWC)
                : InputType.convolutional(height, width, dim, CNN2DFormat.NHWC);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        shapeOf(inputType);
        return null;
    }

    /** Throws unless the graph has set the input shape; used before parameters are defined. */
    protected void requireInputShape() {
        if (inLayout == null) {
            throw new IllegalStateException(who() + ": input shape unknown. Build the graph with setInputTypes(...)"
                    + " (ComputationGraphConfiguration.GraphBuilder) so the layer learns its input shape");
        }
    }

    /** The shape an input array must have (batch size -1). */
    protected long[] expectedInputShape() {
        return inLayout == Layout.SEQUENCE ? new long[]{-1, inTokens, inDim} : new long[]{-1, inHeight, inWidth, inDim};
    }

    @Override
    public void validateInput(INDArray input) {
        long[] e = expectedInputShape();
        boolean ok = input.rank() == e.length;
        for (int i = 1; ok && i < e.length; i++) {
            ok = input.size(i) == e[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(who() + " expects input " + Arrays.toString(e).replace("-1", "N") + ", got "
                    + Arrays.toString(input.shape()));
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

    /** The runtime layer: the layer's direct implementation. */
    protected abstract QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType);

    public Layout getInLayout() {
        return inLayout;
    }

    public long getInTokens() {
        return inTokens;
    }

    public long getInHeight() {
        return inHeight;
    }

    public long getInWidth() {
        return inWidth;
    }

    public long getInDim() {
        return inDim;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || getClass() != o.getClass() || !super.equals(o)) return false;
        TokenLayer that = (TokenLayer) o;
        return inLayout == that.inLayout && inTokens == that.inTokens && inHeight == that.inHeight && inWidth == that.inWidth
                && inDim == that.inDim;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), inLayout, inTokens, inHeight, inWidth, inDim);
    }
}
