package org.armfer.layers.attention;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
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

import static org.armfer.layers.attention.RotationAwareAttention.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotationAwareAttentionTest {

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

    /** in [c, h, w] -> (conv1x1 tanh "pre") -> attention "att" -> GAP -> softmax(classes). */
    static ComputationGraph graph(RotationAwareAttention att, int c, int h, int w, boolean pre, int classes, DataType dt,
                                  IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        String last = "in";
        if (pre) {
            b.addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(Activation.TANH).build(), "in");
            last = "pre";
        }
        last = att.addTo(b, last, "att");
        b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(classes).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void defaultsNamesAndParameterCount() {
        RotationAwareAttention att = RotationAwareAttention.builder().build();
        assertEquals(3, att.getFeatureKernelSize());
        assertEquals(7, att.getSpatialKernelSize());
        // C = 8: conv 8·8·9 = 576, BN 2·8, spatial conv 2·49 = 98, spatial BN 2
        assertEquals(692, att.numTrainableParams(8));
        ComputationGraph g = graph(att, 8, 5, 5, false, 2, DataType.FLOAT, new NoOp());
        assertEquals(692, GraphTesting.trainableParams(g, "att"), "graph, C=8");
        Map<String, List<String>> in = g.getConfiguration().getVertexInputs();
        assertEquals(List.of("in"), in.get("att" + CONV));
        assertEquals(List.of("att" + CONV), in.get("att" + BN));
        assertEquals(List.of("att" + BN), in.get("att" + RELU));
        assertEquals(List.of("att" + RELU), in.get("att" + POOL));
        assertEquals(List.of("att" + POOL), in.get("att" + SPATIAL_CONV));
        assertEquals(List.of("att" + SPATIAL_CONV), in.get("att" + SPATIAL_BN));
        assertEquals(List.of("att" + SPATIAL_BN), in.get("att" + SIGMOID));
        assertEquals(List.of("in", "att" + SIGMOID), in.get("att" + GATE), "X ⊙ M multiplies the input, not F");
        ConvolutionLayer sc = (ConvolutionLayer) ((LayerVertex) g.getConfiguration().getVertices().get("att" + SPATIAL_CONV))
                .getLayerConf().getLayer();
        assertArrayEquals(new int[]{7, 7}, sc.getKernelSize());
        assertFalse(sc.hasBias());
    }

    @ParameterizedTest(name = "C={0}, f={1}, s={2}, H={3}, W={4}")
    @CsvSource({"3,3,7,4,5", "2,1,3,3,3", "4,3,5,5,4"})
    void inferenceMatchesAHandComputation(int c, int f, int s, int h, int w) {
        String ctx = "C=" + c + ", f=" + f + ", s=" + s + ", H=" + h + ", W=" + w;
        ComputationGraph g = graph(RotationAwareAttention.builder().featureKernelSize(f).spatialKernelSize(s).build(),
                c, h, w, false, 2, DataType.DOUBLE, new NoOp());
        DecomposedSpatialModulatorTest.randomiseBatchNorms(g, 8);
        int n = 2;
        INDArray xa = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5).muli(2);
        double[][][][] x = new double[n][c][h][w];
        for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++)
            x[b][ch][i][j] = xa.getDouble(b, ch, i, j);
        double[][][][] feat = DecomposedSpatialModulatorTest.convByHand(x, g.getParam("att" + CONV + "_W"), null);
        DecomposedSpatialModulatorTest.bnByHand(feat, g, "att" + BN, 1e-5);
        double[][][][] pooled = new double[n][2][h][w];
        for (int b = 0; b < n; b++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int ch = 0; ch < c; ch++) {
                double v = Math.max(0, feat[b][ch][i][j]);
                max = Math.max(max, v);
                sum += v;
            }
            pooled[b][0][i][j] = max;
            pooled[b][1][i][j] = sum / c;
        }
        double[][][][] m = DecomposedSpatialModulatorTest.convByHand(pooled, g.getParam("att" + SPATIAL_CONV + "_W"), null);
        DecomposedSpatialModulatorTest.bnByHand(m, g, "att" + SPATIAL_BN, 1e-5);
        INDArray out = g.feedForward(xa, false).get("att" + GATE);
        assertArrayEquals(new long[]{n, c, h, w}, out.shape(), ctx);
        for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) {
            double gate = 1 / (1 + Math.exp(-m[b][0][i][j]));
            assertEquals(x[b][ch][i][j] * gate, out.getDouble(b, ch, i, j), 1e-12,
                    ctx + ": out[" + b + "," + ch + "," + i + "," + j + "] = X·sigmoid(BN(conv_s([max, mean](ReLU(BN(conv_f X))))))");
        }
    }

    @ParameterizedTest(name = "C={0}, f={1}, s={2}")
    @CsvSource({"3,3,7", "4,3,3"})
    void gradientCheck(int c, int f, int s) {
        String ctx = "C=" + c + ", f=" + f + ", s=" + s + ", 3x3, N=3, conv1x1 before";
        ComputationGraph g = graph(RotationAwareAttention.builder().featureKernelSize(f).spatialKernelSize(s).build(),
                c, 3, 3, true, 2, DataType.DOUBLE, new NoOp());
        Nd4j.getRandom().setSeed(21);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, c, 3, 3).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(3, 2, 5, DataType.DOUBLE)}, ctx);
    }

    @Test
    void saveLoadAndOneFitStep() {
        ComputationGraph g = graph(RotationAwareAttention.builder().build(), 4, 5, 5, true, 3, DataType.FLOAT, new Adam(1e-2));
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 4, 5, 5);
        GraphTesting.assertFitsOneStep(g, new MultiDataSet(x, GraphTesting.oneHot(4, 3, 6, DataType.FLOAT)), "att",
                "RARN attention C=4, 5x5, Adam");
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x}, "RARN attention C=4, 5x5 after one step");
    }

    @Test
    void rejectsBadSettings() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RotationAwareAttention.builder().spatialKernelSize(6))
                .getMessage().contains("spatialKernelSize must be an odd number >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RotationAwareAttention.builder().featureKernelSize(0))
                .getMessage().contains("featureKernelSize must be an odd number >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RotationAwareAttention.builder().bnDecay(1.0))
                .getMessage().contains("bnDecay must be in [0, 1)"));
        String ff = assertThrows(IllegalArgumentException.class, () -> RotationAwareAttention.builder().build()
                .addTo(GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder().addInputs("in")
                        .setInputTypes(InputType.feedForward(16)), "in", "a")).getMessage();
        assertTrue(ff.startsWith("RotationAwareAttention needs a 4-D CNN feature map"), ff);
    }
}
