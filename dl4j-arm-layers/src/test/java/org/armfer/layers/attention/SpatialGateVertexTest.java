package org.armfer.layers.attention;

import org.armfer.layers.impl.QuietSameDiffVertex;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
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

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SpatialGateVertex} and its runtime {@link QuietSameDiffVertex} (the SameDiff-vertex gradient mend). */
class SpatialGateVertexTest {

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

    /** Inputs "x" [c, h, w] and "a" [1, h, w] -> "gate" -> GAP -> softmax output. */
    private static ComputationGraph gateGraph(long c, long h, long w, IUpdater updater) {
        ComputationGraphConfiguration conf = GraphTesting.base(DataType.DOUBLE, updater).graphBuilder()
                .addInputs("x", "a")
                .setInputTypes(InputType.convolutional(h, w, c), InputType.convolutional(h, w, 1))
                .addVertex("gate", new SpatialGateVertex(), "x", "a")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "gate")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(2).build(), "gap")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** Forward and backward of one runtime vertex with the given inputs and dL/dOut. */
    private static INDArray[] forwardBackward(GraphVertex v, INDArray x, INDArray a, INDArray eps) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        v.setInputs(x, a);
        INDArray out = v.doForward(true, mgr);
        v.setEpsilon(eps);
        INDArray[] d = v.doBackward(false, mgr).getSecond();
        return new INDArray[]{out, d[0], d[1]};
    }

    @ParameterizedTest(name = "C={0}, H={1}, W={2}, N={3}")
    @CsvSource({"3,4,5,2", "1,2,2,1", "5,3,3,3"})
    void forwardAndInputGradientsMatchHandComputation(int c, int h, int w, int n) {
        String ctx = "C=" + c + ", H=" + h + ", W=" + w + ", N=" + n;
        ComputationGraph g = gateGraph(c, h, w, new NoOp());
        GraphVertex v = g.getVertex("gate");
        assertTrue(v instanceof QuietSameDiffVertex, ctx + ": runtime is " + v.getClass());
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5);
        INDArray a = Nd4j.rand(DataType.DOUBLE, n, 1, h, w);
        INDArray eps = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5);
        INDArray[] r = forwardBackward(v, x, a, eps);

        INDArray out = Nd4j.create(DataType.DOUBLE, n, c, h, w);
        INDArray dx = Nd4j.create(DataType.DOUBLE, n, c, h, w);
        INDArray da = Nd4j.create(DataType.DOUBLE, n, 1, h, w);
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    double gate = a.getDouble(b, 0, i, j);
                    double sum = 0;
                    for (int ch = 0; ch < c; ch++) {
                        out.putScalar(new long[]{b, ch, i, j}, x.getDouble(b, ch, i, j) * gate);
                        dx.putScalar(new long[]{b, ch, i, j}, eps.getDouble(b, ch, i, j) * gate);
                        sum += eps.getDouble(b, ch, i, j) * x.getDouble(b, ch, i, j);
                    }
                    da.putScalar(new long[]{b, 0, i, j}, sum);
                }
        assertTrue(out.equalsWithEps(r[0], 1e-12), ctx + ": X ⊙ A\nexpected " + out + "\ngot " + r[0]);
        assertTrue(dx.equalsWithEps(r[1], 1e-12), ctx + ": dL/dX = eps ⊙ A\nexpected " + dx + "\ngot " + r[1]);
        assertTrue(da.equalsWithEps(r[2], 1e-12), ctx + ": dL/dA = Σ_c eps ⊙ X\nexpected " + da + "\ngot " + r[2]);
    }

    @Test
    void dl4jsOwnSameDiffVertexRuntimeDoublesTheGradient() {
        // the defect QuietSameDiffVertex mends; when this fails, DL4J was fixed and the mend is detected as not needed
        ComputationGraph g = gateGraph(2, 3, 3, new NoOp());
        SpatialGateVertex conf = (SpatialGateVertex) g.getConfiguration().getVertices().get("gate");
        SameDiffGraphVertex plain = new SameDiffGraphVertex(conf, g, "gate", 99, null, false, DataType.DOUBLE);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 3, 3);
        INDArray a = Nd4j.rand(DataType.DOUBLE, 2, 1, 3, 3);
        INDArray eps = Nd4j.rand(DataType.DOUBLE, 2, 2, 3, 3);
        INDArray[] dl4j = forwardBackward(plain, x, a, eps);
        INDArray[] ours = forwardBackward(g.getVertex("gate"), x, a, eps);
        assertEquals(ours[0], dl4j[0], "forward unchanged");
        assertEquals(eps.mul(a), ours[1], "armfer runtime: dL/dX = eps ⊙ A");
        assertEquals(ours[1].mul(2), dl4j[1], "DL4J M2.1 runtime: dL/dX = 2·eps ⊙ A (the defect)");
        assertEquals(ours[2].mul(2), dl4j[2], "DL4J M2.1 runtime: dL/dA doubled (the defect)");
    }

    @Test
    void gradientCheckThroughBothInputs() {
        // conv1x1 (tanh) gives X, conv1x1 (sigmoid) gives A: both convolutions' gradients pass through the gate
        int c = 3, h = 3, w = 4, n = 3;
        ComputationGraphConfiguration conf = GraphTesting.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("fx", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(Activation.TANH).build(), "in")
                .addLayer("fa", new ConvolutionLayer.Builder(1, 1).nOut(1).activation(Activation.SIGMOID).build(), "in")
                .addVertex("gate", new SpatialGateVertex(), "fx", "fa")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "gate")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build(), "gap")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(n, 3, 7, DataType.DOUBLE)},
                "gate after two 1x1 convolutions, C=3, 3x4, N=3");
    }

    @Test
    void saveLoadAndJson() {
        ComputationGraph g = gateGraph(2, 3, 3, new Adam(1e-2));
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 2, 3, 3);
        INDArray a = Nd4j.rand(DataType.DOUBLE, 4, 1, 3, 3);
        g.fit(new MultiDataSet(new INDArray[]{x, a}, new INDArray[]{GraphTesting.oneHot(4, 2, 3, DataType.DOUBLE)}));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back, "configuration JSON round trip");
        assertTrue(back.getVertices().get("gate") instanceof SpatialGateVertex, "gate vertex type after JSON");
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x, a}, "gate graph");
        org.deeplearning4j.nn.conf.memory.LayerMemoryReport report = (org.deeplearning4j.nn.conf.memory.LayerMemoryReport)
                new SpatialGateVertex().getMemoryReport(InputType.convolutional(3, 3, 2), InputType.convolutional(3, 3, 1));
        assertEquals(SpatialGateVertex.class, report.getLayerType(), "memory report (DL4J's SameDiffVertex gives null)");
        assertEquals(0, report.getParameterSize(), "memory report: no parameters");
    }

    @Test
    void rejectsGatesOfTheWrongShape() {
        String twoChannels = assertThrows(Exception.class, () -> GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("x", "a").setInputTypes(InputType.convolutional(4, 4, 3), InputType.convolutional(4, 4, 2))
                .addVertex("gate", new SpatialGateVertex(), "x", "a").setOutputs("gate").build()).getMessage();
        assertTrue(twoChannels.contains("the gate must be [N, 1, 4, 4] for the feature map [N, 3, 4, 4], got [N, 2, 4, 4]"), twoChannels);
        String size = assertThrows(Exception.class, () -> GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("x", "a").setInputTypes(InputType.convolutional(4, 4, 3), InputType.convolutional(4, 5, 1))
                .addVertex("gate", new SpatialGateVertex(), "x", "a").setOutputs("gate").build()).getMessage();
        assertTrue(size.contains("got [N, 1, 4, 5]"), size);
        String ff = assertThrows(Exception.class, () -> GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("x", "a").setInputTypes(InputType.feedForward(3), InputType.convolutional(4, 5, 1))
                .addVertex("gate", new SpatialGateVertex(), "x", "a").setOutputs("gate").build()).getMessage();
        assertTrue(ff.contains("first input (feature map) must be a 4-D CNN map"), ff);
        ComputationGraph g = gateGraph(2, 3, 3, new NoOp());
        Exception e = assertThrows(Exception.class, () -> g.output(Nd4j.rand(DataType.DOUBLE, 2, 2, 3, 3), Nd4j.rand(DataType.DOUBLE, 2, 2, 3, 3)));
        String msg = e.getMessage() + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(msg.contains("expects a feature map [N, C, H, W] and a gate [N, 1, H, W], got [2, 2, 3, 3] and [2, 2, 3, 3]"), msg);
    }

    @Test
    void noSameDiffChatterOnStdout() {
        ComputationGraph g = gateGraph(2, 3, 3, new NoOp());
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            forwardBackward(g.getVertex("gate"), Nd4j.rand(DataType.DOUBLE, 1, 2, 3, 3), Nd4j.rand(DataType.DOUBLE, 1, 1, 3, 3),
                    Nd4j.rand(DataType.DOUBLE, 1, 2, 3, 3));
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("Added differentiated op"), out);
        assertArrayEquals(new long[]{1, 2, 3, 3}, g.getVertex("gate").getEpsilon().shape(), "epsilon restored after backprop");
    }
}
