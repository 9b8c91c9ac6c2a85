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
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.Objects;

/**
 * One Swin Transformer block, exactly torchvision's {@code SwinTransformerBlock} (v1, dropout 0), on a token grid
 * {@code [N, H, W, C]}:
 * <pre>
 *   x = x + StochasticDepth(W-MSA(LN1(x)))       (shifted) window attention with relative position bias
 *   y = x + StochasticDepth(MLP(LN2(x)))         MLP = Linear(C, M) -> GELU (exact) -> Linear(M, C)
 * </pre>
 * Window attention as torchvision's {@code shifted_window_attention}: the normalised map is zero-padded to multiples
 * of the window size, cyclically shifted by {@code -shift} (a shift is dropped where the window covers the padded
 * dimension), cut into {@code ws x ws} windows; in each, multi-head attention
 * {@code softmax(q·kᵀ/sqrt(C/heads) + B + mask)·v} with the relative position bias B gathered from a learned table
 * {@code [(2ws-1)², heads]} and, for shifted windows, torchvision's mask (-100 between tokens from different regions of
 * the rolled map); then the output projection, the windows put back, the shift undone and the padding cut off.
 * Padded positions take part in the attention as zero tokens (their keys and values are the projections' biases), as
 * in torchvision. LayerNorm eps default 1e-5.
 * <p>
 * Stochastic depth ({@code stochasticDepth(p)}, torchvision's {@code StochasticDepth(p, "row")}): in training each
 * example's residual branch is dropped with probability p and otherwise scaled by {@code 1/(1-p)}, independently for
 * the two branches; identity at inference. The SameDiff definition ({@code defineLayer}) is the inference function.
 * <p>
 * Parameters (torchvision key in brackets): {@value #NORM1_WEIGHT}/{@value #NORM1_BIAS} {@code [C]} ({@code norm1.*}),
 * {@value #QKV_WEIGHT} {@code [3C, C]} / {@value #QKV_BIAS} ({@code attn.qkv.*}), {@value #PROJ_WEIGHT} /
 * {@value #PROJ_BIAS} ({@code attn.proj.*}), {@value #RELATIVE_BIAS} {@code [(2ws-1)², heads]}
 * ({@code attn.relative_position_bias_table}), {@value #NORM2_WEIGHT}/{@value #NORM2_BIAS} ({@code norm2.*}),
 * {@value #FC1_WEIGHT} {@code [M, C]} / {@value #FC1_BIAS} ({@code mlp.0.*}), {@value #FC2_WEIGHT} / {@value #FC2_BIAS}
 * ({@code mlp.3.*}). Initialisation as torchvision's SwinTransformer: every Linear weight truncated normal (std 0.02)
 * with zero bias, the bias table truncated normal (std 0.02), LayerNorm 1 / 0.
 */
public class SwinBlock extends TokenLayer {

    public static final String NORM1_WEIGHT = "norm1W";
    public static final String NORM1_BIAS = "norm1b";
    public static final String QKV_WEIGHT = "qkvW";
    public static final String QKV_BIAS = "qkvb";
    public static final String PROJ_WEIGHT = "projW";
    public static final String PROJ_BIAS = "projb";
    public static final String RELATIVE_BIAS = "relBias";
    public static final String NORM2_WEIGHT = "norm2W";
    public static final String NORM2_BIAS = "norm2b";
    public static final String FC1_WEIGHT = "fc1W";
    public static final String FC1_BIAS = "fc1b";
    public static final String FC2_WEIGHT = "fc2W";
    public static final String FC2_BIAS = "fc2b";

    private int heads;
    private int windowSize;
    private int shiftSize;
    private long mlpDim;
    private double eps;
    private double stochasticDepth;

    protected SwinBlock(Builder builder) {
        super(builder);
        this.heads = builder.heads;
        this.windowSize = builder.windowSize;
        this.shiftSize = builder.shiftSize;
        this.mlpDim = builder.mlpDim;
        this.eps = builder.eps;
        this.stochasticDepth = builder.stochasticDepth;
    }

