package org.armfer.layers.transformer;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Tokens to one feature vector for a classifier: {@code [N, T, D]} or {@code [N, H, W, D]} to {@code [N, D]}
 * (InputType.feedForward(D)). {@link Mode#CLASS_TOKEN}: the first token (ViT's {@code x[:, 0]});
 * {@link Mode#MEAN}: the mean over all tokens (Swin's {@code AdaptiveAvgPool2d(1)} + {@code flatten}). No parameters.
 */
public class TokenPooling extends TokenLayer {

    /** What the pooling takes. */
    public enum Mode {
        /** The first token (the class token of a ViT). */
        CLASS_TOKEN,
        /** The mean of all tokens (global average pooling of a grid). */
        MEAN
    }

    private Mode mode;

    protected TokenPooling(Builder builder) {
        super(builder);
        this.mode = builder.mode;
    }

    private TokenPooling() {
        // for JSON
    }

    public Mode getMode() {
        return mode;
    }

    @Override
    protected InputType outputType(Layout layout, long tokens, long height, long width, long dim) {
        return InputType.feedForward(dim);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        // no parameters
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        requireInputShape();
        SDVariable x = input.reshape(-1, inTokens, inDim);
        return mode == Mode.MEAN ? x.mean(false, 1) : x.get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && mode == ((TokenPooling) o).mode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), mode);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends TokenLayer.Builder<Builder> {
        private Mode mode = Mode.CLASS_TOKEN;

        public Builder mode(Mode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("TokenPooling: mode must be one of " + Arrays.toString(Mode.values()) + ", got null");
            }
            this.mode = mode;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TokenPooling build() {
            return new TokenPooling(this);
        }
    }

    /** The direct implementation. */
    static final class Runtime extends TokenRuntime {
        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            TokenPooling l = (TokenPooling) layerConf();
            long n = input.size(0), t = l.inTokens, d = l.inDim;
            INDArray x = input.reshape('c', n, t, d);
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, d}, 'c');
            if (l.mode == Mode.MEAN) {
                out.assign(x.mean(1));
            } else {
                out.assign(rows(x, n, t * d).get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)));
            }
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            TokenPooling l = (TokenPooling) layerConf();
            long n = input.size(0), t = l.inTokens, d = l.inDim;
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
            INDArray dx3 = dx.reshape('c', n, t, d);
            if (l.mode == Mode.MEAN) {
                // every token gets eps / T
                dx3.assign(epsilon.reshape('c', n, 1, d).div(t).broadcast(n, t, d));
            } else {
                dx3.assign(0.0);
                rows(dx3, n, t * d).get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(epsilon);
            }
            return dx;
        }

        @Override
        protected void release() {
        }
    }
}
