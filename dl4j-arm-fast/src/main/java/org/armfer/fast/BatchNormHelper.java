package org.armfer.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;

/**
 * Batch normalisation of NCHW or NHWC activations for DL4J's {@code BatchNormalization} layer, computed with contiguous
 * reductions and the {@code batchnorm} op (oneDNN's kernel on the CPU) only.
 * <p>
 * DL4J M2.1's own CPU helper spends most of a training step's normalisation time outside the normalisation: the batch
 * variance through ND4J's generic summary-statistics kernel (five times as long as the normalisation itself), and a
 * {@code batchnorm_bp} that follows oneDNN's backward pass with strided broadcasts and reductions. Here
 * <ul>
 *   <li>the batch statistics come from two reductions: for NCHW over the rows of the {@code [N*C, H*W]} view (each
 *       row contiguous: the sum, and the dot product of each row with itself), for NHWC over the columns of
 *       {@code [N*H*W, C]} (matrix-vector products with a vector of ones, of x and of x·x); per channel, in double,
 *       {@code mean = S/M} and {@code var = Q/M - mean^2} (M = N*H*W; clamped at 0);</li>
 *   <li>the backward pass needs per channel only {@code Σdy} and {@code Σdy·x}; with σ = sqrt(var + eps) and
 *       {@code dγ = (Σdy·x - mean·Σdy)/σ} the input gradient is the per-channel affine combination
 *       {@code dx = (γ/σ)·dy + B·x + C}, {@code B = -γ·dγ/(M·σ²)}, {@code C = -γ·Σdy/(M·σ) - B·mean},
 *       which the {@code batchnorm} op evaluates in two passes (as a scale-and-shift with mean 0 and variance 1)
 *       plus one addition.</li>
 * </ul>
 * Inference is the {@code batchnorm} op with the running statistics, as in DL4J. Inputs other than rank-4 NCHW or NHWC
 * in float or double return null, which makes the layer use DL4J's built-in implementation.
 */
public final class BatchNormHelper implements BatchNormalizationHelper {

    private static final int MEAN = 0;
    private static final int VAR = 1;
    private static final int GAMMA = 2;
    private static final int BETA = 3;

    private INDArray meanCache;
    private INDArray varCache;
    /** Per slot (MEAN, VAR, GAMMA, BETA): the last parameter array seen and its rank-1 view; see {@link #vector}. */
    private final INDArray[] vectorSources = new INDArray[4];
    private final INDArray[] vectorViews = new INDArray[4];
    /** Whether the last forward pass was computed here (a backward pass then is too). */
    private boolean handled;

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    static boolean supports(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && (format == CNN2DFormat.NCHW || format == CNN2DFormat.NHWC)
                && (x.dataType() == DataType.FLOAT || x.dataType() == DataType.DOUBLE);
    }

