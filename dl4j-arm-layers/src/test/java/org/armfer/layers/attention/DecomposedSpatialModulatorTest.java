package org.armfer.layers.attention;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.armfer.layers.attention.DecomposedSpatialModulator.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecomposedSpatialModulatorTest {

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

    /** in [c, h, w] -> (conv1x1 tanh "pre") -> DSM "dsm" -> GAP -> softmax(classes). */
    static ComputationGraph graph(DecomposedSpatialModulator dsm, int c, int h, int w, boolean pre, int classes,
                                  DataType dt, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        String last = "in";
        if (pre) {
            b.addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(Activation.TANH).build(), "in");
            last = "pre";
        }
        last = dsm.addTo(b, last, "dsm");
        b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(classes).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** Non-trivial BatchNorm running statistics and affine parameters in every BatchNorm of the graph. */
    static void randomiseBatchNorms(ComputationGraph g, long seed) {
        Nd4j.getRandom().setSeed(seed);
        g.paramTable().forEach((k, v) -> {
            if (k.endsWith("_mean") || k.endsWith("_beta")) {
                v.assign(Nd4j.rand(v.dataType(), v.shape()).subi(0.5));
            } else if (k.endsWith("_var") || k.endsWith("_gamma")) {
                v.assign(Nd4j.rand(v.dataType(), v.shape()).addi(0.5));
            }
        });
    }

    @Test
    void referenceDefaultsAndParameterCount() {
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().build();
        assertEquals(7, dsm.getKernelSize());
        assertEquals(8, dsm.getReduction());
        assertEquals(0.2, dsm.getDropout());
        assertFalse(dsm.isReparameterized());
        assertEquals(12, dsm.hiddenChannels(96));
        assertEquals(57_756, dsm.numTrainableParams(96), "formula, C=96");
        ComputationGraph g = graph(dsm, 96, 5, 5, false, 3, DataType.FLOAT, new NoOp());
        assertEquals(57_756, GraphTesting.trainableParams(g, "dsm"), "graph, C=96, training form");
        // running mean and variance of the two BatchNorms: 4·12 more, not trainable
        assertEquals(57_756 + 48, g.paramTable().entrySet().stream().filter(e -> e.getKey().startsWith("dsm."))
                .mapToLong(e -> e.getValue().length()).sum(), "all parameters, C=96");
        ComputationGraph fused = graph(dsm.toBuilder().reparameterized(true).build(), 96, 5, 5, false, 3, DataType.FLOAT, new NoOp());
        assertEquals(96 * 12 * 49 + 12 + 108, GraphTesting.trainableParams(fused, "dsm"), "graph, C=96, fused form");
        assertEquals(96 * 12 * 49 + 12 + 108, dsm.toBuilder().reparameterized(true).build().numTrainableParams(96));
    }

    @Test
    void verticesAreNamedAfterTheReferenceModules() {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 16));
        assertEquals("m.dropout_2", DecomposedSpatialModulator.builder().build().addTo(b, "in", "m"));
        ComputationGraphConfiguration.GraphBuilder b0 = GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 16));
        assertEquals("m.gate", DecomposedSpatialModulator.builder().dropout(0).build().addTo(b0, "in", "m"));
        assertFalse(b0.getVertices().containsKey("m.dropout_1"), "dropout 0 leaves the dropout vertices out");

        java.util.Map<String, List<String>> in = b.getVertexInputs();
        assertEquals(List.of("in"), in.get("m" + CONV_KXK));
        assertEquals(List.of("in"), in.get("m" + CONV_1X1));
        assertEquals(List.of("m" + CONV_KXK), in.get("m" + BN_KXK));
        assertEquals(List.of("m" + CONV_1X1), in.get("m" + BN_1X1));
        assertEquals(List.of("m" + BN_KXK, "m" + BN_1X1), in.get("m" + ADD));
        assertEquals(List.of("m" + ADD), in.get("m" + ACTIVATION));
        assertEquals(List.of("m" + ACTIVATION), in.get("m" + DROPOUT_1));
        assertEquals(List.of("m" + DROPOUT_1), in.get("m" + CONV2));
        assertEquals(List.of("in", "m" + CONV2), in.get("m" + GATE));
        assertEquals(List.of("m" + GATE), in.get("m" + DROPOUT_2));
        ConvolutionLayer k = (ConvolutionLayer) ((LayerVertex) b.getVertices().get("m" + CONV_KXK)).getLayerConf().getLayer();
        assertArrayEquals(new int[]{7, 7}, k.getKernelSize());
        assertArrayEquals(new int[]{3, 3}, k.getPadding());
        assertEquals(2, k.getNOut(), "C/r = 16/8");
        assertFalse(k.hasBias());
        DropoutLayer d = (DropoutLayer) ((LayerVertex) b.getVertices().get("m" + DROPOUT_1)).getLayerConf().getLayer();
        assertEquals(new SpatialDropout(0.8), d.getIDropout(), "drop probability 0.2 = retain 0.8, whole channels");
    }

    /** 'same' zero-padded stride-1 convolution, [N, Ci, H, W] x [Co, Ci, k, k] (+ bias), by loops. */
    static double[][][][] convByHand(double[][][][] x, INDArray weight, INDArray bias) {
        int n = x.length, ci = x[0].length, h = x[0][0].length, w = x[0][0][0].length;
        int co = (int) weight.size(0), k = (int) weight.size(2), p = k / 2;
        double[][][][] out = new double[n][co][h][w];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < co; o++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++) {
                        double s = bias == null ? 0 : bias.getDouble(o);
                        for (int c = 0; c < ci; c++)
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++) {
                                    int y = i + u - p, z = j + v - p;
                                    if (y >= 0 && y < h && z >= 0 && z < w) {
                                        s += x[b][c][y][z] * weight.getDouble(o, c, u, v);
                                    }
                                }
                        out[b][o][i][j] = s;
                    }
        return out;
    }

    /** Inference-mode BatchNorm of a graph vertex, in place. */
    static void bnByHand(double[][][][] x, ComputationGraph g, String vertex, double eps) {
        INDArray gamma = g.getParam(vertex + "_gamma"), beta = g.getParam(vertex + "_beta");
        INDArray mean = g.getParam(vertex + "_mean"), var = g.getParam(vertex + "_var");
        for (double[][][] ex : x)
            for (int c = 0; c < ex.length; c++)
                for (double[] row : ex[c])
                    for (int j = 0; j < row.length; j++) {
                        row[j] = (row[j] - mean.getDouble(c)) / Math.sqrt(var.getDouble(c) + eps) * gamma.getDouble(c) + beta.getDouble(c);
                    }
    }

    @ParameterizedTest(name = "C={0}, r={1}, k={2}, H={3}, W={4}")
    @CsvSource({"4,2,3,4,5", "6,3,5,5,4", "3,1,3,3,3"})
    void inferenceMatchesAHandComputation(int c, int r, int k, int h, int w) {
        String ctx = "C=" + c + ", r=" + r + ", k=" + k + ", H=" + h + ", W=" + w;
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().kernelSize(k).reduction(r).build();
        ComputationGraph g = graph(dsm, c, h, w, false, 2, DataType.DOUBLE, new NoOp());
        randomiseBatchNorms(g, 5);
        int n = 2;
        INDArray xa = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5).muli(2);
        double[][][][] x = new double[n][c][h][w];
        for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++)
            x[b][ch][i][j] = xa.getDouble(b, ch, i, j);

        double[][][][] big = convByHand(x, g.getParam("dsm" + CONV_KXK + "_W"), null);
        bnByHand(big, g, "dsm" + BN_KXK, 1e-5);
        double[][][][] small = convByHand(x, g.getParam("dsm" + CONV_1X1 + "_W"), null);
        bnByHand(small, g, "dsm" + BN_1X1, 1e-5);
        int hid = c / r;
        // r = 1 keeps the channels: the reference's RepConv then has its identity branch, BN(X)
        double[][][][] identity = new double[n][hid][h][w];
        if (r == 1) {
            for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int i = 0; i < h; i++) identity[b][ch][i] = x[b][ch][i].clone();
            bnByHand(identity, g, "dsm.conv1_rep.bn_identity", 1e-5);
        } else {
            assertFalse(g.getConfiguration().getVertices().containsKey("dsm.conv1_rep.bn_identity"), ctx + ": no identity when C/r != C");
        }
        for (int b = 0; b < n; b++) for (int o = 0; o < hid; o++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++)
            big[b][o][i][j] = Math.max(0, big[b][o][i][j] + small[b][o][i][j] + identity[b][o][i][j]);
        double[][][][] a = convByHand(big, g.getParam("dsm" + CONV2 + "_W"), null);

        INDArray out = g.feedForward(xa, false).get("dsm" + DROPOUT_2);
        assertArrayEquals(new long[]{n, c, h, w}, out.shape(), ctx);
        for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) {
            double gate = 1 / (1 + Math.exp(-a[b][0][i][j]));
            assertEquals(x[b][ch][i][j] * gate, out.getDouble(b, ch, i, j), 1e-12,
                    ctx + ": out[" + b + "," + ch + "," + i + "," + j + "] = X·sigmoid(conv2(ReLU(BN(convK X) + BN(conv1 X))))");
        }
    }

    @ParameterizedTest(name = "C={0}, r={1}, k={2}")
    @CsvSource({"4,2,3", "3,3,5"})
    void gradientCheck(int c, int r, int k) {
        String ctx = "C=" + c + ", r=" + r + ", k=" + k + ", 3x3, N=3, conv1x1 before";
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().kernelSize(k).reduction(r).dropout(0).build();
        ComputationGraph g = graph(dsm, c, 3, 3, true, 3, DataType.DOUBLE, new NoOp());
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, c, 3, 3).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(3, 3, 2, DataType.DOUBLE)}, ctx);
    }

    @Test
    void reparameterisedGraphGivesTheSameOutputs() {
        int c = 8, h = 5, w = 4;
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().kernelSize(5).reduction(4).build();
        ComputationGraph g = graph(dsm, c, h, w, true, 3, DataType.DOUBLE, new Adam(1e-2));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, c, h, w).subi(0.5);
        for (int i = 0; i < 3; i++) {
            g.fit(new MultiDataSet(x, GraphTesting.oneHot(6, 3, i, DataType.DOUBLE)));
        }
        randomiseBatchNorms(g, 9); // running statistics far from 0/1, so that the fusion has something to fold
        assertEquals(List.of("dsm"), DecomposedSpatialModulator.prefixesIn(g.getConfiguration()));

        ComputationGraph fused = DecomposedSpatialModulator.reparameterize(g, "dsm");
        ComputationGraphConfiguration fc = fused.getConfiguration();
        for (String gone : new String[]{CONV_KXK, BN_KXK, CONV_1X1, BN_1X1, ADD}) {
            assertFalse(fc.getVertices().containsKey("dsm" + gone), "removed: dsm" + gone);
        }
        assertEquals(List.of("pre"), fc.getVertexInputs().get("dsm" + FUSED_CONV));
        assertEquals(List.of("dsm" + FUSED_CONV), fc.getVertexInputs().get("dsm" + ACTIVATION));
        assertEquals(List.of("dsm" + ACTIVATION), fc.getVertexInputs().get("dsm" + DROPOUT_1));
        assertEquals(dsm.toBuilder().reparameterized(true).build().numTrainableParams(c), GraphTesting.trainableParams(fused, "dsm"));
        for (String kept : new String[]{"pre_W", "pre_b", "dsm.conv2_W", "out_W", "out_b"}) {
            assertEquals(g.getParam(kept), fused.getParam(kept), "kept: " + kept);
        }
        INDArray x2 = Nd4j.rand(DataType.DOUBLE, 3, c, h, w).subi(0.5);
        INDArray before = g.feedForward(x2, false).get("dsm" + ACTIVATION);
        INDArray after = fused.feedForward(x2, false).get("dsm" + ACTIVATION);
        assertTrue(before.equalsWithEps(after, 1e-10), "ReLU(BN(convK) + BN(conv1)) = ReLU(fused)\n" + before + "\n" + after);
        assertTrue(g.outputSingle(x2).equalsWithEps(fused.outputSingle(x2), 1e-10), "network outputs, fused vs training form");

        // the same structure as building the inference form directly
        ComputationGraph direct = graph(dsm.toBuilder().reparameterized(true).build(), c, h, w, true, 3, DataType.DOUBLE, new Adam(1e-2));
        assertEquals(direct.getConfiguration().getVertexInputs(), fc.getVertexInputs(), "wiring of the fused graph");
    }

    @Test
    void saveLoadAndOneFitStep() {
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().kernelSize(3).reduction(2).build();
        ComputationGraph g = graph(dsm, 4, 4, 4, true, 3, DataType.FLOAT, new Adam(1e-2));
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 4, 4, 4);
        MultiDataSet data = new MultiDataSet(x, GraphTesting.oneHot(5, 3, 4, DataType.FLOAT));
        GraphTesting.assertFitsOneStep(g, data, "dsm", "DSM C=4, r=2, k=3, dropout 0.2, Adam");
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x}, "DSM C=4, r=2, k=3 after one step");
    }

    @Test
    void rejectsBadSettings() {
        assertEquals("DecomposedSpatialModulator: kernelSize must be an odd number >= 1 (a 'same' convolution keeps the map size"
                + " only for odd kernels), got 4", assertThrows(IllegalArgumentException.class,
                () -> DecomposedSpatialModulator.builder().kernelSize(4)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DecomposedSpatialModulator.builder().reduction(0))
                .getMessage().contains("reduction must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DecomposedSpatialModulator.builder().dropout(1.0))
                .getMessage().contains("dropout must be in [0, 1) (probability of dropping a channel), got 1.0"));
        String tooFew = assertThrows(IllegalArgumentException.class, () -> graph(DecomposedSpatialModulator.builder().build(),
                4, 3, 3, false, 2, DataType.FLOAT, new NoOp())).getMessage();
        assertEquals("DecomposedSpatialModulator: reduction 8 leaves no hidden channel for 4 input channels (C/r = 4/8 = 0);"
                + " allowed: 1 <= reduction <= 4", tooFew);
        String noTypes = assertThrows(IllegalStateException.class, () -> DecomposedSpatialModulator.builder().build()
                .addTo(GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder().addInputs("in"), "in", "d")).getMessage();
        assertTrue(noTypes.contains("call addInputs(...) and setInputTypes(...)"), noTypes);
        String unknown = assertThrows(IllegalArgumentException.class, () -> DecomposedSpatialModulator.builder().build()
                .addTo(GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder().addInputs("in")
                        .setInputTypes(InputType.convolutional(4, 4, 16)), "nope", "d")).getMessage();
        assertTrue(unknown.contains("no vertex \"nope\" in the graph; it has [in]"), unknown);
        String ff = assertThrows(IllegalArgumentException.class, () -> DecomposedSpatialModulator.builder().build()
                .addTo(GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder().addInputs("in")
                        .setInputTypes(InputType.feedForward(16)), "in", "d")).getMessage();
        assertTrue(ff.contains("needs a 4-D CNN feature map [N, C, H, W]") && ff.contains("\"in\" outputs FF"), ff);
        ComputationGraph g = graph(DecomposedSpatialModulator.builder().reduction(2).build(), 4, 3, 3, false, 2, DataType.FLOAT, new NoOp());
        String wrong = assertThrows(IllegalArgumentException.class, () -> DecomposedSpatialModulator.reparameterize(g, "dsx")).getMessage();
        assertTrue(wrong.contains("no training-form modulator with prefix \"dsx\"") && wrong.contains("[dsm]"), wrong);
    }
}