    private SwinBlock() {
        // for JSON
    }

    public int getHeads() {
        return heads;
    }

    public int getWindowSize() {
        return windowSize;
    }

    public int getShiftSize() {
        return shiftSize;
    }

    /** MLP hidden width M; 0 means 4·C (torchvision's mlp_ratio 4). */
    public long getMlpDim() {
        return mlpDim;
    }

    public double getEps() {
        return eps;
    }

    public double getStochasticDepth() {
        return stochasticDepth;
    }

    long hidden() {
        return mlpDim > 0 ? mlpDim : 4 * inDim;
    }

    @Override
    protected boolean accepts(Layout layout) {
        return layout == Layout.GRID;
    }

    @Override
    protected void validateGeometry() {
        if (inDim % heads != 0) {
            throw new IllegalArgumentException(who() + ": channels " + inDim + " are not divisible by heads " + heads
                    + "; allowed: heads dividing " + inDim);
        }
    }

    /** The window geometry for the recorded input. */
    SwinWindows geometry() {
        requireInputShape();
        return new SwinWindows(inHeight, inWidth, windowSize, shiftSize);
    }

    /** The shifts torchvision applies to this input (0 in a dimension the window covers), {height, width}. */
    public int[] effectiveShift() {
        SwinWindows g = geometry();
        return new int[]{g.shiftH, g.shiftW};
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputShape();
        long c = inDim, m = hidden();
        long table = (2L * windowSize - 1) * (2L * windowSize - 1);
        params.addBiasParam(NORM1_WEIGHT, c);
        params.addBiasParam(NORM1_BIAS, c);
        params.addWeightParam(QKV_WEIGHT, 3 * c, c);
        params.addBiasParam(QKV_BIAS, 3 * c);
        params.addWeightParam(PROJ_WEIGHT, c, c);
        params.addBiasParam(PROJ_BIAS, c);
        params.addBiasParam(RELATIVE_BIAS, table, heads);
        params.addBiasParam(NORM2_WEIGHT, c);
        params.addBiasParam(NORM2_BIAS, c);
        params.addWeightParam(FC1_WEIGHT, m, c);
        params.addBiasParam(FC1_BIAS, m);
        params.addWeightParam(FC2_WEIGHT, c, m);
        params.addBiasParam(FC2_BIAS, c);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> p) {
        for (String w : new String[]{NORM1_WEIGHT, NORM2_WEIGHT}) {
            p.get(w).assign(1.0);
        }
        for (String b : new String[]{NORM1_BIAS, NORM2_BIAS, QKV_BIAS, PROJ_BIAS, FC1_BIAS, FC2_BIAS}) {
            p.get(b).assign(0.0);
        }
        for (String w : new String[]{QKV_WEIGHT, PROJ_WEIGHT, FC1_WEIGHT, FC2_WEIGHT, RELATIVE_BIAS}) {
            TransformerMath.truncNormal(p.get(w), 0.02);
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        SwinWindows g = geometry();
        DataType dt = input.dataType();
        long c = inDim;
        int ws = windowSize, l = g.tokens;
        SDVariable x = input.reshape(-1, inHeight, inWidth, c);
        SDVariable h = SameDiffBlocks.layerNorm(x, p.get(NORM1_WEIGHT), p.get(NORM1_BIAS), eps, 4);
        // pad and roll (constant matrices), then windows [N·nW·L, C]
        SDVariable pw = SameDiffBlocks.constant(sd, dt, SwinWindows.padRollMatrix(g.width, g.paddedWidth, g.shiftW));
        SDVariable ph = SameDiffBlocks.constant(sd, dt, SwinWindows.padRollMatrix(g.height, g.paddedHeight, g.shiftH));
        SDVariable rolled = SameDiffBlocks.mixDim2(sd, h, pw, g.height, g.width, g.paddedWidth, c);
        rolled = SameDiffBlocks.mixDim1(sd, rolled, ph, g.height, g.paddedHeight, g.paddedWidth, c);
        SDVariable windows = rolled.reshape(-1, g.windowsDown, ws, g.windowsAcross, ws, c).permute(0, 1, 3, 2, 4, 5)
                .reshape(-1, c);
        SDVariable qkv = SameDiffBlocks.linear(sd, windows, p.get(QKV_WEIGHT), p.get(QKV_BIAS));
        // relative position bias [1 or nW, H, L, L]
        SDVariable oneHot = SameDiffBlocks.constant(sd, dt, SwinWindows.relativePositionOneHot(ws));
        SDVariable bias = oneHot.mmul(p.get(RELATIVE_BIAS)).permute(1, 0).reshape(1, heads, l, l);
        int biasWindows = 1;
        double[][] m = g.mask();
        if (m != null) {
            SDVariable maskVar = SameDiffBlocks.constant(sd, dt, m).reshape(g.windows, 1, l, l);
            bias = bias.add(maskVar);
            biasWindows = g.windows;
        }
        SDVariable att = SameDiffBlocks.attention(sd, qkv, l, c, heads, bias, biasWindows);
        SDVariable proj = SameDiffBlocks.linear(sd, att, p.get(PROJ_WEIGHT), p.get(PROJ_BIAS));
        // windows back to the map, shift undone, padding cut off
        SDVariable back = proj.reshape(-1, g.windowsDown, g.windowsAcross, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
                .reshape(-1, g.paddedHeight, g.paddedWidth, c);
        back = SameDiffBlocks.mixDim1(sd, back, ph.permute(1, 0), g.paddedHeight, g.height, g.paddedWidth, c);
        back = SameDiffBlocks.mixDim2(sd, back, pw.permute(1, 0), g.height, g.paddedWidth, g.width, c);
        SDVariable x1 = x.add(back).reshape(-1, c);
        SDVariable h2 = SameDiffBlocks.layerNorm(x1, p.get(NORM2_WEIGHT), p.get(NORM2_BIAS), eps, 2);
        SDVariable u = SameDiffBlocks.linear(sd, h2, p.get(FC1_WEIGHT), p.get(FC1_BIAS));
        SDVariable mlp = SameDiffBlocks.linear(sd, SameDiffBlocks.gelu(sd, u), p.get(FC2_WEIGHT), p.get(FC2_BIAS));
        return x1.add(mlp).reshape(-1, inHeight, inWidth, c);
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        SwinBlock that = (SwinBlock) o;
        return heads == that.heads && windowSize == that.windowSize && shiftSize == that.shiftSize && mlpDim == that.mlpDim
                && Double.compare(eps, that.eps) == 0 && Double.compare(stochasticDepth, that.stochasticDepth) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), heads, windowSize, shiftSize, mlpDim, eps, stochasticDepth);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends TokenLayer.Builder<Builder> {
        private int heads;
        private int windowSize = 7;
        private int shiftSize;
        private long mlpDim;
        private double eps = 1e-5;
        private double stochasticDepth;

        /** Attention heads >= 1 (required); must divide the channels. */
        public Builder heads(int heads) {
            if (heads < 1) {
                throw new IllegalArgumentException("SwinBlock: heads must be >= 1, got " + heads);
            }
            this.heads = heads;
            return this;
        }

        /** Window side ws >= 1 (default 7). */
        public Builder windowSize(int ws) {
            if (ws < 1) {
                throw new IllegalArgumentException("SwinBlock: windowSize must be >= 1, got " + ws);
            }
            this.windowSize = ws;
            return this;
        }

        /** Cyclic shift, 0 <= shift < windowSize (default 0; torchvision: ws/2 for every second block). */
        public Builder shiftSize(int shift) {
            if (shift < 0) {
                throw new IllegalArgumentException("SwinBlock: shiftSize must be >= 0 and < windowSize, got " + shift);
            }
            this.shiftSize = shift;
            return this;
        }

        /** MLP hidden width M >= 1 (default 4·C, torchvision's mlp_ratio 4). */
        public Builder mlpDim(long m) {
            if (m < 1) {
                throw new IllegalArgumentException("SwinBlock: mlpDim must be >= 1, got " + m);
            }
            this.mlpDim = m;
            return this;
        }

        /** LayerNorm epsilon, finite and > 0 (default 1e-5). */
        public Builder eps(double eps) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("SwinBlock: eps must be a finite number > 0, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        /** Stochastic-depth drop probability, 0 <= p < 1 (default 0). */
        public Builder stochasticDepth(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("SwinBlock: stochasticDepth must be in [0, 1), got " + p);
            }
            this.stochasticDepth = p;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SwinBlock build() {
            if (heads < 1) {
                throw new IllegalStateException("SwinBlock: heads is required");
            }
            if (shiftSize >= windowSize) {
                throw new IllegalStateException("SwinBlock: shiftSize " + shiftSize + " must be < windowSize " + windowSize);
            }
            return new SwinBlock(this);
        }
    }

    /** The direct implementation. */
    static final class Runtime extends TokenRuntime {
        private INDArray xhat1;
        private INDArray rstd1;
        private INDArray windowsIn;
        private INDArray attOut;
        private INDArray xhat2;
        private INDArray rstd2;
        private INDArray u;
        private AttentionCore attention;
        /** Per-example stochastic-depth factors of the two branches (null: identity). */
        private double[] keepAttention;
        private double[] keepMlp;

        // constants, made once per batch size / data type
        private SwinWindows geometry;
        private int rowsFor = -1;
        private int[] windowRows;
        private int[] imageRows;
        private INDArray oneHot;
        private INDArray maskHeads;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private SwinBlock cfg() {
            return (SwinBlock) layerConf();
        }

        private void constants(int n, DataType dt) {
            if (geometry == null) {
                geometry = cfg().geometry();
            }
            if (rowsFor != n) {
                windowRows = geometry.windowRows(n);
                imageRows = geometry.imageRows(n);
                rowsFor = n;
            }
            if (oneHot == null || oneHot.dataType() != dt) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    oneHot = Nd4j.createFromArray(SwinWindows.relativePositionOneHot(cfg().windowSize)).castTo(dt);
                    double[][] m = geometry.mask();
                    if (m != null) {
                        // [nW, H·L·L]: the mask repeated for every head
                        int heads = cfg().heads, ll = geometry.tokens * geometry.tokens;
                        double[][] rep = new double[m.length][heads * ll];
                        for (int w = 0; w < m.length; w++) {
                            for (int h = 0; h < heads; h++) {
                                System.arraycopy(m[w], 0, rep[w], h * ll, ll);
                            }
                        }
                        maskHeads = Nd4j.createFromArray(rep).castTo(dt);
                    } else {
                        maskHeads = null;
                    }
                }
            }
        }

        /** The bias added to the attention logits: {@code [nW or 1, H·L·L]} (relative position bias + mask). */
        private INDArray attentionBias(LayerWorkspaceMgr mgr, boolean bp) {
            int heads = cfg().heads, ll = geometry.tokens * geometry.tokens;
            INDArray table = getParam(RELATIVE_BIAS);                              // [T, H]
            INDArray perToken = Nd4j.gemm(oneHot, table, false, false);           // [L·L, H]
            INDArray perHead = perToken.transpose().dup('c').reshape('c', new long[]{(long) heads * ll});
            if (maskHeads == null) {
                return perHead.reshape('c', 1, (long) heads * ll);
            }
            return maskHeads.addRowVector(perHead);
        }

        /** torchvision's StochasticDepth(p, "row"): per example 0 with probability p, else 1/(1-p); null when off. */
        private double[] dropPath(boolean training, int n) {
            double p = cfg().stochasticDepth;
            if (!training || p == 0) {
                return null;
            }
            double[] f = new double[n];
            for (int i = 0; i < n; i++) {
                f[i] = Nd4j.getRandom().nextDouble() < p ? 0.0 : 1.0 / (1 - p);
            }
            return f;
        }

        /** Scales each example's rows of {@code a} ({@code [n·rows, C]}) by its factor. */
        private static void scaleExamples(INDArray a, int n, double[] factors) {
            INDArray f = Nd4j.createFromArray(factors).castTo(a.dataType()).reshape(n, 1);
            a.reshape('c', n, a.length() / n).muliColumnVector(f);
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            SwinBlock c = cfg();
            int n = (int) input.size(0);
            DataType dt = input.dataType();
            constants(n, dt);
            SwinWindows g = geometry;
            long ch = c.inDim, m = c.hidden(), r = (long) n * g.height * g.width;
            long wr = (long) n * g.windows * g.tokens;
            INDArray x = rows(input, r, ch);
            // attention branch
            xhat1 = keep(training, mgr, r, ch);
            rstd1 = keep(training, mgr, r, 1);
            INDArray hBuf = work(mgr, r + 1, ch);                 // the normalised map and one zero row (padding)
            INDArray h = hBuf.get(NDArrayIndex.interval(0, r), NDArrayIndex.all());
            hBuf.get(NDArrayIndex.point(r), NDArrayIndex.all()).assign(0.0);
            TransformerMath.layerNorm(x, getParam(NORM1_WEIGHT), getParam(NORM1_BIAS), c.eps, xhat1, rstd1, h);
            windowsIn = keep(training, mgr, wr, ch);
            Nd4j.pullRows(hBuf, windowsIn, 1, windowRows);
            INDArray qkv = work(mgr, wr, 3 * ch);
            TransformerMath.linear(windowsIn, getParam(QKV_WEIGHT), getParam(QKV_BIAS), qkv);
            attention = new AttentionCore((long) n * g.windows, g.tokens, ch, c.heads);
            attention.q = keep(training, mgr, attention.headShape());
            attention.k = keep(training, mgr, attention.headShape());
            attention.v = keep(training, mgr, attention.headShape());
            attention.p = keep(training, mgr, attention.probShape());
            attOut = keep(training, mgr, wr, ch);
            attention.forward(qkv, attentionBias(mgr, false), attOut);
            INDArray projected = work(mgr, wr, ch);
            TransformerMath.linear(attOut, getParam(PROJ_WEIGHT), getParam(PROJ_BIAS), projected);
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dt, input.shape(), 'c');
            INDArray x1 = rows(out, r, ch);
            Nd4j.pullRows(projected, x1, 1, imageRows);
            keepAttention = dropPath(training, n);
            if (keepAttention != null) {
                scaleExamples(x1, n, keepAttention);
            }
            x1.addi(x);
            // MLP branch
            xhat2 = keep(training, mgr, r, ch);
            rstd2 = keep(training, mgr, r, 1);
            TransformerMath.layerNorm(x1, getParam(NORM2_WEIGHT), getParam(NORM2_BIAS), c.eps, xhat2, rstd2, h);
            u = keep(training, mgr, r, m);
            TransformerMath.linear(h, getParam(FC1_WEIGHT), getParam(FC1_BIAS), u);
            INDArray act = work(mgr, r, m);
            TransformerMath.gelu(u, act);
            INDArray mlp = work(mgr, r, ch);
            TransformerMath.linear(act, getParam(FC2_WEIGHT), getParam(FC2_BIAS), mlp);
            keepMlp = dropPath(training, n);
            if (keepMlp != null) {
                scaleExamples(mlp, n, keepMlp);
            }
            x1.addi(mlp);
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            SwinBlock c = cfg();
            int n = (int) input.size(0);
            SwinWindows g = geometry;
            long ch = c.inDim, m = c.hidden(), r = (long) n * g.height * g.width;
            long wr = (long) n * g.windows * g.tokens;
            INDArray dy = rows(epsilon, r, ch);
            // MLP branch: y = x1 + keep2 · fc2(gelu(fc1(ln2(x1))))
            INDArray dm = dy;
            if (keepMlp != null) {
                dm = dy.dup('c');
                scaleExamples(dm, n, keepMlp);
            }
            INDArray du = bpWork(mgr, r, m);
            INDArray act = bpWork(mgr, r, m);
            Nd4j.gemm(dm, getParam(FC2_WEIGHT), du, false, false, 1.0, 0.0);
            TransformerMath.geluBackward(u, act, du);
            Nd4j.gemm(dm, act, grad(FC2_WEIGHT), true, false, 1.0, 0.0);
            grad(FC2_BIAS).assign(dm.sum(0));
            INDArray h = bpWork(mgr, r, ch);
            TransformerMath.affine(xhat2, getParam(NORM2_WEIGHT), getParam(NORM2_BIAS), h);
            INDArray dh = bpWork(mgr, r, ch);
            TransformerMath.linearBackward(du, h, getParam(FC1_WEIGHT), grad(FC1_WEIGHT), grad(FC1_BIAS), dh);
            TransformerMath.layerNormBackward(dh, xhat2, rstd2, getParam(NORM2_WEIGHT), grad(NORM2_WEIGHT), grad(NORM2_BIAS), dh);
            INDArray dx1 = dh.addi(dy);
            // attention branch: x1 = x + keep1 · unwindow(proj(attention(qkv(window(ln1(x))))))
            INDArray daBuf = bpWork(mgr, r + 1, ch);             // dL/d(branch output) and a zero row for the padding
            INDArray da = daBuf.get(NDArrayIndex.interval(0, r), NDArrayIndex.all());
            daBuf.get(NDArrayIndex.point(r), NDArrayIndex.all()).assign(0.0);
            if (keepAttention != null) {
                INDArray scaled = dx1.dup('c');
                scaleExamples(scaled, n, keepAttention);
                da.assign(scaled);
            } else {
                da.assign(dx1);
            }
            INDArray dProjected = bpWork(mgr, wr, ch);
            Nd4j.pullRows(daBuf, dProjected, 1, windowRows);  // padded positions were cut off: zero gradient
            INDArray dAtt = bpWork(mgr, wr, ch);
            TransformerMath.linearBackward(dProjected, attOut, getParam(PROJ_WEIGHT), grad(PROJ_WEIGHT), grad(PROJ_BIAS), dAtt);
            INDArray dQkv = bpWork(mgr, wr, 3 * ch);
            INDArray bias = attentionBias(mgr, true);
            INDArray dBias = bpWork(mgr, bias.shape());
            attention.backward(dAtt, dQkv, dBias);
            // relative position table: dTable = oneHotᵀ · (Σ_windows dBias)ᵀ
            int heads = c.heads;
            long ll = (long) g.tokens * g.tokens;
            INDArray dPerHead = dBias.reshape('c', dBias.length() / (heads * ll), heads * ll).sum(0).reshape('c', heads, ll);
            Nd4j.gemm(oneHot, dPerHead, grad(RELATIVE_BIAS), true, true, 1.0, 0.0);
            INDArray dWindows = bpWork(mgr, wr, ch);
            TransformerMath.linearBackward(dQkv, windowsIn, getParam(QKV_WEIGHT), grad(QKV_WEIGHT), grad(QKV_BIAS), dWindows);
            Nd4j.pullRows(dWindows, h, 1, imageRows);         // every map row is in exactly one window
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
            INDArray dx2 = rows(dx, r, ch);
            TransformerMath.layerNormBackward(h, xhat1, rstd1, getParam(NORM1_WEIGHT), grad(NORM1_WEIGHT), grad(NORM1_BIAS), dx2);
            dx2.addi(dx1);
            return dx;
        }

        @Override
        protected void release() {
            xhat1 = rstd1 = windowsIn = attOut = xhat2 = rstd2 = u = null;
            keepAttention = keepMlp = null;
            attention = null;
        }
    }
}
