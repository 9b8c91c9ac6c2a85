package org.armfer.layers.transformer;

import org.armfer.layers.attention.GraphTesting;
import org.armfer.layers.impl.DirectLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
class VitLayersTest {

    private static DataType previous;

    @org.junit.jupiter.api.BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @org.junit.jupiter.api.AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    @AfterEach
    void direct() {
        System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
    }

    static ComputationGraph tinyVit(DataType dt, int side, int patch) {
        return tinyVit(dt, side, patch, new NoOp());
    }

    static ComputationGraph tinyVit(DataType dt, int side, int patch, org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(side, side, 3))
                .addLayer("conv_proj", PatchEmbedding.builder().patchSize(patch).embedDim(8).build(), "in")
                .addLayer("embedding", ClassTokenEmbedding.builder().build(), "conv_proj")
                .addLayer("block0", TransformerEncoderBlock.builder().heads(2).mlpDim(12).build(), "embedding")
                .addLayer("block1", TransformerEncoderBlock.builder().heads(2).mlpDim(12).build(), "block0")
                .addLayer("ln", LayerNorm.builder().eps(1e-6).build(), "block1")
                .addLayer("token", TokenPooling.builder().build(), "ln")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build(), "token")
                .setOutputs("head");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        // non-trivial LayerNorm and token parameters
        Nd4j.getRandom().setSeed(5);
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            e.getValue().addi(Nd4j.rand(dt, e.getValue().shape()).subi(0.5).muli(0.2));
        }
        return net;
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        ComputationGraph net = tinyVit(DataType.DOUBLE, 10, 4);   // 10x10: the last 2 rows/columns are cut off
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 10, 10).subi(0.5);
        INDArray y = GraphTesting.oneHot(2, 3, 3, DataType.DOUBLE);
        TransformerTesting.assertGradients(net, x, y, 5, "tiny ViT");
    }

    @Test
    void directEqualsSameDiff() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 3, 8, 8).subi(0.5);
        INDArray y = GraphTesting.oneHot(3, 3, 3, DataType.DOUBLE);
        Map<String, INDArray>[] res = new Map[2];
        for (int i = 0; i < 2; i++) {
            if (i == 0) System.setProperty(DirectLayer.SAMEDIFF_PROPERTY, "true");
            else System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
            ComputationGraph net = tinyVit(DataType.DOUBLE, 8, 4);
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
            Map<String, INDArray> m = new TreeMap<>();
            net.gradient().gradientForVariable().forEach((k, v) -> m.put(k, v.dup()));
            m.put("out", net.outputSingle(x));
            res[i] = m;
        }
        assertEquals(res[0].keySet(), res[1].keySet());
        for (String k : res[0].keySet()) {
            double diff = res[0].get(k).sub(res[1].get(k)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-10, k + ": " + diff);
        }
    }
}
