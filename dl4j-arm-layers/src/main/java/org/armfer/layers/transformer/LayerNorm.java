package org.armfer.layers.transformer;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Objects;

/**
 * PyTorch's {@code nn.LayerNorm(D, eps)} over the embedding dimension of every token: {@code y = (x - μ) / sqrt(σ² +
 * eps) · γ + β}, μ and σ² (biased) over the last dimension. For token sequences {@code [N, T, D]} and grids
 * {@code [N, H, W, C]}; output of the same shape. Parameters {@value #GAIN} ({@code [D]}, initialised to 1) and
 * {@value #BIAS} ({@code [D]}, 0), PyTorch's {@code weight} and {@code bias}; both count as biases for DL4J's
 * regularization (no weight decay by default, as is usual for normalisation parameters).
 * Defaults: eps 1e-5 (PyTorch's, Swin's); torchvision's ViT uses 1e-6.
 */
public class LayerNorm extends TokenLayer {

    public static final String GAIN = "g";
    public static final String BIAS = "b";

    private double eps;

    protected LayerNorm(Builder builder) {
        super(builder);
        this.eps = builder.eps;
    }

    private LayerNorm() {
        // for JSON
    }

    public double getEps() {
        return eps;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputShape();
        params.addBiasParam(GAIN, inDim);
        params.addBiasParam(BIAS, inDim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(GAIN).assign(1.0);
        params.get(BIAS).assign(0.0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        requireInputShape();
        return SameDiffBlocks.layerNorm(input, p.get(GAIN), p.get(BIAS), eps, expectedInputShape().length);
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Double.compare(eps, ((LayerNorm) o).eps) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), eps);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends TokenLayer.Builder<Builder> {
        private double eps = 1e-5;

        /** The variance epsilon, finite and > 0 (default 1e-5; torchvision's ViT: 1e-6). */
        public Builder eps(double eps) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("LayerNorm: eps must be a finite number > 0, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LayerNorm build() {
            return new LayerNorm(this);
        }
    }

    /** The direct implementation. */
    static final class Runtime extends TokenRuntime {
        private INDArray xhat;
        private INDArray rstd;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private LayerNorm ln() {
            return (LayerNorm) layerConf();
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            long d = input.size(input.rank() - 1);
            long r = input.length() / d;
            xhat = keep(training, mgr, r, d);
            rstd = keep(training, mgr, r, 1);
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
            TransformerMath.layerNorm(rows(input, r, d), getParam(GAIN), getParam(BIAS), ln().eps, xhat, rstd, rows(out, r, d));
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            long d = input.size(input.rank() - 1);
            long r = input.length() / d;
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
            TransformerMath.layerNormBackward(rows(epsilon, r, d), xhat, rstd, getParam(GAIN), grad(GAIN), grad(BIAS), rows(dx, r, d));
            return dx;
        }

        @Override
        protected void release() {
            xhat = null;
            rstd = null;
        }
    }
}
