package org.armfer.layers.transformer;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.Objects;

/**
 * Swin's patch merging (torchvision's {@code PatchMerging}, v1): a grid {@code [N, H, W, C]} is zero-padded to even
 * height and width, each 2x2 neighbourhood's four tokens are concatenated in torchvision's order
 * {@code x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]} to {@code 4C} channels, normalised
 * ({@code LayerNorm(4C)}) and reduced by a linear map without bias to {@code 2C}: output {@code [N, ceil(H/2),
 * ceil(W/2), 2C]}.
 * <p>
 * Parameters (torchvision key in brackets): {@value #NORM_WEIGHT} / {@value #NORM_BIAS} {@code [4C]} ({@code norm.*}),
 * {@value #WEIGHT} {@code [2C, 4C]} ({@code reduction.weight}; truncated normal, std 0.02, as torchvision's Swin).
 */
public class PatchMerging extends TokenLayer {

    public static final String NORM_WEIGHT = "normW";
    public static final String NORM_BIAS = "normb";
    public static final String WEIGHT = "W";

    private double eps;

    protected PatchMerging(Builder builder) {
        super(builder);
        this.eps = builder.eps;
    }

    private PatchMerging() {
        // for JSON
    }

    public double getEps() {
        return eps;
    }

    @Override
    protected boolean accepts(Layout layout) {
        return layout == Layout.GRID;
    }

    @Override
    protected InputType outputType(Layout layout, long tokens, long height, long width, long dim) {
        return InputType.convolutional((height + 1) / 2, (width + 1) / 2, 2 * dim, CNN2DFormat.NHWC);
    }

    long outHeight() {
        return (inHeight + 1) / 2;
    }

