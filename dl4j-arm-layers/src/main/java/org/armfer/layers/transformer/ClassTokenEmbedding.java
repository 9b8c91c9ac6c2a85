package org.armfer.layers.transformer;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
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

import java.util.Map;

/**
 * ViT's class token and learned position embedding (torchvision's {@code class_token} and
 * {@code encoder.pos_embedding}): tokens {@code [N, T, D]} (a sequence, or a patch grid {@code [N, h, w, D]} read in
 * row-major order) become {@code [N, 1 + T, D]} with the class token in front and the position embedding added to
 * all of them: {@code out = concat(cls, x) + pos}.
 * <p>
 * Parameters (PyTorch's shapes): {@value #CLASS_TOKEN} {@code [1, 1, D]} (initialised to 0, as torchvision) and
 * {@value #POSITION} {@code [1, 1 + T, D]} (normal, std 0.02). Both count as biases for DL4J's regularization.
 * A position embedding trained at another input size is interpolated when it is imported, not here (see the zoo's
 * weight import, which follows torchvision's {@code interpolate_embeddings}).
 */
public class ClassTokenEmbedding extends TokenLayer {

    public static final String CLASS_TOKEN = "cls";
    public static final String POSITION = "pos";

    protected ClassTokenEmbedding(Builder builder) {
        super(builder);
    }

    private ClassTokenEmbedding() {
        // for JSON
    }

    /** Sequence length of the output: 1 + T. */
    public long outputTokens() {
        return 1 + inTokens;
    }

    @Override
    protected InputType outputType(Layout layout, long tokens, long height, long width, long dim) {
        return InputType.recurrent(dim, tokens + 1, RNNFormat.NWC);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputShape();
        params.addBiasParam(CLASS_TOKEN, 1, 1, inDim);
        params.addBiasParam(POSITION, 1, 1 + inTokens, inDim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(CLASS_TOKEN).assign(0.0);
        TransformerMath.normal(params.get(POSITION), 0.02);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        requireInputShape();
        SDVariable x = input.reshape(-1, inTokens, inDim);
        // [N, 1, D] copies of the class token (0·x keeps the batch size dynamic)
        SDVariable cls = x.get(SDIndex.all(), SDIndex.interval(0L, 1L), SDIndex.all()).mul(0.0).add(p.get(CLASS_TOKEN));
        return sd.concat(1, cls, x).add(p.get(POSITION));
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends TokenLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public ClassTokenEmbedding build() {
            return new ClassTokenEmbedding(this);
        }
    }

    /** The direct implementation: two strided copies with broadcast additions. */
    static final class Runtime extends TokenRuntime {
        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            ClassTokenEmbedding l = (ClassTokenEmbedding) layerConf();
            long n = input.size(0), t = l.inTokens, d = l.inDim;
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, 1 + t, d}, 'c');
            INDArray out2 = out.reshape('c', n, (1 + t) * d);
            INDArray pos = getParam(POSITION).reshape('c', new long[]{(1 + t) * d});
            INDArray first = pos.get(NDArrayIndex.interval(0, d)).add(getParam(CLASS_TOKEN).reshape('c', new long[]{d}));
            out2.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(0.0).addiRowVector(first);
            out2.get(NDArrayIndex.all(), NDArrayIndex.interval(d, (1 + t) * d)).assign(rows(input, n, t * d))
                    .addiRowVector(pos.get(NDArrayIndex.interval(d, (1 + t) * d)));
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            ClassTokenEmbedding l = (ClassTokenEmbedding) layerConf();
            long n = input.size(0), t = l.inTokens, d = l.inDim;
            INDArray eps2 = rows(epsilon, n, (1 + t) * d);
            INDArray dPos = eps2.sum(0);
            grad(POSITION).assign(dPos.reshape(1, 1 + t, d));
            grad(CLASS_TOKEN).assign(dPos.get(NDArrayIndex.interval(0, d)).reshape(1, 1, d));
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
            rows(dx, n, t * d).assign(eps2.get(NDArrayIndex.all(), NDArrayIndex.interval(d, (1 + t) * d)));
            return dx;
        }

        @Override
        protected void release() {
        }
    }
}
