package org.armfer.layers.transformer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The forward and backward pieces the transformer runtimes are made of, as ND4J ops on 2-D/3-D c-order arrays:
 * linear maps with PyTorch's weight layout {@code [out, in]}, LayerNorm, exact (erf) GELU, softmax, and PyTorch's
 * parameter initialisations. Outputs are written into arrays the caller allocated (in the DL4J workspace it chose).
 */
final class TransformerMath {

    static final double SQRT_HALF = Math.sqrt(0.5);
    static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    private TransformerMath() {
    }

    /** {@code out = x · wᵀ (+ b)}: x {@code [R, in]}, w {@code [out, in]}, b {@code [out]} or null, out {@code [R, out]}. */
    static INDArray linear(INDArray x, INDArray w, INDArray b, INDArray out) {
        Nd4j.gemm(x, w, out, false, true, 1.0, 0.0);
        if (b != null) {
            out.addiRowVector(b);
        }
        return out;
    }

    /**
     * Backward of {@link #linear}: {@code dW = dyᵀ · x} into {@code dW}, {@code db = Σ_rows dy} into {@code db} (if not
     * null), and {@code dx = dy · w} into {@code dx} (if not null).
     */
    static void linearBackward(INDArray dy, INDArray x, INDArray w, INDArray dW, INDArray db, INDArray dx) {
        Nd4j.gemm(dy, x, dW, true, false, 1.0, 0.0);
        if (db != null) {
            db.assign(dy.sum(0));
        }
        if (dx != null) {
            Nd4j.gemm(dy, w, dx, false, false, 1.0, 0.0);
        }
    }

    /**
     * LayerNorm over the last dimension of x {@code [R, D]} (biased variance, as PyTorch): writes the normalised
     * {@code xhat = (x - μ) / sqrt(σ² + eps)} and {@code rstd = 1 / sqrt(σ² + eps)} ({@code [R, 1]}) for the backward pass,
     * and {@code out = xhat·γ + β}. {@code out} may be null (only the statistics wanted).
     */
    static void layerNorm(INDArray x, INDArray gamma, INDArray beta, double eps, INDArray xhat, INDArray rstd, INDArray out) {
        INDArray mean = x.mean(true, 1);
        xhat.assign(x).subiColumnVector(mean);
        INDArray var = xhat.mul(xhat).mean(true, 1);
        rstd.assign(Transforms.pow(var.addi(eps), -0.5, false));
        xhat.muliColumnVector(rstd);
        if (out != null) {
            affine(xhat, gamma, beta, out);
        }
    }

    /** {@code out = xhat·γ + β} (row vectors γ, β of length D). */
    static INDArray affine(INDArray xhat, INDArray gamma, INDArray beta, INDArray out) {
        out.assign(xhat).muliRowVector(gamma).addiRowVector(beta);
        return out;
    }

    /**
     * Backward of LayerNorm: {@code dγ = Σ dy·xhat}, {@code dβ = Σ dy} (written into the gradient views), and
     * {@code dx = rstd·(dxhat - mean(dxhat) - xhat·mean(dxhat·xhat))} with {@code dxhat = dy·γ}, written into {@code dx}
     * (which may be {@code dy} itself).
     */
    static void layerNormBackward(INDArray dy, INDArray xhat, INDArray rstd, INDArray gamma, INDArray dGamma, INDArray dBeta,
                                  INDArray dx) {
        dGamma.assign(dy.mul(xhat).sum(0));
        dBeta.assign(dy.sum(0));
        INDArray dxhat = dy.mulRowVector(gamma);
        INDArray m1 = dxhat.mean(true, 1);
        INDArray m2 = dxhat.mul(xhat).mean(true, 1);
        dxhat.subiColumnVector(m1).subi(xhat.mulColumnVector(m2)).muliColumnVector(rstd);
        dx.assign(dxhat);
    }

    /** erf(u / √2), the piece both GELU passes need. */
    static INDArray erfHalf(INDArray u) {
        INDArray e = u.mul(SQRT_HALF);
        Nd4j.exec(new Erf(e, e));
        return e;
    }

    /** Exact GELU (PyTorch's {@code nn.GELU()}, approximate='none'): {@code out = u·Φ(u) = 0.5·u·(1 + erf(u/√2))}. */
    static INDArray gelu(INDArray u, INDArray out) {
        INDArray e = erfHalf(u);
        out.assign(e.addi(1.0).muli(u).muli(0.5));
        return out;
    }

    /**
     * GELU's value and derivative at u: writes {@code gelu(u)} into {@code value} (if not null) and multiplies
     * {@code grad} in place by {@code gelu'(u) = Φ(u) + u·φ(u)}.
     */
    static void geluBackward(INDArray u, INDArray value, INDArray grad) {
        INDArray phi = u.mul(u).muli(-0.5);                 // -u²/2
        phi = Transforms.exp(phi, false).muli(INV_SQRT_2PI).muli(u); // u·φ(u)
        INDArray cdf = erfHalf(u).addi(1.0).muli(0.5);     // Φ(u)
        if (value != null) {
            value.assign(cdf).muli(u);
        }
        grad.muli(cdf.addi(phi));
    }

    /** Softmax over the last dimension, in place. */
    static INDArray softmaxInPlace(INDArray x) {
        Nd4j.exec(new SoftMax(x, x, x.rank() - 1));
        return x;
    }

    /**
     * Backward of softmax over the last dimension of 2-D views {@code p}, {@code dp} ({@code [rows, L]}):
     * {@code dp ← p ⊙ (dp - Σ_j dp_j p_j)}, in place in {@code dp}.
     */
    static INDArray softmaxBackwardInPlace(INDArray p, INDArray dp) {
        INDArray s = dp.mul(p).sum(true, 1);
        dp.subiColumnVector(s).muli(p);
        return dp;
    }

    // ---------------------------------------------------------------------------------------------- initialisation

    /** torch.nn.init.trunc_normal_(std, a=-2, b=2): normal(0, std), values outside [-2, 2] redrawn (clamped here). */
    static void truncNormal(INDArray a, double std) {
        INDArray r = Nd4j.randn(a.dataType() == DataType.HALF ? DataType.FLOAT : a.dataType(), a.shape()).muli(std);
        a.assign(Transforms.min(Transforms.max(r, -2.0, false), 2.0, false));
    }

    /** Normal(0, std). */
    static void normal(INDArray a, double std) {
        a.assign(Nd4j.randn(a.dataType() == DataType.HALF ? DataType.FLOAT : a.dataType(), a.shape()).muli(std));
    }

    /** Uniform(-bound, bound). */
    static void uniform(INDArray a, double bound) {
        a.assign(Nd4j.rand(a.dataType() == DataType.HALF ? DataType.FLOAT : a.dataType(), a.shape()).muli(2 * bound).subi(bound));
    }

    /** torch.nn.init.xavier_uniform_ for a {@code [out, in]} weight. */
    static void xavierUniform(INDArray w, long fanIn, long fanOut) {
        uniform(w, Math.sqrt(6.0 / (fanIn + fanOut)));
    }

    /** PyTorch's default Linear/Conv weight init, kaiming_uniform_(a=√5): Uniform(±1/√fanIn). */
    static void torchDefault(INDArray w, long fanIn) {
        uniform(w, 1.0 / Math.sqrt(fanIn));
    }
}
