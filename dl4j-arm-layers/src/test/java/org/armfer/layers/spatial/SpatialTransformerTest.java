package org.armfer.layers.spatial;

import org.armfer.layers.attention.GraphTesting;
import org.armfer.fast.testing.SampledGradientCheck;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spatial transformer in a graph: identity at the start, gradient check, save/load, errors. (PyTorch parity: zoo.) */
@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
class SpatialTransformerTest {

    private static ComputationGraph graph(DataType dt, int side) {
        ComputationGraphConfiguration.GraphBuilder g = GraphTesting.base(dt, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(side, side, 2));
        String out = SpatialTransformer.builder().hidden(4).build().addTo(g, "in", "stn");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), out)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(2).build(), "pool").setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    @Test
    void startsAsTheIdentityAndNamesTheVerticesAsTheReference() {
        ComputationGraph net = graph(DataType.FLOAT, 24);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 2, 24, 24);
        Map<String, INDArray> acts = net.feedForward(x, false);
        assertTrue(acts.get("stn.sample").equalsWithEps(x, 1e-5), "identity transform at initialisation");
        for (String v : new String[]{"stn.localization.0", "stn.localization.3", "stn.fc_loc.0", "stn.fc_loc.2"}) {
            assertTrue(net.getConfiguration().getVertices().containsKey(v), v);
        }
        assertEquals(10 * 2 * 2, net.getLayer("stn.fc_loc.0").getParam("W").size(0), "24x24 -> 10 maps of 2x2");
        GraphTesting.assertSaveLoadRoundTrip(net, new INDArray[]{x}, "STN");
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph net = graph(DataType.DOUBLE, 20);
            Nd4j.getRandom().setSeed(3);
            for (INDArray p : net.paramTable().values()) {
                p.addi(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.5).muli(0.3));
            }
            INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 20, 20);
            INDArray y = GraphTesting.oneHot(2, 2, 4, DataType.DOUBLE);
            SampledGradientCheck.assertGradients(net, new INDArray[]{x}, new INDArray[]{y}, 6, null,
                    "STN: through the sampler into θ and the localisation network");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void rejectsImagesTooSmallAndBadInputs() {
        ComputationGraphConfiguration.GraphBuilder g = GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpatialTransformer.builder().build().addTo(g, "in", "stn"));
        assertTrue(e.getMessage().contains("16x16") && e.getMessage().contains(">= 20"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpatialTransformer.builder().hidden(0));
        AffineGridSampleVertex v = new AffineGridSampleVertex();
        assertThrows(org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException.class,
                () -> v.getOutputType(0, InputType.convolutional(8, 8, 3), InputType.feedForward(4)));
        assertArrayEquals(new long[]{3, 8, 8}, ((InputType.InputTypeConvolutional) v.getOutputType(0,
                InputType.convolutional(8, 8, 3), InputType.feedForward(6))).getShape(false));
    }
}
