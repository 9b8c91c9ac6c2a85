package org.armfer.layers.spatial;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The sampler of a spatial transformer (Jaderberg et al.): warps an image {@code [N, C, H, W]} (first input) by a
 * per-example affine transform θ {@code [N, 6]} (second input, row-major 2x3) exactly as PyTorch's
 * {@code F.grid_sample(x, F.affine_grid(θ, x.size(), align_corners=True), align_corners=True)} (bilinear, zero
 * padding): output pixel (i, j) takes the input at {@code θ · [x_j, y_i, 1]} in normalised coordinates
 * ({@code x_j = -1 + 2j/(W-1)}, corners at ±1). Output {@code [N, C, H, W]}; no parameters.
 * <p>
 * The vertex adds the identity to its θ input ({@code θ = I + Δ}), so a localisation network whose last layer starts
 * at zero starts as the identity transform. The reference (VT_with_NR_for_FER's STN.py, after the PyTorch tutorial)
 * gets the same start by initialising that layer's bias to the identity; the function is the same, and a reference
 * checkpoint's bias maps to this parameterisation minus {@code [1, 0, 0, 0, 1, 0]}.
 * <p>
 * Gradients flow to both inputs: to the image (the bilinear weights, scattered) and to θ (through the sampling
 * coordinates). Computed directly in Java on double precision copies.
 */
public class AffineGridSampleVertex extends GraphVertex {

    public AffineGridSampleVertex() {
        // no configuration: also the JSON constructor
    }

    @Override
    public AffineGridSampleVertex clone() {
        return new AffineGridSampleVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return AffineGridSampleVertex.class.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new Runtime(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in == null || in.length != 2) {
            throw new InvalidInputTypeException("AffineGridSampleVertex needs 2 inputs, the image [N, C, H, W] and θ [N, 6], got "
                    + (in == null ? 0 : in.length));
        }
        if (!(in[0] instanceof InputType.InputTypeConvolutional)
                || ((InputType.InputTypeConvolutional) in[0]).getFormat() != CNN2DFormat.NCHW) {
            throw new InvalidInputTypeException("AffineGridSampleVertex: the first input must be an NCHW image"
                    + " (InputType.convolutional), got " + in[0]);
        }
        if (!(in[1] instanceof InputType.InputTypeFeedForward) || ((InputType.InputTypeFeedForward) in[1]).getSize() != 6) {
            throw new InvalidInputTypeException("AffineGridSampleVertex: the second input must be θ [N, 6]"
                    + " (InputType.feedForward(6)), got " + in[1]);
        }
        return in[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, AffineGridSampleVertex.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public String toString() {
        return "AffineGridSampleVertex()";
    }

    /** Sampling coordinate of output index i along a side of n pixels (affine_grid with align_corners=True). */
    static double base(int i, int n) {
        return n > 1 ? -1.0 + 2.0 * i / (n - 1) : 0.0;
    }

    /**
     * Forward (dx == null) or backward: samples {@code x [N, C, H, W]} at the grids of {@code theta [N, 6]} (identity
     * added) into {@code y}; in the backward pass {@code y} is dL/dy, and dL/dx, dL/dθ are accumulated into {@code dx},
     * {@code dTheta}.
     */
    static void sample(double[] x, double[] theta, int n, int c, int h, int w, double[] y, double[] dx, double[] dTheta) {
        boolean backward = dx != null;
        int plane = h * w;
        for (int b = 0; b < n; b++) {
            double t0 = theta[b * 6] + 1, t1 = theta[b * 6 + 1], t2 = theta[b * 6 + 2];
            double t3 = theta[b * 6 + 3], t4 = theta[b * 6 + 4] + 1, t5 = theta[b * 6 + 5];
            int img = b * c * plane;
            for (int i = 0; i < h; i++) {
                double ys = base(i, h);
                for (int j = 0; j < w; j++) {
                    double xs = base(j, w);
                    double ix = ((t0 * xs + t1 * ys + t2) + 1) / 2 * (w - 1);
                    double iy = ((t3 * xs + t4 * ys + t5) + 1) / 2 * (h - 1);
                    int x0 = (int) Math.floor(ix), y0 = (int) Math.floor(iy);
                    int x1 = x0 + 1, y1 = y0 + 1;
                    double wx1 = ix - x0, wx0 = 1 - wx1, wy1 = iy - y0, wy0 = 1 - wy1;
                    boolean inX0 = x0 >= 0 && x0 < w, inX1 = x1 >= 0 && x1 < w;
                    boolean inY0 = y0 >= 0 && y0 < h, inY1 = y1 >= 0 && y1 < h;
                    int o = i * w + j;
                    double gix = 0, giy = 0;
                    for (int ch = 0; ch < c; ch++) {
                        int base = img + ch * plane;
                        double v00 = inY0 && inX0 ? x[base + y0 * w + x0] : 0;
                        double v01 = inY0 && inX1 ? x[base + y0 * w + x1] : 0;
                        double v10 = inY1 && inX0 ? x[base + y1 * w + x0] : 0;
                        double v11 = inY1 && inX1 ? x[base + y1 * w + x1] : 0;
                        if (!backward) {
                            y[base + o] = v00 * wy0 * wx0 + v01 * wy0 * wx1 + v10 * wy1 * wx0 + v11 * wy1 * wx1;
                        } else {
                            double g = y[base + o];
                            if (g == 0) {
                                continue;
                            }
                            if (inY0 && inX0) dx[base + y0 * w + x0] += g * wy0 * wx0;
                            if (inY0 && inX1) dx[base + y0 * w + x1] += g * wy0 * wx1;
                            if (inY1 && inX0) dx[base + y1 * w + x0] += g * wy1 * wx0;
                            if (inY1 && inX1) dx[base + y1 * w + x1] += g * wy1 * wx1;
                            gix += g * ((v01 - v00) * wy0 + (v11 - v10) * wy1);
                            giy += g * ((v10 - v00) * wx0 + (v11 - v01) * wx1);
                        }
                    }
                    if (backward) {
                        double dgx = gix * (w - 1) / 2, dgy = giy * (h - 1) / 2;
                        dTheta[b * 6] += dgx * xs;
                        dTheta[b * 6 + 1] += dgx * ys;
                        dTheta[b * 6 + 2] += dgx;
                        dTheta[b * 6 + 3] += dgy * xs;
                        dTheta[b * 6 + 4] += dgy * ys;
                        dTheta[b * 6 + 5] += dgy;
                    }
                }
            }
        }
    }

    /** The runtime vertex. */
    static final class Runtime extends BaseGraphVertex {

        Runtime(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
            super(graph, name, vertexIndex, null, null, dataType);
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public Layer getLayer() {
            return null;
        }

        private void check() {
            INDArray x = inputs[0], t = inputs[1];
            if (x.rank() != 4 || t.rank() != 2 || t.size(0) != x.size(0) || t.size(1) != 6) {
                throw new IllegalArgumentException("AffineGridSampleVertex \"" + vertexName + "\" expects an image [N, C, H, W]"
                        + " and θ [N, 6], got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(t.shape()));
            }
        }

        private static double[] values(INDArray a) {
            return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            check();
            INDArray x = inputs[0];
            int n = (int) x.size(0), c = (int) x.size(1), h = (int) x.size(2), w = (int) x.size(3);
            double[] y = new double[n * c * h * w];
            sample(values(x), values(inputs[1]), n, c, h, w, y, null, null);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
            out.assign(Nd4j.createFromArray(y).reshape(x.shape()));
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            check();
            INDArray x = inputs[0];
            int n = (int) x.size(0), c = (int) x.size(1), h = (int) x.size(2), w = (int) x.size(3);
            double[] dx = new double[n * c * h * w];
            double[] dTheta = new double[n * 6];
            sample(values(x), values(inputs[1]), n, c, h, w, values(epsilon), dx, dTheta);
            INDArray gx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
            gx.assign(Nd4j.createFromArray(dx).reshape(x.shape()));
            INDArray gt = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, inputs[1].dataType(), new long[]{n, 6}, 'c');
            gt.assign(Nd4j.createFromArray(dTheta).reshape(n, 6));
            return new Pair<>(null, new INDArray[]{gx, gt});
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            if (backpropGradientsViewArray != null) {
                throw new IllegalStateException("AffineGridSampleVertex has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
            return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[0], currentMaskState);
        }

        @Override
        public String toString() {
            return "AffineGridSampleVertex(name=\"" + vertexName + "\")";
        }
    }
}