    long outWidth() {
        return (inWidth + 1) / 2;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputShape();
        params.addBiasParam(NORM_WEIGHT, 4 * inDim);
        params.addBiasParam(NORM_BIAS, 4 * inDim);
        params.addWeightParam(WEIGHT, 2 * inDim, 4 * inDim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(NORM_WEIGHT).assign(1.0);
        params.get(NORM_BIAS).assign(0.0);
        TransformerMath.truncNormal(params.get(WEIGHT), 0.02);
    }

    /**
     * For every output token and each of its four parts (in torchvision's concatenation order), the input row it
     * takes ({@code n·H·W} for padding, a zero row).
     */
    int[] gatherRows(int n) {
        int h = (int) inHeight, w = (int) inWidth, ho = (int) outHeight(), wo = (int) outWidth();
        int[] dh = {0, 1, 0, 1};
        int[] dw = {0, 0, 1, 1};
        int[] out = new int[n * ho * wo * 4];
        int p = 0;
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    for (int k = 0; k < 4; k++) {
                        int y = 2 * i + dh[k], x = 2 * j + dw[k];
                        out[p++] = y < h && x < w ? (b * h + y) * w + x : n * h * w;
                    }
                }
            }
        }
        return out;
    }

    /** The inverse of {@link #gatherRows} on the input's rows: where each input row went. */
    int[] scatterRows(int n) {
        int[] g = gatherRows(n);
        int[] out = new int[(int) (n * inHeight * inWidth)];
        for (int p = 0; p < g.length; p++) {
            if (g[p] < out.length) {
                out[g[p]] = p;
            }
        }
        return out;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        requireInputShape();
        DataType dt = input.dataType();
        long c = inDim, ho = outHeight(), wo = outWidth();
        SDVariable x = input.reshape(-1, inHeight, inWidth, c);
        if (2 * ho != inHeight) {
            x = SameDiffBlocks.mixDim1(sd, x, SameDiffBlocks.constant(sd, dt,
                    SwinWindows.padRollMatrix((int) inHeight, (int) (2 * ho), 0)), inHeight, 2 * ho, inWidth, c);
        }
        if (2 * wo != inWidth) {
            x = SameDiffBlocks.mixDim2(sd, x, SameDiffBlocks.constant(sd, dt,
                    SwinWindows.padRollMatrix((int) inWidth, (int) (2 * wo), 0)), 2 * ho, inWidth, 2 * wo, c);
        }
        // [N, Ho, dh, Wo, dw, C] -> [N, Ho, Wo, dw, dh, C]: part k = dw·2 + dh, torchvision's x0, x1, x2, x3
        SDVariable merged = x.reshape(-1, ho, 2, wo, 2, c).permute(0, 1, 3, 4, 2, 5).reshape(-1, 4 * c);
        SDVariable h = SameDiffBlocks.layerNorm(merged, p.get(NORM_WEIGHT), p.get(NORM_BIAS), eps, 2);
        return SameDiffBlocks.linear(sd, h, p.get(WEIGHT), null).reshape(-1, ho, wo, 2 * c);
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Double.compare(eps, ((PatchMerging) o).eps) == 0;
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

        /** LayerNorm epsilon, finite and > 0 (default 1e-5). */
        public Builder eps(double eps) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("PatchMerging: eps must be a finite number > 0, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public PatchMerging build() {
            return new PatchMerging(this);
        }
    }

    /** The direct implementation: one row gather, LayerNorm, one matrix product. */
    static final class Runtime extends TokenRuntime {
        private int rowsFor = -1;
        private int[] gather;
        private int[] scatter;
        private INDArray xhat;
        private INDArray rstd;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private PatchMerging cfg() {
            return (PatchMerging) layerConf();
        }

        private void indices(int n) {
            if (rowsFor != n) {
                gather = cfg().gatherRows(n);
                scatter = cfg().scatterRows(n);
                rowsFor = n;
            }
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            PatchMerging c = cfg();
            int n = (int) input.size(0);
            indices(n);
            long ch = c.inDim, r = n * c.inHeight * c.inWidth, ro = n * c.outHeight() * c.outWidth();
            INDArray src = work(mgr, r + 1, ch);                 // the input and a zero row (padding)
            src.get(NDArrayIndex.interval(0, r), NDArrayIndex.all()).assign(rows(input, r, ch));
            src.get(NDArrayIndex.point(r), NDArrayIndex.all()).assign(0.0);
            INDArray merged = work(mgr, ro * 4, ch);
            Nd4j.pullRows(src, merged, 1, gather);
            xhat = keep(training, mgr, ro, 4 * ch);
            rstd = keep(training, mgr, ro, 1);
            INDArray h = work(mgr, ro, 4 * ch);
            TransformerMath.layerNorm(merged.reshape('c', ro, 4 * ch), getParam(NORM_WEIGHT), getParam(NORM_BIAS), c.eps, xhat, rstd, h);
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                    new long[]{n, c.outHeight(), c.outWidth(), 2 * ch}, 'c');
            TransformerMath.linear(h, getParam(WEIGHT), null, rows(out, ro, 2 * ch));
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            PatchMerging c = cfg();
            int n = (int) input.size(0);
            indices(n);
            long ch = c.inDim, r = n * c.inHeight * c.inWidth, ro = n * c.outHeight() * c.outWidth();
            INDArray dy = rows(epsilon, ro, 2 * ch);
            INDArray h = bpWork(mgr, ro, 4 * ch);
            TransformerMath.affine(xhat, getParam(NORM_WEIGHT), getParam(NORM_BIAS), h);
            INDArray dh = bpWork(mgr, ro, 4 * ch);
            TransformerMath.linearBackward(dy, h, getParam(WEIGHT), grad(WEIGHT), null, dh);
            TransformerMath.layerNormBackward(dh, xhat, rstd, getParam(NORM_WEIGHT), grad(NORM_WEIGHT), grad(NORM_BIAS), dh);
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
            // every input row is one part of exactly one output token
            Nd4j.pullRows(dh.reshape('c', ro * 4, ch), rows(dx, r, ch), 1, scatter);
            return dx;
        }

        @Override
        protected void release() {
            xhat = rstd = null;
        }
    }
}
