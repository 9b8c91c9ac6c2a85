package org.armfer.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.armfer.fast.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchNormFoldingTest {

    @BeforeAll
    static void backend() {
        CpuBackend.configure();
    }

    /**
     * in -> c1 -> b1 -> r1 -> c2 (bias) -> b2 (log10 std) -> add(c3) -> pool -> out, where c3 (a conv whose output
     * goes to both b3 and the addition) must stay as it is.
     */
    private static ComputationGraph trained(CNN2DFormat f) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3, f))
                .addLayer("c1", new FastConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(6).hasBias(false)
                        .dataFormat(f).activation(Activation.IDENTITY).build(), "in")
                .addLayer("b1", new FastBatchNormalization.Builder().useLogStd(false).dataFormat(f).build(), "c1")
                .addLayer("r1", new FastActivationLayer(Activation.RELU).inPlace(true), "b1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(6).dataFormat(f)
                        .activation(Activation.IDENTITY).build(), "r1")
                .addLayer("b2", new BatchNormalization.Builder().useLogStd(true).dataFormat(f).build(), "c2")
                .addLayer("c3", new ConvolutionLayer.Builder(1, 1).nOut(6).dataFormat(f)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("b3", new FastBatchNormalization.Builder().dataFormat(f).build(), "c3")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b2", "b3", "c3")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Nd4j.getRandom().setSeed(6);
        INDArray x = input(f);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        for (int i = 0; i < 5; i++) {   // running statistics, gamma and beta away from their initial values
            g.fit(new MultiDataSet(x, y));
        }
        return g;
    }

    private static INDArray input(CNN2DFormat f) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 3, 8, 8).muli(2).addi(1);
        return f == CNN2DFormat.NHWC ? x.permute(0, 2, 3, 1).dup('c') : x;
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void foldedGraphComputesTheSameInferenceOutput(CNN2DFormat f) {
        ComputationGraph g = trained(f);
        INDArray before = g.params().dup();
        ComputationGraph folded = BatchNormFolding.fold(g);
        Set<String> names = folded.getConfiguration().getVertices().keySet();
        for (String gone : new String[]{"b1", "r1", "b2"}) {
            assertFalse(names.contains(gone), gone + " folded away: " + names);
        }
        assertTrue(names.containsAll(Set.of("c1", "c2", "c3", "b3", "add")), "c3 feeds two vertices: kept, " + names);
        assertEquals("c1", folded.getConfiguration().getVertexInputs().get("c2").get(0));
        assertEquals("c2", folded.getConfiguration().getVertexInputs().get("add").get(0));
        ConvolutionLayer c1 = (ConvolutionLayer) folded.getLayer("c1").conf().getLayer();
        assertTrue(c1.hasBias());
        assertEquals(Activation.RELU.getActivationFunction(), c1.getActivationFn());
        INDArray x = input(f);
        assertClose(g.outputSingle(false, x), folded.outputSingle(false, x), 1e-5, f + " inference output");
        assertEquals(before, g.params(), "the trained graph is unchanged");
        assertTrue(folded.numParams() < g.numParams(), "batch norm parameters gone");
    }
}
