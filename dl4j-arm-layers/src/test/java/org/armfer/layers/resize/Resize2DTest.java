package org.armfer.layers.resize;

import org.armfer.layers.attention.GraphTesting;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Resize2DTest {

    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    /** in [c, h, w] -> (conv1x1 tanh "pre") -> Resize2D "l" -> softmax output over the flattened map. */
    private static ComputationGraph graph(Resize2D layer, int c, int h, int w, boolean pre) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        String last = "in";
        if (pre) {
            b.addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(Activation.TANH).build(), "in");
            last = "pre";
        }
        b.addLayer("l", layer, last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(2).build(), "l")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    private static INDArray resize(INDArray x, int oh, int ow, Interpolation mode) {
        ComputationGraph g = graph(Resize2D.builder().outputSize(oh, ow).interpolation(mode).build(),
                (int) x.size(1), (int) x.size(2), (int) x.size(3), false);
        return g.feedForward(x, false).get("l");
    }

    private static INDArray image(int h, int w) {
        return Nd4j.arange(h * w).castTo(DataType.DOUBLE).reshape(1, 1, h, w);
    }

    @Test
    void bilinearUpsamplingByHand() {
        // align_corners=False, 2 -> 4: source coordinates (d + 0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25
        // (past the last sample: the last sample), so each row is [x0, 0.75·x0 + 0.25·x1, 0.25·x0 + 0.75·x1, x1]
        INDArray x = Nd4j.createFromArray(new double[][]{{1, 2}, {3, 4}}).reshape(1, 1, 2, 2);
        INDArray expected = Nd4j.createFromArray(new double[][]{
                {1.0, 1.25, 1.75, 2.0},
                {1.5, 1.75, 2.25, 2.5},
                {2.5, 2.75, 3.25, 3.5},
                {3.0, 3.25, 3.75, 4.0}}).reshape(1, 1, 4, 4);
        assertEquals(expected, resize(x, 4, 4, Interpolation.BILINEAR), "2x2 -> 4x4");
        // 4 -> 2: source coordinates 0.5 and 2.5, the mean of each 2x2 block (no antialiasing beyond that)
        assertEquals(Nd4j.createFromArray(new double[][]{{2.5, 4.5}, {10.5, 12.5}}).reshape(1, 1, 2, 2),
                resize(image(4, 4), 2, 2, Interpolation.BILINEAR), "arange(16) 4x4 -> 2x2");
    }

    @Test
    void matchesPyTorchInterpolate() {
        // torch 1.13: F.interpolate(torch.arange(h*w, dtype=float64).reshape(1, 1, h, w), size=..., mode=...,
        // align_corners=False for bilinear)
        double[] bilinear3x5to4x3 = {0.33333333333333337, 2.0, 3.666666666666667, 3.458333333333333, 5.125, 6.791666666666667,
                7.208333333333334, 8.875, 10.541666666666666, 10.333333333333334, 12.0, 13.666666666666666};
        double[] nearest3x5to4x3 = {0, 1, 3, 0, 1, 3, 5, 6, 8, 10, 11, 13};
        double[] bilinear3x4to7x5 = {0.0, 0.7, 1.5, 2.3, 3.0, 0.5714285714285713, 1.2714285714285714, 2.071428571428571,
                2.871428571428572, 3.5714285714285716, 2.2857142857142856, 2.9857142857142858, 3.7857142857142856, 4.585714285714285,
                5.285714285714286, 4.0, 4.7, 5.5, 6.3, 7.0, 5.7142857142857135, 6.414285714285714, 7.2142857142857135,
                8.014285714285714, 8.714285714285714, 7.428571428571428, 8.128571428571428, 8.928571428571429, 9.728571428571428,
                10.428571428571427, 8.0, 8.7, 9.5, 10.3, 11.0};
        double[] nearest3x4to7x5 = {0, 0, 1, 2, 3, 0, 0, 1, 2, 3, 0, 0, 1, 2, 3, 4, 4, 5, 6, 7, 4, 4, 5, 6, 7, 8, 8, 9, 10, 11,
                8, 8, 9, 10, 11};
        assertPyTorch(bilinear3x5to4x3, resize(image(3, 5), 4, 3, Interpolation.BILINEAR), "bilinear 3x5 -> 4x3");
        assertPyTorch(nearest3x5to4x3, resize(image(3, 5), 4, 3, Interpolation.NEAREST), "nearest 3x5 -> 4x3");
        assertPyTorch(bilinear3x4to7x5, resize(image(3, 4), 7, 5, Interpolation.BILINEAR), "bilinear 3x4 -> 7x5");
        assertPyTorch(nearest3x4to7x5, resize(image(3, 4), 7, 5, Interpolation.NEAREST), "nearest 3x4 -> 7x5");
    }

    private static void assertPyTorch(double[] expected, INDArray got, String ctx) {
        double[] g = got.reshape(-1).toDoubleVector();
        assertEquals(expected.length, g.length, ctx);
        for (int i = 0; i < g.length; i++) {
            assertEquals(expected[i], g[i], 1e-12, ctx + ", element " + i);
        }
    }

    /** PyTorch's per-pixel formula, by loops (not through the interpolation matrices). */
    private static double bilinearAt(INDArray x, int b, int c, int i, int j, int oh, int ow) {
        int h = (int) x.size(2), w = (int) x.size(3);
        double sy = Math.max((i + 0.5) * h / oh - 0.5, 0), sx = Math.max((j + 0.5) * w / ow - 0.5, 0);
        int y0 = (int) sy, x0 = (int) sx;
        int y1 = y0 < h - 1 ? y0 + 1 : y0, x1 = x0 < w - 1 ? x0 + 1 : x0;
        double ly = sy - y0, lx = sx - x0;
        return (1 - ly) * ((1 - lx) * x.getDouble(b, c, y0, x0) + lx * x.getDouble(b, c, y0, x1))
                + ly * ((1 - lx) * x.getDouble(b, c, y1, x0) + lx * x.getDouble(b, c, y1, x1));
    }

    @ParameterizedTest(name = "N={0}, C={1}, {2}x{3} -> {4}x{5}")
    @CsvSource({"2,3,5,7,9,4", "1,2,6,6,6,6", "3,1,4,3,4,8", "2,2,9,5,2,11"})
    void batchesAndChannelsResizeIndependently(int n, int c, int h, int w, int oh, int ow) {
        String ctx = "N=" + n + ", C=" + c + ", " + h + "x" + w + " -> " + oh + "x" + ow;
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, c, h, w);
        INDArray out = resize(x, oh, ow, Interpolation.BILINEAR);
        assertArrayEquals(new long[]{n, c, oh, ow}, out.shape(), ctx);
        for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
            assertEquals(bilinearAt(x, b, ch, i, j, oh, ow), out.getDouble(b, ch, i, j), 1e-12, ctx + " at " + b + "," + ch + "," + i + "," + j);
        }
        if (h == oh && w == ow) {
            assertEquals(x, out, ctx + ": same size is the identity");
        }
    }

    @Test
    void inputGradientIsTheTransposedResize() {
        // dL/dx = R_hᵀ · eps · R_w per channel, counted once (DL4J M2.1's SameDiff layers would double it)
        int h = 3, w = 4, oh = 5, ow = 2;
        ComputationGraph g = graph(Resize2D.builder().outputSize(oh, ow).build(), 2, h, w, false);
        org.deeplearning4j.nn.api.Layer l = g.getLayer("l");
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, h, w);
        INDArray eps = Nd4j.rand(DataType.DOUBLE, 2, 2, oh, ow);
        g.initGradientsView();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        l.setInput(x, mgr);
        l.activate(true, mgr);
        INDArray dx = l.backpropGradient(eps, mgr).getSecond();
        INDArray rh = Nd4j.createFromArray(Resize2D.interpolationMatrix(Interpolation.BILINEAR, h, oh));
        INDArray rw = Nd4j.createFromArray(Resize2D.interpolationMatrix(Interpolation.BILINEAR, w, ow));
        for (int b = 0; b < 2; b++) for (int c = 0; c < 2; c++) {
            INDArray expected = rh.transpose().mmul(eps.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c))).mmul(rw);
            INDArray got = dx.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertTrue(expected.equalsWithEps(got, 1e-12), "b=" + b + ", c=" + c + "\nexpected " + expected + "\ngot " + got);
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
    @CsvSource({"BILINEAR,3,4,5,3", "NEAREST,4,3,3,5", "BILINEAR,2,2,2,2"})
    void gradientCheck(Interpolation mode, int h, int w, int oh, int ow) {
        ComputationGraph g = graph(Resize2D.builder().outputSize(oh, ow).interpolation(mode).build(), 2, h, w, true);
        Nd4j.getRandom().setSeed(41);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, h, w).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(3, 2, 4, DataType.DOUBLE)},
                mode + " " + h + "x" + w + " -> " + oh + "x" + ow + ", C=2, conv1x1 before");
    }

    @Test
    void configurationRoundTripsAndIsValidated() {
        ComputationGraph g = graph(Resize2D.builder().outputSize(5, 3).interpolation(Interpolation.NEAREST).build(), 2, 3, 4, false);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
        Resize2D r = (Resize2D) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("l")).getLayerConf().getLayer();
        assertEquals(5, r.getOutputHeight());
        assertEquals(3, r.getOutputWidth());
        assertEquals(Interpolation.NEAREST, r.getInterpolation());
        assertEquals(InputType.convolutional(5, 3, 2), r.getOutputType(0, InputType.convolutional(3, 4, 2)));
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{Nd4j.rand(DataType.DOUBLE, 2, 2, 3, 4)}, "Resize2D nearest 3x4 -> 5x3");

        assertEquals("Resize2D: outputSize must be >= 1 in both dimensions, got 0x3",
                assertThrows(IllegalArgumentException.class, () -> Resize2D.builder().outputSize(0, 3)).getMessage());
        assertEquals("Resize2D: outputSize not set; call outputSize(height, width)",
                assertThrows(IllegalStateException.class, () -> Resize2D.builder().build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Resize2D.builder().interpolation(null)).getMessage()
                .contains("[BILINEAR, NEAREST]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Resize2D.builder().outputSize(2, 2).build()
                .getOutputType(0, InputType.feedForward(4))).getMessage().contains("needs a 4-D CNN input"));
    }
}
