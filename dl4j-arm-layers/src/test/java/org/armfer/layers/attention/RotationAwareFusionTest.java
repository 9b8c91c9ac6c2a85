package org.armfer.layers.attention;

import org.armfer.layers.resize.Interpolation;
import org.armfer.layers.resize.Resize2D;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
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
import java.util.Map;

import static org.armfer.layers.attention.RotationAwareFusion.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotationAwareFusionTest {

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

    /**
     * A tiny backbone: in [c, s, s] -> "stage0" (3x3, stride 1) -> "stage1" (3x3, stride 2) -> "stage2" (3x3, stride 2),
     * with {@code widths} channels, tanh; the fusion "fuse" over the three stages, then a softmax classifier.
     */
    static ComputationGraph backbone(RotationAwareFusion fusion, int c, int size, int[] widths, DataType dt, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(size, size, c));
        String last = "in";
        for (int i = 0; i < 3; i++) {
            b.addLayer("stage" + i, new ConvolutionLayer.Builder(3, 3).stride(i == 0 ? 1 : 2, i == 0 ? 1 : 2).padding(1, 1)
                    .nOut(widths[i]).activation(Activation.TANH).build(), last);
            last = "stage" + i;
        }
        String f = fusion.addTo(b, List.of("stage0", "stage1", "stage2"), "fuse");
        b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3).build(), f)
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void namesShapesAndParameterCount() {
        RotationAwareFusion fusion = RotationAwareFusion.builder().channels(5).build();
        assertEquals(256, RotationAwareFusion.builder().build().getChannels(), "default d");
        ComputationGraph g = backbone(fusion, 2, 8, new int[]{3, 4, 6}, DataType.FLOAT, new NoOp());
        ComputationGraphConfiguration conf = g.getConfiguration();
        Map<String, List<String>> in = conf.getVertexInputs();
        assertEquals(List.of("stage0"), in.get("fuse" + LATERAL + 0));
        assertEquals(List.of("stage2"), in.get("fuse" + LATERAL + 2));
        assertEquals(List.of("fuse" + LATERAL + 2), in.get("fuse" + UP + 1), "top-down starts from the deepest lateral");
        assertEquals(List.of("fuse" + LATERAL + 1, "fuse" + UP + 1), in.get("fuse" + MERGE + 1));
        assertEquals(List.of("fuse" + MERGE + 1), in.get("fuse" + UP + 0));
        assertEquals(List.of("fuse" + LATERAL + 0, "fuse" + UP + 0), in.get("fuse" + MERGE + 0));
        assertEquals(List.of("fuse" + MERGE + 0), in.get("fuse" + SMOOTH + 0));
        assertEquals(List.of("fuse" + LATERAL + 2), in.get("fuse" + SMOOTH + 2));
        assertEquals(List.of("fuse" + GAP + 0, "fuse" + GAP + 1, "fuse" + GAP + 2), in.get("fuse" + CONCAT));
        assertTrue(layer(conf, "fuse" + UP + 0) instanceof Upsampling2D, "8x8 <- 4x4: DL4J's Upsampling2D");

        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(8, 8, 2));
        assertEquals(InputType.feedForward(15), types.get("fuse" + CONCAT), "L·d = 3·5");
        assertEquals(InputType.convolutional(8, 8, 5), types.get("fuse" + MERGE + 0));
        assertEquals(15, fusion.numFeatures(3));
        long expected = fusion.numTrainableParams(3, 4, 6);
        assertEquals((3 * 5 + 5) + (4 * 5 + 5) + (6 * 5 + 5) + 3 * (9 * 25 + 5), expected);
        assertEquals(expected, GraphTesting.trainableParams(g, "fuse"));
        assertArrayEquals(new long[]{2, 3}, g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 2, 8, 8)).shape());
    }

    /** Two stage maps as graph inputs "s0", "s1" -> fusion -> its concat output. */
    private static ComputationGraph twoLevels(int c0, int h0, int w0, int c1, int h1, int w1, int d) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("s0", "s1").setInputTypes(InputType.convolutional(h0, w0, c0), InputType.convolutional(h1, w1, c1));
        String f = RotationAwareFusion.builder().channels(d).build().addTo(b, List.of("s0", "s1"), "f");
        b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(2).build(), f)
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @ParameterizedTest(name = "{0}x{1}x{2} + {3}x{4}x{5}, d={6}")
    @CsvSource({"2,4,4,3,2,2,2", "3,7,5,2,4,3,3", "1,3,3,2,3,3,2"})
    void matchesAHandComputation(int c0, int h0, int w0, int c1, int h1, int w1, int d) {
        String ctx = c0 + "x" + h0 + "x" + w0 + " + " + c1 + "x" + h1 + "x" + w1 + ", d=" + d;
        ComputationGraph g = twoLevels(c0, h0, w0, c1, h1, w1, d);
        boolean integer = h0 % h1 == 0 && w0 % w1 == 0;
        Layer up = layer(g.getConfiguration(), "f" + UP + 0);
        assertTrue(integer ? up instanceof Upsampling2D
                : up instanceof Resize2D && ((Resize2D) up).getInterpolation() == Interpolation.NEAREST, ctx + ": upsampling " + up);
        g.paramTable().forEach((k, v) -> v.assign(Nd4j.rand(DataType.DOUBLE, v.shape()).subi(0.5))); // biases too
        int n = 2;
        INDArray s0 = Nd4j.rand(DataType.DOUBLE, n, c0, h0, w0), s1 = Nd4j.rand(DataType.DOUBLE, n, c1, h1, w1);
        double[][][][] lat0 = DecomposedSpatialModulatorTest.convByHand(arr(s0), g.getParam("f.lateral0_W"), g.getParam("f.lateral0_b"));
        double[][][][] lat1 = DecomposedSpatialModulatorTest.convByHand(arr(s1), g.getParam("f.lateral1_W"), g.getParam("f.lateral1_b"));
        for (int b = 0; b < n; b++) for (int k = 0; k < d; k++) for (int i = 0; i < h0; i++) for (int j = 0; j < w0; j++) {
            // PyTorch nearest: source index floor(dst · in / out)
            lat0[b][k][i][j] += lat1[b][k][(int) Math.floor(i * (double) h1 / h0)][(int) Math.floor(j * (double) w1 / w0)];
        }
        double[][][][] q0 = DecomposedSpatialModulatorTest.convByHand(lat0, g.getParam("f.smooth0_W"), g.getParam("f.smooth0_b"));
        double[][][][] q1 = DecomposedSpatialModulatorTest.convByHand(lat1, g.getParam("f.smooth1_W"), g.getParam("f.smooth1_b"));
        INDArray out = g.feedForward(new INDArray[]{s0, s1}, false).get("f" + CONCAT);
        assertArrayEquals(new long[]{n, 2L * d}, out.shape(), ctx);
        for (int b = 0; b < n; b++) for (int k = 0; k < d; k++) {
            assertEquals(mean(q0[b][k]), out.getDouble(b, k), 1e-12, ctx + ": GAP(Q_0)[" + b + "," + k + "]");
            assertEquals(mean(q1[b][k]), out.getDouble(b, d + k), 1e-12, ctx + ": GAP(Q_1)[" + b + "," + k + "]");
        }
    }

    private static double mean(double[][] m) {
        double s = 0;
        for (double[] r : m) for (double v : r) s += v;
        return s / (m.length * m[0].length);
    }

    private static double[][][][] arr(INDArray a) {
        long[] s = a.shape();
        double[][][][] out = new double[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        for (int b = 0; b < s[0]; b++) for (int c = 0; c < s[1]; c++) for (int i = 0; i < s[2]; i++) for (int j = 0; j < s[3]; j++)
            out[b][c][i][j] = a.getDouble(b, c, i, j);
        return out;
    }

    private static Layer layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }

    @ParameterizedTest(name = "input {0}x{0}, d={1}")
    @CsvSource({"4, 2", "5, 1"})
    void gradientCheck(int size, int d) {
        // size 5: stages 5x5, 3x3, 2x2, so the non-integer nearest resize is checked too
        String ctx = "3 stages (1, 2, 1 channels) from a " + size + "x" + size + " input, d=" + d;
        ComputationGraph g = backbone(RotationAwareFusion.builder().channels(d).build(), 2, size, new int[]{1, 2, 1}, DataType.DOUBLE, new NoOp());
        Nd4j.getRandom().setSeed(31);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, size, size).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(3, 3, 8, DataType.DOUBLE)}, ctx);
    }

    @Test
    void saveLoadAndOneFitStep() {
        ComputationGraph g = backbone(RotationAwareFusion.builder().channels(4).build(), 2, 7, new int[]{3, 4, 5}, DataType.FLOAT, new Adam(1e-2));
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2, 7, 7);
        GraphTesting.assertFitsOneStep(g, new MultiDataSet(x, GraphTesting.oneHot(4, 3, 9, DataType.FLOAT)), "fuse",
                "RARN fusion, stages 7x7/4x4/2x2, d=4, Adam");
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x}, "RARN fusion after one step");
    }

    @Test
    void rejectsBadStageLists() {
        RotationAwareFusion fusion = RotationAwareFusion.builder().channels(2).build();
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("big", "small", "flat")
                .setInputTypes(InputType.convolutional(8, 8, 2), InputType.convolutional(4, 4, 2), InputType.feedForward(3));
        String order = assertThrows(IllegalArgumentException.class, () -> fusion.addTo(b, List.of("small", "big"), "f")).getMessage();
        assertTrue(order.contains("from the highest resolution to the lowest, but \"big\" (8x8) is larger than \"small\" (4x4)"), order);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> fusion.addTo(b, List.of(), "f")).getMessage()
                .contains("stageOutputs must name at least one feature-map vertex"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> fusion.addTo(b, List.of("big", "big"), "f")).getMessage()
                .contains("stageOutputs must be distinct"));
        String flat = assertThrows(IllegalArgumentException.class, () -> fusion.addTo(b, List.of("big", "flat"), "f")).getMessage();
        assertTrue(flat.contains("\"flat\" outputs FF"), flat);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RotationAwareFusion.builder().channels(0)).getMessage()
                .contains("channels must be >= 1, got 0"));
        assertTrue(b.getVertices().isEmpty(), "a rejected addTo adds nothing: " + b.getVertices().keySet());
    }
}
