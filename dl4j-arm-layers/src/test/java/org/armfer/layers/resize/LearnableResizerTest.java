package org.armfer.layers.resize;

import org.armfer.layers.attention.GraphTesting;
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
import org.nd4j.linalg.activations.impl.ActivationLReLU;
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

import static org.armfer.layers.resize.LearnableResizer.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnableResizerTest {

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

    /** in [c, h, w] -> resizer "rs" -> (conv3x3 "head" tanh) -> GAP -> softmax(classes). */
    static ComputationGraph graph(LearnableResizer rs, int c, int h, int w, boolean head, int classes, DataType dt, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        String last = rs.addTo(b, "in", "rs");
        if (head) {
            b.addLayer("head", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build(), last);
            last = "head";
        }
        b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(classes).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @ParameterizedTest(name = "r={0}, F={1}, C={2}")
    @CsvSource({"1,16,3,12083", "0,16,3,7379", "2,16,3,16787", "1,8,1,2681"})
    void parameterCount(int r, int f, int c, long expected) {
        String ctx = "r=" + r + ", F=" + f + ", C=" + c;
        LearnableResizer rs = LearnableResizer.builder().outputSize(6, 6).residualBlocks(r).filters(f).build();
        assertEquals(expected, rs.numTrainableParams(c), ctx + ": formula");
        ComputationGraph g = graph(rs, c, 8, 8, false, 2, DataType.FLOAT, new NoOp());
        assertEquals(expected, GraphTesting.trainableParams(g, "rs"), ctx + ": graph");
    }

    @Test
    void defaultsNamesAndShapes() {
        LearnableResizer rs = LearnableResizer.builder().outputSize(5, 7).build();
        assertEquals(16, rs.getFilters());
        assertEquals(1, rs.getResidualBlocks());
        assertEquals(Interpolation.BILINEAR, rs.getInterpolation());
        assertEquals(0.2, rs.getLeakyReluAlpha());
        ComputationGraph g = graph(rs, 3, 9, 6, false, 2, DataType.FLOAT, new NoOp());
        ComputationGraphConfiguration conf = g.getConfiguration();
        Map<String, List<String>> in = conf.getVertexInputs();
        assertEquals(List.of("in"), in.get("rs" + SKIP));
        assertEquals(List.of("in"), in.get("rs" + CONV1));
        assertEquals(List.of("rs" + CONV1), in.get("rs" + CONV2));
        assertEquals(List.of("rs" + CONV2), in.get("rs" + BN1), "BN after conv2's LeakyReLU");
        assertEquals(List.of("rs" + BN1), in.get("rs" + RESIZE));
        assertEquals(List.of("rs" + RESIZE), in.get("rs.res0.conv1"));
        assertEquals(List.of("rs.res0.bn2", "rs" + RESIZE), in.get("rs.res0.add"));
        assertEquals(List.of("rs.res0.add"), in.get("rs" + CONV3));
        assertEquals(List.of("rs" + BN3, "rs" + RESIZE), in.get("rs" + ADD));
        assertEquals(List.of("rs" + ADD), in.get("rs" + CONV4));
        assertEquals(List.of("rs" + CONV4, "rs" + SKIP), in.get("rs" + OUT));
        ConvolutionLayer c1 = (ConvolutionLayer) ((LayerVertex) conf.getVertices().get("rs" + CONV1)).getLayerConf().getLayer();
        assertEquals(new ActivationLReLU(0.2), c1.getActivationFn());
        assertArrayEquals(new int[]{7, 7}, c1.getKernelSize());
        assertTrue(c1.hasBias());
        assertEquals(InputType.convolutional(5, 7, 3), conf.getLayerActivationTypes(InputType.convolutional(9, 6, 3)).get("rs" + OUT));
        INDArray out = g.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 9, 6), false).get("rs" + OUT);
        assertArrayEquals(new long[]{2, 3, 5, 7}, out.shape());

        ComputationGraph two = graph(rs.toBuilder().residualBlocks(2).build(), 3, 9, 6, false, 2, DataType.FLOAT, new NoOp());
        assertEquals(List.of("rs.res0.add"), two.getConfiguration().getVertexInputs().get("rs.res1.conv1"), "blocks are chained");
        assertEquals(List.of("rs.res1.bn2", "rs.res0.add"), two.getConfiguration().getVertexInputs().get("rs.res1.add"));
    }

    @Test
    void withTheLastConvolutionZeroTheOutputIsTheBilinearResize() {
        int h = 5, w = 6, oh = 7, ow = 4;
        ComputationGraph g = graph(LearnableResizer.builder().outputSize(oh, ow).filters(4).build(), 2, h, w, false, 2,
                DataType.DOUBLE, new NoOp());
        g.getParam("rs" + CONV4 + "_W").assign(0);
        g.getParam("rs" + CONV4 + "_b").assign(0);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, h, w);
        INDArray out = g.feedForward(x, false).get("rs" + OUT);
        INDArray rh = Nd4j.createFromArray(Resize2D.interpolationMatrix(Interpolation.BILINEAR, h, oh));
        INDArray rw = Nd4j.createFromArray(Resize2D.interpolationMatrix(Interpolation.BILINEAR, w, ow));
        for (int b = 0; b < 2; b++) for (int c = 0; c < 2; c++) {
            INDArray expected = rh.mmul(x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(c)))
                    .mmul(rw.transpose());
            INDArray got = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertTrue(expected.equalsWithEps(got, 1e-12), "b=" + b + ", c=" + c + ": skip = bilinear(x)\n" + expected + "\n" + got);
        }
        // and with it non-zero, the learned part is added on top
        g.getParam("rs" + CONV4 + "_b").assign(0.5);
        assertTrue(g.feedForward(x, false).get("rs" + OUT).sub(out).sub(0.5).amaxNumber().doubleValue() < 1e-12, "bias of conv4 adds");
    }

    @Test
    void gradientCheck() {
        // one channel and one filter keep the check fast (every vertex and both resizes are still on the gradient's path)
        String ctx = "C=1, 4x4 -> 3x3, F=1, r=1";
        ComputationGraph g = graph(LearnableResizer.builder().outputSize(3, 3).filters(1).build(), 1, 4, 4, false, 2,
                DataType.DOUBLE, new NoOp());
        Nd4j.getRandom().setSeed(51);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 1, 4, 4).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(3, 2, 6, DataType.DOUBLE)}, ctx);
    }

    @Test
    void saveLoadAndOneFitStep() {
        ComputationGraph g = graph(LearnableResizer.builder().outputSize(6, 6).filters(4).build(), 3, 9, 9, true, 3,
                DataType.FLOAT, new Adam(1e-2));
        Nd4j.getRandom().setSeed(10);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 9, 9);
        GraphTesting.assertFitsOneStep(g, new MultiDataSet(x, GraphTesting.oneHot(4, 3, 10, DataType.FLOAT)), "rs",
                "resizer 3x9x9 -> 6x6, F=4, r=1, Adam");
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x}, "resizer after one step");
    }

    @Test
    void rejectsBadSettings() {
        // without an output size the resizer keeps its input's size (a learned enhancement)
        assertEquals(InputType.convolutional(40, 30, 1), LearnableResizer.builder().build()
                .outputType(InputType.convolutional(40, 30, 1)));
        assertEquals(InputType.convolutional(64, 48, 3), LearnableResizer.builder().outputSize(64, 48).build()
                .outputType(InputType.convolutional(40, 30, 3)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearnableResizer.builder().outputSize(224, 0))
                .getMessage().contains("outputSize must be >= 1 in both dimensions, got 224x0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearnableResizer.builder().filters(0))
                .getMessage().contains("filters must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearnableResizer.builder().residualBlocks(-1))
                .getMessage().contains("residualBlocks must be >= 0, got -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearnableResizer.builder().leakyReluAlpha(Double.NaN))
                .getMessage().contains("leakyReluAlpha must be a finite number >= 0, got NaN"));
        String ff = assertThrows(IllegalArgumentException.class, () -> LearnableResizer.builder().outputSize(4, 4).build()
                .addTo(GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder().addInputs("in")
                        .setInputTypes(InputType.feedForward(12)), "in", "rs")).getMessage();
        assertTrue(ff.startsWith("LearnableResizer needs a 4-D CNN feature map"), ff);
    }
}
