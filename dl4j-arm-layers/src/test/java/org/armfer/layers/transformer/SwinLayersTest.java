package org.armfer.layers.transformer;

import org.armfer.layers.attention.GraphTesting;
import org.armfer.layers.impl.DirectLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
class SwinLayersTest {

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

    @AfterEach
    void direct() {
        System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
    }

    /** 14x14 image, patch 2: a 7x7 grid (padded to 9, shifted), 4x4 after merging (padded, shifted), 2x2 (shift dropped). */
    static ComputationGraph tinySwin(DataType dt) {
        return tinySwin(dt, new NoOp());
    }

    static ComputationGraph tinySwin(DataType dt, org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(14, 14, 3))
                .addLayer("embed", PatchEmbedding.builder().patchSize(2).embedDim(4).init(PatchEmbedding.Init.TORCH_DEFAULT).build(), "in")
                .addLayer("embed_norm", LayerNorm.builder().build(), "embed")
                .addLayer("s1b0", SwinBlock.builder().heads(2).windowSize(3).shiftSize(0).build(), "embed_norm")
                .addLayer("s1b1", SwinBlock.builder().heads(2).windowSize(3).shiftSize(1).build(), "s1b0")
                .addLayer("merge1", PatchMerging.builder().build(), "s1b1")
                .addLayer("s2b0", SwinBlock.builder().heads(2).windowSize(3).shiftSize(1).build(), "merge1")
                .addLayer("merge2", PatchMerging.builder().build(), "s2b0")
                .addLayer("s3b0", SwinBlock.builder().heads(4).windowSize(3).shiftSize(1).mlpDim(20).build(), "merge2")
                .addLayer("norm", LayerNorm.builder().build(), "s3b0")
                .addLayer("pool", TokenPooling.builder().mode(TokenPooling.Mode.MEAN).build(), "norm")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build(), "pool")
                .setOutputs("head");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        Nd4j.getRandom().setSeed(5);
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            e.getValue().addi(Nd4j.rand(dt, e.getValue().shape()).subi(0.5).muli(0.4));
        }
        return net;
    }

    @Test
    void geometryOfTheTinySwin() {
        ComputationGraph net = tinySwin(DataType.DOUBLE);
        SwinBlock s1b1 = (SwinBlock) net.getLayer("s1b1").conf().getLayer();
        SwinBlock s3b0 = (SwinBlock) net.getLayer("s3b0").conf().getLayer();
        assertEquals(7, s1b1.getInHeight());
        assertEquals(1, s1b1.effectiveShift()[0]);
        assertEquals(2, s3b0.getInHeight());
        assertEquals(0, s3b0.effectiveShift()[0], "a window covering the padded map is not shifted");
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        ComputationGraph net = tinySwin(DataType.DOUBLE);
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 14, 14).subi(0.5);
        INDArray y = GraphTesting.oneHot(2, 3, 3, DataType.DOUBLE);
        TransformerTesting.assertGradients(net, x, y, 3, "tiny Swin");
    }

    @Test
    void directEqualsSameDiff() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 3, 14, 14).subi(0.5);
        INDArray y = GraphTesting.oneHot(3, 3, 3, DataType.DOUBLE);
        Map<String, INDArray>[] res = new Map[2];
        for (int i = 0; i < 2; i++) {
            if (i == 0) System.setProperty(DirectLayer.SAMEDIFF_PROPERTY, "true");
            else System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
            ComputationGraph net = tinySwin(DataType.DOUBLE);
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