    private static int axis(CNN2DFormat format) {
        return format == CNN2DFormat.NHWC ? 3 : 1;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        handled = supports(x, format) && gamma != null && beta != null;
        if (!handled) {
            return null;
        }
        x = contiguous(x);
        INDArray m;
        INDArray v;
        int axis = axis(format);
        if (training) {
            long c = x.size(axis);
            double[][] sums = channelSums(x, x, axis);
            double count = x.length() / (double) c;
            double[] mu = new double[(int) c];
            double[] va = new double[(int) c];
            for (int i = 0; i < c; i++) {
                mu[i] = sums[0][i] / count;
                va[i] = Math.max(sums[1][i] / count - mu[i] * mu[i], 0.0);
            }
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createFromArray(mu).castTo(x.dataType());
                varCache = Nd4j.createFromArray(va).castTo(x.dataType());
            }
            m = meanCache;
            v = varCache;
        } else {
            m = vector(MEAN, mean, x);
            v = vector(VAR, var, x);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        scaleShift(x, m, v, vector(GAMMA, gamma, x), vector(BETA, beta, x), eps, axis, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!handled || !supports(input, format) || meanCache == null || gamma == null) {
            return null;
        }
        INDArray x = contiguous(input);
        INDArray dy = contiguous(epsilon.castTo(x.dataType()));
        int axis = axis(format);
        int c = (int) x.size(axis);
        double count = x.length() / (double) c;
        double[][] s = channelSums(dy, x, axis);    // Σdy and Σdy·x per channel
        double[] mu = meanCache.toDoubleVector();
        double[] va = varCache.toDoubleVector();
        double[] g = gamma.toDoubleVector();
        double[] dGamma = new double[c];
        double[] a = new double[c];
        double[] b = new double[c];
        double[] shift = new double[c];
        for (int i = 0; i < c; i++) {
            double sigma = Math.sqrt(va[i] + eps);
            dGamma[i] = (s[1][i] - mu[i] * s[0][i]) / sigma;
            a[i] = g[i] / sigma;
            b[i] = -g[i] * dGamma[i] / (count * sigma * sigma);
            shift[i] = -g[i] * s[0][i] / (count * sigma) - b[i] * mu[i];
        }
        dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
        dBetaView.assign(Nd4j.createFromArray(s[0]).reshape(dBetaView.shape()));

        DataType dt = x.dataType();
        INDArray zeros = Nd4j.zeros(dt, c);
        INDArray ones = Nd4j.ones(dt, c);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, x.shape(), 'c');
        INDArray tmp = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dt, x.shape(), 'c');
        // mean 0, variance 1, epsilon 0: the op computes gamma*v + beta exactly
        scaleShift(dy, zeros, ones, Nd4j.createFromArray(a).castTo(dt), zeros, 0.0, axis, dx);
        scaleShift(x, zeros, ones, Nd4j.createFromArray(b).castTo(dt), Nd4j.createFromArray(shift).castTo(dt), 0.0,
                axis, tmp);
        Nd4j.exec(new AddOp(dx, tmp, dx));

        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dx);
    }

    /**
     * Per channel of {@code u} and {@code w} (same shape, channels on {@code axis} 1 or 3): {Σu, Σu·w}, the last
     * steps summed in double. NCHW: reductions over the contiguous rows of {@code [N*C, H*W]}; NHWC: over the
     * columns of {@code [N*H*W, C]}, as matrix-vector products (of {@code u}, and of {@code u·w} in a temporary).
     */
    private static double[][] channelSums(INDArray u, INDArray w, int axis) {
        DataType dt = u.dataType();
        if (axis == 3) {
            int c = (int) u.size(3);
            long rows = u.length() / c;
            // few channels: k consecutive rows side by side as one row of k*c (up to 1024) columns, summed per
            // channel afterwards; the matrix-vector product over 64 columns runs at half the memory's speed
            int k = 1;
            while (c <= 64 && (long) 2 * k * c <= 1024 && rows % (2L * k) == 0) {
                k *= 2;
            }
            INDArray u2 = u.reshape('c', rows / k, (long) k * c);
            INDArray w2 = w.reshape('c', rows / k, (long) k * c);
            // column reductions as matrix-vector products (ND4J's reductions along dimension 0 are strided and slow)
            // (the matmul custom op: oneDNN's kernel on ND4J's threads; INDArray.mmul's OpenBLAS threads contend with them)
            INDArray ones = Nd4j.ones(dt, 1, rows / k);
            INDArray colSum = Nd4j.create(dt, 1, (long) k * c);
            Nd4j.exec(new Mmul(ones, u2, colSum, 1.0, 0.0, MMulTranspose.allFalse()));
            INDArray prod = Nd4j.createUninitialized(dt, u2.shape(), 'c');
            Nd4j.exec(new MulOp(u2, w2, prod));
            INDArray colDot = Nd4j.create(dt, 1, (long) k * c);
            Nd4j.exec(new Mmul(ones, prod, colDot, 1.0, 0.0, MMulTranspose.allFalse()));
            return new double[][]{foldColumns(colSum.toDoubleVector(), c), foldColumns(colDot.toDoubleVector(), c)};
        }
        long n = u.size(0);
        int c = (int) u.size(1);
        long hw = u.size(2) * u.size(3);
        INDArray u2 = u.reshape('c', n * c, hw);
        INDArray w2 = w.reshape('c', n * c, hw);
        INDArray rowSum = Nd4j.create(dt, n * c);
        Nd4j.exec(new Sum(u2, rowSum, 1));
        INDArray rowDot = Nd4j.create(dt, n * c);
        Nd4j.exec(new Dot(u2, w2, rowDot, 1));
        double[] rs = rowSum.toDoubleVector();
        double[] rd = rowDot.toDoubleVector();
        double[][] out = new double[2][c];
        for (int row = 0; row < rs.length; row++) {
            out[0][row % c] += rs[row];
            out[1][row % c] += rd[row];
        }
        return out;
    }

    /** Per channel: the sum of {@code v[i]} over every i with i % c == channel. */
    private static double[] foldColumns(double[] v, int c) {
        double[] out = new double[c];
        for (int i = 0; i < v.length; i++) {
            out[i % c] += v[i];
        }
        return out;
    }

    /** {@code out = gamma * (x - mean) / sqrt(var + eps) + beta} per channel ({@code axis}), by the batchnorm op. */
    private static void scaleShift(INDArray x, INDArray mean, INDArray var, INDArray gamma, INDArray beta, double eps,
                                   int axis, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, mean, var, gamma, beta)
                .addOutputs(out)
                .addIntegerArguments(1, 1, axis)
                .addFloatingPointArguments(eps)
                .build());
    }

    /**
     * {@code p} as the rank-1 vector the {@code batchnorm} op takes, in {@code like}'s data type. For the layer's own
     * parameter arrays (the same objects every call, outside workspaces, contiguous, already in that type) the rank-1
     * view is made once and kept: it shares {@code p}'s memory, so it always shows the current values. Making it costs
     * ~40 us (ND4J's shape bookkeeping), four times per layer and pass: ~3.5 ms of a ResNet-18 inference at batch 16.
     */
    private INDArray vector(int slot, INDArray p, INDArray like) {
        if (p == vectorSources[slot] && vectorViews[slot].dataType() == like.dataType()) {
            return vectorViews[slot];
        }
        INDArray v = p.reshape(p.length()).castTo(like.dataType());
        boolean live = p.dataType() == like.dataType() && !p.isAttached() && p.elementWiseStride() == 1;
        vectorSources[slot] = live ? p : null;
        vectorViews[slot] = live ? v : null;
        return v;
    }

    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }
}
