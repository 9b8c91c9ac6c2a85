package org.armfer.layers.attention;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ChannelMaxMeanPoolingTest {

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

    private static ComputationGraph graph(int c, int h, int w, boolean convFirst) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        String last = "in";
        if (convFirst) {
            b.addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(Activation.TANH).build(), "in");
            last = "conv";
        }
        b.addLayer("pool", ChannelMaxMeanPooling.builder().build(), last)
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(2).build(), "gap")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void maxThenMeanOverChannels() {
        int n = 2, c = 4, h = 3, w = 2;
        ComputationGraph g = graph(c, h, w, false);
        assertEquals(InputType.convolutional(h, w, 2),
                g.getConfiguration().getLayerActivationTypes(InputType.convolutional(h, w, c)).get("pool"));
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5);
        INDArray out = g.feedForward(x, false).get("pool");
        assertArrayEquals(new long[]{n, 2, h, w}, out.shape());
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int ch = 0; ch < c; ch++) {
                        max = Math.max(max, x.getDouble(b, ch, i, j));
                        sum += x.getDouble(b, ch, i, j);
                    }
                    String at = "b=" + b + ", i=" + i + ", j=" + j;
                    assertEquals(max, out.getDouble(b, 0, i, j), 1e-15, "channel 0 = max, " + at);
                    assertEquals(sum / c, out.getDouble(b, 1, i, j), 1e-15, "channel 1 = mean, " + at);
                }
    }

    @Test
    void gradientCheck() {
        ComputationGraph g = graph(3, 3, 3, true);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 3, 3, 3).subi(0.5).muli(3);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{GraphTesting.oneHot(3, 2, 1, DataType.DOUBLE)},
                "conv1x1 -> ChannelMaxMeanPooling, C=3, 3x3, N=3");
    }
}
