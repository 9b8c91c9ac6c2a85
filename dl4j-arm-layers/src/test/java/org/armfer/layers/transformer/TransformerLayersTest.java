package org.armfer.layers.transformer;

import org.armfer.layers.attention.GraphTesting;
import org.armfer.fast.testing.SampledGradientCheck;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer layers in float32 graphs: save/load (configuration JSON, ModelSerializer), training with DL4J's
 * updaters, stochastic depth, and errors for bad configurations and inputs.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
class TransformerLayersTest {

    private static void assertRoundTripAndTraining(ComputationGraph g, INDArray x, int classes, String ctx) {
        // JSON: the configuration of every layer survives
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back, ctx + ": configuration after JSON");
        // ModelSerializer: configuration, parameters and outputs
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x}, ctx);
        // Adam: every parameter moves, the loss goes down on a fixed batch
        g.setListeners();
        INDArray y = GraphTesting.oneHot((int) x.size(0), classes, 7, x.dataType());
        DataSet d = new DataSet(x, y);
        Map<String, INDArray> before = new LinkedHashMap<>();
        g.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        double first = g.score(d);
        for (int i = 0; i < 15; i++) {
            g.fit(d);
        }
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            assertFalse(e.getValue().equals(g.getParam(e.getKey())), ctx + ": parameter " + e.getKey() + " did not change");
        }
        double last = g.score(d);
        assertTrue(last < 0.8 * first, ctx + ": 15 Adam steps on one batch took the loss only from " + first + " to " + last);
    }

    @Test
    void vitLayersSaveLoadAndTrain() {
        ComputationGraph f = VitLayersTest.tinyVit(DataType.FLOAT, 8, 4, new Adam(3e-3));
        Nd4j.getRandom().setSeed(3);
        assertRoundTripAndTraining(f, Nd4j.rand(DataType.FLOAT, 4, 3, 8, 8), 3, "tiny ViT (float)");
    }

    @Test
    void swinLayersSaveLoadAndTrain() {
        ComputationGraph f = SwinLayersTest.tinySwin(DataType.FLOAT, new Adam(3e-3));
        Nd4j.getRandom().setSeed(3);
        assertRoundTripAndTraining(f, Nd4j.rand(DataType.FLOAT, 4, 3, 14, 14), 3, "tiny Swin (float)");
    }

    /** One Swin block on a 6x6 grid (window 3, shifted) between a patch embedding and a classifier. */
    private static ComputationGraph swinBlockGraph(double stochasticDepth, DataType dt) {
        ComputationGraph g = new ComputationGraph(GraphTesting.base(dt, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 12, 3))
                .addLayer("embed", PatchEmbedding.builder().patchSize(2).embedDim(4).build(), "in")
                .addLayer("block", SwinBlock.builder().heads(2).windowSize(3).shiftSize(1).stochasticDepth(stochasticDepth).build(), "embed")
                .addLayer("pool", TokenPooling.builder().mode(TokenPooling.Mode.MEAN).build(), "block")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    @Test
    void stochasticDepthIsIdentityAtInferenceAndDropsWholeExamplesInTraining() {
        ComputationGraph plain = swinBlockGraph(0.0, DataType.DOUBLE);
        ComputationGraph dropped = swinBlockGraph(0.5, DataType.DOUBLE);
        dropped.setParams(plain.params());
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 3, 12, 12);
        INDArray eval = dropped.feedForward(x, false).get("block");
        assertTrue(eval.equalsWithEps(plain.feedForward(x, false).get("block"), 1e-12), "inference: identity");
        INDArray embedded = plain.feedForward(x, false).get("embed");
        Nd4j.getRandom().setSeed(5);
        INDArray train = dropped.feedForward(x, true).get("block");
        int bothDropped = 0, changed = 0;
        for (int n = 0; n < 8; n++) {
            INDArray t = train.slice(n), e = eval.slice(n), in = embedded.slice(n);
            if (t.equalsWithEps(in, 1e-12)) {
                bothDropped++;                    // both branches dropped: the block is the identity for this example
            } else if (!t.equalsWithEps(e, 1e-9)) {
                changed++;
            }
        }
        assertTrue(changed > 0, "with p = 0.5 some example's branches were dropped or scaled by 2");
        assertTrue(bothDropped + changed <= 8);
        // the backward pass uses the forward pass's draws: gradient check with the RNG reset before every pass
        Nd4j.getRandom().setSeed(1);
        INDArray xs = Nd4j.rand(DataType.DOUBLE, 4, 3, 12, 12).subi(0.5);
        INDArray y = GraphTesting.oneHot(4, 3, 2, DataType.DOUBLE);
        SampledGradientCheck.assertGradients(dropped, new INDArray[]{xs}, new INDArray[]{y}, 4,
                () -> Nd4j.getRandom().setSeed(77), "stochastic depth p=0.5, RNG reset before every pass");
    }

    @Test
    void badConfigurationsAndInputsFailNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ComputationGraph(
                GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder().addInputs("in")
                        .setInputTypes(InputType.recurrent(10, 5, RNNFormat.NWC))
                        .addLayer("b", TransformerEncoderBlock.builder().heads(3).mlpDim(8).build(), "in")
                        .addLayer("p", TokenPooling.builder().build(), "b")
                        .addLayer("o", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "p")
                        .setOutputs("o").build()));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("heads 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 8))
                .addLayer("ln", LayerNorm.builder().build(), "in")
                .addLayer("p", TokenPooling.builder().build(), "ln")
                .addLayer("o", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "p")
                .setOutputs("o").build());
        assertTrue(e.getMessage().contains("NHWC") && e.getMessage().contains("NCHW"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GraphTesting.base(DataType.FLOAT, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 3))
                .addLayer("pe", PatchEmbedding.builder().patchSize(8).embedDim(4).build(), "in")
                .addLayer("p", TokenPooling.builder().build(), "pe")
                .addLayer("o", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "p")
                .setOutputs("o").build());
        assertTrue(e.getMessage().contains("6x6") && e.getMessage().contains("patchSize 8"), e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> SwinBlock.builder().heads(1).windowSize(4).shiftSize(4).build());
        assertTrue(s.getMessage().contains("shiftSize 4"), s.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SwinBlock.builder().stochasticDepth(1.0));
        assertThrows(IllegalArgumentException.class, () -> LayerNorm.builder().eps(0));
        // a wrong input shape at run time names the expected one
        ComputationGraph g = swinBlockGraph(0, DataType.FLOAT);
        IllegalArgumentException run = assertThrows(IllegalArgumentException.class,
                () -> g.getLayer("block").activate(Nd4j.rand(DataType.FLOAT, 2, 5, 6, 4), false,
                        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(run.getMessage().contains("[N, 6, 6, 4]") && run.getMessage().contains("[2, 5, 6, 4]"), run.getMessage());
        // a grid into a layer that wants NHWC gets a clear message, and layers that need a grid reject sequences
        e = assertThrows(IllegalArgumentException.class, () -> SwinBlock.builder().heads(1).build()
                .setNIn(InputType.recurrent(4, 9, RNNFormat.NWC), true));
        assertTrue(e.getMessage().contains("SEQUENCE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerNorm.builder().build()
                .setNIn(InputType.convolutional(3, 3, 4, CNN2DFormat.NCHW), true));
        assertTrue(e.getMessage().contains("NHWC"), e.getMessage());
    }
}
