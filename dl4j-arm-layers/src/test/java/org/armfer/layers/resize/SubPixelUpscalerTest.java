package org.armfer.layers.resize;

import org.armfer.layers.attention.GraphTesting;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
class SubPixelUpscalerTest {

    @Test
    void upscalesStartingAsBilinearAndLearnsOnTopOfIt() {
        ComputationGraphConfiguration.GraphBuilder g = GraphTesting.base(DataType.FLOAT, new Adam(1e-2)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 5, 3));
        String out = SubPixelUpscaler.builder().scale(3).features(8, 4).build().addTo(g, "in", "sr");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), out)
                .addLayer("o", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(2).build(), "pool")
                .setOutputs("o");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 6, 5);
        Map<String, INDArray> a = net.feedForward(x, false);
        assertArrayEquals(new long[]{4, 3, 18, 15}, a.get("sr.out").shape(), "x3: 6x5 -> 18x15");
        assertTrue(a.get("sr.out").equalsWithEps(a.get("sr.skip"), 1e-6), "the last convolution starts at zero: bilinear");
        GraphTesting.assertSaveLoadRoundTrip(net, new INDArray[]{x}, "sub-pixel upscaler");
        DataSet d = new DataSet(x, GraphTesting.oneHot(4, 2, 1, DataType.FLOAT));
        for (int i = 0; i < 3; i++) {
            net.fit(d);
        }
        assertFalse(net.feedForward(x, false).get("sr.out").equalsWithEps(net.feedForward(x, false).get("sr.skip"), 1e-6),
                "after training the learned detail is added to the bilinear image");
    }

    @Test
    void rejectsAScaleBelowTwo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SubPixelUpscaler.builder().scale(1));
        assertTrue(e.getMessage().contains(">= 2") && e.getMessage().contains("1"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> SubPixelUpscaler.builder().build());
    }
}
