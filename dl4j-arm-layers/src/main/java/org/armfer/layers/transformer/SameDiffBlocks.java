package org.armfer.layers.transformer;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The transformer layers' definitions in SameDiff ops (their {@code defineLayer}): what the direct runtimes compute,
 * written the straightforward way, so that SameDiff's automatic differentiation checks the hand-written backward
 * passes. Shapes use -1 for the batch dimension, as DL4J's SameDiff layers define their input placeholder.
 */
final class SameDiffBlocks {

    private SameDiffBlocks() {
    }

    /** LayerNorm over the last dimension of an input of the given rank. */
    static SDVariable layerNorm(SDVariable x, SDVariable gamma, SDVariable beta, double eps, int rank) {
        int last = rank - 1;
        SDVariable mean = x.mean(true, last);
        SDVariable centred = x.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, last);
        SDVariable rstd = var.add(eps).pow(-0.5);
        return centred.mul(rstd).mul(gamma).add(beta);
    }

    /** {@code x · wᵀ + b} for 2-D x {@code [R, in]}, w {@code [out, in]}, b {@code [out]} or null. */
    static SDVariable linear(SameDiff sd, SDVariable x, SDVariable w, SDVariable b) {
        SDVariable y = sd.mmul(x, w, false, true, false);
        return b == null ? y : y.add(b);
    }

    /** Exact GELU: {@code 0.5·u·(1 + erf(u/√2))}. */
    static SDVariable gelu(SameDiff sd, SDVariable u) {
        return u.mul(0.5).mul(sd.math().erf(u.mul(TransformerMath.SQRT_HALF)).add(1.0));
    }

    /**
     * Multi-head scaled dot-product attention of 2-D {@code qkv} rows {@code [B·L, 3D]} (q, k, v side by side, each
     * split into {@code heads} heads of {@code D/heads}), optionally with an additive bias {@code [nW, H, L, L]} before
     * the softmax, group b taking row {@code b mod nW} ({@code biasWindows} = nW). Returns {@code [B·L, D]} (heads
     * concatenated, as PyTorch's).
     */
    static SDVariable attention(SameDiff sd, SDVariable qkv, long length, long dim, int heads, SDVariable bias,
                                int biasWindows) {
        long dh = dim / heads;
        // [B, L, 3, H, dh] -> [3, B, H, L, dh]
        SDVariable split = qkv.reshape(-1, length, 3, heads, dh).permute(2, 0, 3, 1, 4);
        SDVariable q = split.get(org.nd4j.autodiff.samediff.SDIndex.point(0)).mul(1.0 / Math.sqrt(dh));
        SDVariable k = split.get(org.nd4j.autodiff.samediff.SDIndex.point(1));
        SDVariable v = split.get(org.nd4j.autodiff.samediff.SDIndex.point(2));
        SDVariable s = sd.mmul(q, k, false, true, false);            // [B, H, L, L]
        if (bias != null) {
            s = s.reshape(-1, biasWindows, heads, length, length).add(bias.reshape(biasWindows, heads, length, length))
                    .reshape(-1, heads, length, length);
        }
        SDVariable p = sd.nn().softmax(s, 3);
        SDVariable o = sd.mmul(p, v);                                  // [B, H, L, dh]
        return o.permute(0, 2, 1, 3).reshape(-1, dim);
    }

    /** A constant of the network's data type. */
    static SDVariable constant(SameDiff sd, DataType dt, double[][] values) {
        INDArray a = Nd4j.createFromArray(values).castTo(dt);
        return sd.constant(a);
    }

    static SDVariable constant(SameDiff sd, DataType dt, INDArray values) {
        return sd.constant(values.castTo(dt));
    }

    /**
     * {@code x [N, A, B, C] -> [N, A', B, C]} with {@code out[:, a'] = Σ_a x[:, a]·m[a][a']} along dimension 1, for a
     * constant matrix {@code m [A, A']} (a padding, a cyclic shift, a crop, or their compositions).
     */
    static SDVariable mixDim1(SameDiff sd, SDVariable x, SDVariable m, long a, long aOut, long b, long c) {
        // [N, A, B·C] -> [N, B·C, A] -> [N·B·C, A] x [A, A'] -> [N, B·C, A'] -> [N, A', B, C]
        SDVariable t = x.reshape(-1, a, b * c).permute(0, 2, 1).reshape(-1, a);
        return t.mmul(m).reshape(-1, b * c, aOut).permute(0, 2, 1).reshape(-1, aOut, b, c);
    }

    /** As {@link #mixDim1} along dimension 2 of {@code [N, A, B, C]}: {@code [N, A, B', C]}. */
    static SDVariable mixDim2(SameDiff sd, SDVariable x, SDVariable m, long a, long b, long bOut, long c) {
        // [N·A, B, C] -> [N·A, C, B] -> [N·A·C, B] x [B, B'] -> [N·A, C, B'] -> [N, A, B', C]
        SDVariable t = x.reshape(-1, b, c).permute(0, 2, 1).reshape(-1, b);
        return t.mmul(m).reshape(-1, c, bOut).permute(0, 2, 1).reshape(-1, a, bOut, c);
    }
}
