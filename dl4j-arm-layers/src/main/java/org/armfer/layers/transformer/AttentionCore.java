package org.armfer.layers.transformer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Multi-head scaled dot-product attention over B independent groups of L tokens (a ViT's sequences, a Swin's windows)
 * from the packed projection {@code qkv [B·L, 3D]} (q, k and v side by side, as PyTorch's {@code in_proj} and Swin's
 * {@code qkv} produce them), forward and backward, with an optional additive bias {@code [nW, H, L, L]} before the
 * softmax that group b takes from row {@code b mod nW} (Swin's relative position bias plus the shifted-window mask).
 * The arrays the backward pass reads are the fields of an instance, allocated by the caller.
 */
final class AttentionCore {

    final long groups;
    final long length;
    final long dim;
    final int heads;
    final long headDim;
    final double scale;

    /** q·scale, k, v per head, {@code [B·H, L, dh]}. */
    INDArray q;
    INDArray k;
    INDArray v;
    /** Attention probabilities {@code [B·H, L, L]}. */
    INDArray p;

    AttentionCore(long groups, long length, long dim, int heads) {
        this.groups = groups;
        this.length = length;
        this.dim = dim;
        this.heads = heads;
        this.headDim = dim / heads;
        this.scale = 1.0 / Math.sqrt(headDim);
    }

    long[] headShape() {
        return new long[]{groups * heads, length, headDim};
    }

    long[] probShape() {
        return new long[]{groups * heads, length, length};
    }

    private static INDArrayIndex[] part(int which) {
        return new INDArrayIndex[]{NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(which), NDArrayIndex.all(),
                NDArrayIndex.all()};
    }

    /**
     * Forward: splits {@code qkv} into the heads (into {@link #q}, {@link #k}, {@link #v}, which the caller allocated),
     * computes {@link #p} and writes the heads' outputs, concatenated, into {@code out [B·L, D]}.
     */
    void forward(INDArray qkv, INDArray bias, INDArray out) {
        INDArray qkv5 = qkv.reshape('c', groups, length, 3, heads, headDim);
        q.reshape('c', groups, heads, length, headDim).assign(qkv5.get(part(0)).permute(0, 2, 1, 3));
        q.muli(scale);
        k.reshape('c', groups, heads, length, headDim).assign(qkv5.get(part(1)).permute(0, 2, 1, 3));
        v.reshape('c', groups, heads, length, headDim).assign(qkv5.get(part(2)).permute(0, 2, 1, 3));
        Nd4j.matmul(q, k, p, false, true, false);
        if (bias != null) {
            long perBias = bias.length();
            p.reshape('c', groups * heads * length * length / perBias, perBias).addiRowVector(bias.reshape('c', new long[]{perBias}));
        }
        TransformerMath.softmaxInPlace(p);
        INDArray o = Nd4j.matmul(p, v, false, false, false);             // [B·H, L, dh]
        out.reshape('c', groups, length, heads, headDim).assign(o.reshape('c', groups, heads, length, headDim).permute(0, 2, 1, 3));
    }

    /**
     * Backward: from dL/dout {@code [B·L, D]} writes dL/dqkv into {@code dQkv [B·L, 3D]} and, when {@code dBias} is not
     * null, the gradient of the bias summed over the groups that share each of its rows ({@code [nW, H, L, L]}).
     */
    void backward(INDArray dOut, INDArray dQkv, INDArray dBias) {
        INDArray dO = dOut.reshape('c', groups, length, heads, headDim).permute(0, 2, 1, 3).dup('c')
                .reshape('c', groups * heads, length, headDim);
        INDArray dP = Nd4j.matmul(dO, v, false, true, false);             // [B·H, L, L]
        INDArray dV = Nd4j.matmul(p, dO, true, false, false);             // [B·H, L, dh]
        // softmax backward: dS = P ⊙ (dP - Σ dP ⊙ P)
        TransformerMath.softmaxBackwardInPlace(p.reshape('c', groups * heads * length, length),
                dP.reshape('c', groups * heads * length, length));
        if (dBias != null) {
            long perBias = dBias.length();
            dBias.assign(dP.reshape('c', groups * heads * length * length / perBias, perBias).sum(0).reshape(dBias.shape()));
        }
        INDArray dQ = Nd4j.matmul(dP, k, false, false, false).muli(scale); // d(q) = scale · dS · k
        INDArray dK = Nd4j.matmul(dP, q, true, false, false);              // dS^T · (q·scale)
        INDArray d5 = dQkv.reshape('c', groups, length, 3, heads, headDim);
        d5.get(part(0)).assign(dQ.reshape('c', groups, heads, length, headDim).permute(0, 2, 1, 3));
        d5.get(part(1)).assign(dK.reshape('c', groups, heads, length, headDim).permute(0, 2, 1, 3));
        d5.get(part(2)).assign(dV.reshape('c', groups, heads, length, headDim).permute(0, 2, 1, 3));
    }
}
