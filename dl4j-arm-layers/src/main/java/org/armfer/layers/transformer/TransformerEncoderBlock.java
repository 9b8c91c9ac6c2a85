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
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Objects;

/**
 * One pre-norm transformer encoder block, exactly torchvision's ViT {@code EncoderBlock} (dropout 0):
 * <pre>
 *   x = x + MHA(LN1(x))                 multi-head self-attention over all T tokens (nn.MultiheadAttention)
 *   y = x + MLP(LN2(x))                 MLP = Linear(D, M) -> GELU (exact, erf) -> Linear(M, D)
 * </pre>
 * on token sequences {@code [N, T, D]} (or grids {@code [N, H, W, D]}, attended as one sequence of H·W tokens).
 * Attention: {@code qkv = x·W_inᵀ + b_in} split into q, k, v and into {@code heads} heads of {@code D/heads},
 * {@code softmax(q·kᵀ/sqrt(D/heads))·v}, heads concatenated, {@code ·W_outᵀ + b_out}. LayerNorm eps default 1e-6
 * (torchvision's ViT).
 * <p>
 * Parameters, with PyTorch's shapes and names (torchvision key in brackets): {@value #LN1_WEIGHT}/{@value #LN1_BIAS}
 * {@code [D]} ({@code ln_1.weight/bias}), {@value #QKV_WEIGHT} {@code [3D, D]} / {@value #QKV_BIAS} {@code [3D]}
 * ({@code self_attention.in_proj_weight/bias}), {@value #PROJ_WEIGHT} {@code [D, D]} / {@value #PROJ_BIAS}
 * ({@code self_attention.out_proj.*}), {@value #LN2_WEIGHT}/{@value #LN2_BIAS} ({@code ln_2.*}),
 * {@value #FC1_WEIGHT} {@code [M, D]} / {@value #FC1_BIAS} ({@code mlp.0.*}), {@value #FC2_WEIGHT} {@code [D, M]} /
 * {@value #FC2_BIAS} ({@code mlp.3.*}). The four matrices are DL4J weights (regularized); biases and LayerNorm
 * parameters are biases. Initialisation as torchvision: in-projection Xavier-uniform, out-projection PyTorch's Linear
 * default, MLP Xavier-uniform with N(0, 1e-6) biases, other biases 0, LayerNorm 1 / 0.
 */
public class TransformerEncoderBlock extends TokenLayer {

    public static final String LN1_WEIGHT = "ln1W";
    public static final String LN1_BIAS = "ln1b";
    public static final String QKV_WEIGHT = "qkvW";
    public static final String QKV_BIAS = "qkvb";
    public static final String PROJ_WEIGHT = "projW";
    public static final String PROJ_BIAS = "projb";
    public static final String LN2_WEIGHT = "ln2W";
    public static final String LN2_BIAS = "ln2b";
    public static final String FC1_WEIGHT = "fc1W";
    public static final String FC1_BIAS = "fc1b";
    public static final String FC2_WEIGHT = "fc2W";
    public static final String FC2_BIAS = "fc2b";

    private int heads;
    private long mlpDim;
    private double eps;

    protected TransformerEncoderBlock(Builder builder) {
        super(builder);
        this.heads = builder.heads;
        this.mlpDim = builder.mlpDim;
        this.eps = builder.eps;
    }

    private TransformerEncoderBlock() {
        // for JSON
    }

    public int getHeads() {
        return heads;
    }

    public long getMlpDim() {
        return mlpDim;
    }

    public double getEps() {
        return eps;
    }

    @Override
    protected void validateGeometry() {
        if (inDim % heads != 0) {
            throw new IllegalArgumentException(who() + ": width " + inDim + " is not divisible by heads " + heads
                    + "; allowed: heads dividing " + inDim);
        }
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputShape();
        long d = inDim;
        params.addBiasParam(LN1_WEIGHT, d);
        params.addBiasParam(LN1_BIAS, d);
        params.addWeightParam(QKV_WEIGHT, 3 * d, d);
        params.addBiasParam(QKV_BIAS, 3 * d);
        params.addWeightParam(PROJ_WEIGHT, d, d);
        params.addBiasParam(PROJ_BIAS, d);
        params.addBiasParam(LN2_WEIGHT, d);
        params.addBiasParam(LN2_BIAS, d);
        params.addWeightParam(FC1_WEIGHT, mlpDim, d);
        params.addBiasParam(FC1_BIAS, mlpDim);
        params.addWeightParam(FC2_WEIGHT, d, mlpDim);
        params.addBiasParam(FC2_BIAS, d);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> p) {
        long d = inDim;
        p.get(LN1_WEIGHT).assign(1.0);
        p.get(LN1_BIAS).assign(0.0);
        p.get(LN2_WEIGHT).assign(1.0);
        p.get(LN2_BIAS).assign(0.0);
        TransformerMath.xavierUniform(p.get(QKV_WEIGHT), d, 3 * d);
        p.get(QKV_BIAS).assign(0.0);
        TransformerMath.torchDefault(p.get(PROJ_WEIGHT), d);
        p.get(PROJ_BIAS).assign(0.0);
        TransformerMath.xavierUniform(p.get(FC1_WEIGHT), d, mlpDim);
        TransformerMath.normal(p.get(FC1_BIAS), 1e-6);
        TransformerMath.xavierUniform(p.get(FC2_WEIGHT), mlpDim, d);
        TransformerMath.normal(p.get(FC2_BIAS), 1e-6);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        requireInputShape();
        long d = inDim;
        SDVariable x = input.reshape(-1, d);
        SDVariable h = SameDiffBlocks.layerNorm(x, p.get(LN1_WEIGHT), p.get(LN1_BIAS), eps, 2);
        SDVariable qkv = SameDiffBlocks.linear(sd, h, p.get(QKV_WEIGHT), p.get(QKV_BIAS));
        SDVariable att = SameDiffBlocks.attention(sd, qkv, inTokens, d, heads, null, 1);
        SDVariable x1 = x.add(SameDiffBlocks.linear(sd, att, p.get(PROJ_WEIGHT), p.get(PROJ_BIAS)));
        SDVariable h2 = SameDiffBlocks.layerNorm(x1, p.get(LN2_WEIGHT), p.get(LN2_BIAS), eps, 2);
        SDVariable u = SameDiffBlocks.linear(sd, h2, p.get(FC1_WEIGHT), p.get(FC1_BIAS));
        SDVariable m = SameDiffBlocks.linear(sd, SameDiffBlocks.gelu(sd, u), p.get(FC2_WEIGHT), p.get(FC2_BIAS));
        long[] shape = expectedInputShape();
        return x1.add(m).reshape(shape);
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        TransformerEncoderBlock that = (TransformerEncoderBlock) o;
        return heads == that.heads && mlpDim == that.mlpDim && Double.compare(eps, that.eps) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), heads, mlpDim, eps);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends TokenLayer.Builder<Builder> {
        private int heads;
        private long mlpDim;
        private double eps = 1e-6;

        /** Attention heads >= 1 (required); must divide the width D. */
        public Builder heads(int heads) {
            if (heads < 1) {
                throw new IllegalArgumentException("TransformerEncoderBlock: heads must be >= 1, got " + heads);
            }
            this.heads = heads;
            return this;
        }

        /** Hidden width M of the MLP >= 1 (required; ViT: 4·D). */
        public Builder mlpDim(long mlpDim) {
            if (mlpDim < 1) {
                throw new IllegalArgumentException("TransformerEncoderBlock: mlpDim must be >= 1, got " + mlpDim);
            }
            this.mlpDim = mlpDim;
            return this;
        }

        /** LayerNorm epsilon, finite and > 0 (default 1e-6, torchvision's ViT). */
        public Builder eps(double eps) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("TransformerEncoderBlock: eps must be a finite number > 0, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TransformerEncoderBlock build() {
            if (heads < 1 || mlpDim < 1) {
                throw new IllegalStateException("TransformerEncoderBlock: heads and mlpDim are required, got heads=" + heads
                        + ", mlpDim=" + mlpDim);
            }
            return new TransformerEncoderBlock(this);
        }
    }

    /** The direct implementation. */
    static final class Runtime extends TokenRuntime {
        private INDArray xhat1;
        private INDArray rstd1;
        private INDArray attOut;
        private INDArray xhat2;
        private INDArray rstd2;
        private INDArray u;
        private AttentionCore attention;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private TransformerEncoderBlock cfg() {
            return (TransformerEncoderBlock) layerConf();
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            TransformerEncoderBlock c = cfg();
            long n = input.size(0), t = c.inTokens, d = c.inDim, m = c.mlpDim, r = n * t;
            INDArray x = rows(input, r, d);
            // attention branch
            xhat1 = keep(training, mgr, r, d);
            rstd1 = keep(training, mgr, r, 1);
            INDArray h = work(mgr, r, d);
            TransformerMath.layerNorm(x, getParam(LN1_WEIGHT), getParam(LN1_BIAS), c.eps, xhat1, rstd1, h);
            INDArray qkv = work(mgr, r, 3 * d);
            TransformerMath.linear(h, getParam(QKV_WEIGHT), getParam(QKV_BIAS), qkv);
            attention = new AttentionCore(n, t, d, c.heads);
            attention.q = keep(training, mgr, attention.headShape());
            attention.k = keep(training, mgr, attention.headShape());
            attention.v = keep(training, mgr, attention.headShape());
            attention.p = keep(training, mgr, attention.probShape());
            attOut = keep(training, mgr, r, d);
            attention.forward(qkv, null, attOut);
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
            INDArray x1 = rows(out, r, d);
            TransformerMath.linear(attOut, getParam(PROJ_WEIGHT), getParam(PROJ_BIAS), x1);
            x1.addi(x);
            // MLP branch
            xhat2 = keep(training, mgr, r, d);
            rstd2 = keep(training, mgr, r, 1);
            TransformerMath.layerNorm(x1, getParam(LN2_WEIGHT), getParam(LN2_BIAS), c.eps, xhat2, rstd2, h);
            u = keep(training, mgr, r, m);
            TransformerMath.linear(h, getParam(FC1_WEIGHT), getParam(FC1_BIAS), u);
            INDArray g = work(mgr, r, m);
            TransformerMath.gelu(u, g);
            INDArray mlp = work(mgr, r, d);
            TransformerMath.linear(g, getParam(FC2_WEIGHT), getParam(FC2_BIAS), mlp);
            x1.addi(mlp);
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            TransformerEncoderBlock c = cfg();
            long n = input.size(0), t = c.inTokens, d = c.inDim, m = c.mlpDim, r = n * t;
            INDArray dy = rows(epsilon, r, d);
            // MLP branch: y = x1 + fc2(gelu(fc1(ln2(x1))))
            INDArray du = bpWork(mgr, r, m);
            INDArray g = bpWork(mgr, r, m);
            Nd4j.gemm(dy, getParam(FC2_WEIGHT), du, false, false, 1.0, 0.0);   // dgelu = dy · W2
            TransformerMath.geluBackward(u, g, du);                          // g = gelu(u); du = dgelu ⊙ gelu'(u)
            Nd4j.gemm(dy, g, grad(FC2_WEIGHT), true, false, 1.0, 0.0);        // dW2 = dyᵀ · g
            grad(FC2_BIAS).assign(dy.sum(0));
            INDArray h = bpWork(mgr, r, d);
            TransformerMath.affine(xhat2, getParam(LN2_WEIGHT), getParam(LN2_BIAS), h);
            INDArray dh = bpWork(mgr, r, d);
            TransformerMath.linearBackward(du, h, getParam(FC1_WEIGHT), grad(FC1_WEIGHT), grad(FC1_BIAS), dh);
            TransformerMath.layerNormBackward(dh, xhat2, rstd2, getParam(LN2_WEIGHT), grad(LN2_WEIGHT), grad(LN2_BIAS), dh);
            INDArray dx1 = dh.addi(dy);                                      // dL/dx1, both paths
            // attention branch: x1 = x + proj(attention(qkv(ln1(x))))
            INDArray dAtt = bpWork(mgr, r, d);
            TransformerMath.linearBackward(dx1, attOut, getParam(PROJ_WEIGHT), grad(PROJ_WEIGHT), grad(PROJ_BIAS), dAtt);
            INDArray dQkv = bpWork(mgr, r, 3 * d);
            attention.backward(dAtt, dQkv, null);
            TransformerMath.affine(xhat1, getParam(LN1_WEIGHT), getParam(LN1_BIAS), h);
            TransformerMath.linearBackward(dQkv, h, getParam(QKV_WEIGHT), grad(QKV_WEIGHT), grad(QKV_BIAS), dAtt);
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
            INDArray dx2 = rows(dx, r, d);
            TransformerMath.layerNormBackward(dAtt, xhat1, rstd1, getParam(LN1_WEIGHT), grad(LN1_WEIGHT), grad(LN1_BIAS), dx2);
            dx2.addi(dx1);
            return dx;
        }

        @Override
        protected void release() {
            xhat1 = rstd1 = attOut = xhat2 = rstd2 = u = null;
            attention = null;
        }
    }
}
