package org.armfer.train;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** N micro-batches accumulated into one update equal one step on all their examples, for a model without BatchNorm. */
class GradientAccumulationTest {

    /** conv -> dense -> softmax, with a coupled weight decay so that regularization is part of the step. */
    private static ComputationGraph net() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("dense", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "dense")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(WeightDecayMode.COUPLED.apply(conf, 1e-3));
        g.init();
        return g;
    }

    @Test
    void accumulatedMicroBatchesEqualTheBigBatch() {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.FLOAT, 24, 2, 6, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 24, 3);
        for (int i = 0; i < 24; i++) y.putScalar(i, i % 3, 1);
        List<DataSet> examples = new DataSet(x, y).asList();

        ComputationGraph big = net();
        EpochFitter.Fit bigFit = new LocalFitter(null, 1).fit(big, new ListDataSetIterator<>(examples, 8), 0, 1);
        ComputationGraph acc = net();
        EpochFitter.Fit accFit = new LocalFitter(null, 4).fit(acc, new ListDataSetIterator<>(examples, 2), 0, 1);

        assertEquals(3, big.getIterationCount(), "3 batches of 8");
        assertEquals(3, acc.getIterationCount(), "12 micro-batches of 2, 4 per update: 3 updates");
        double d = big.params().sub(acc.params()).amaxNumber().doubleValue();
        assertTrue(d < 1e-6, "max |parameter difference| " + d);
        assertTrue(big.params().sub(net().params()).amaxNumber().doubleValue() > 1e-3, "the steps moved the parameters");
        assertEquals(bigFit.loss(), accFit.loss(), 1e-5, "mean loss over the epoch's examples");
        assertEquals(24, accFit.examples());
        assertNotNull(accFit.trainAccuracy(), "measured on the training passes");
        assertEquals(bigFit.trainAccuracy(), accFit.trainAccuracy(), 1e-12, "same predictions before each update");

        // without accumulation, micro-batches of 2 are 12 smaller steps: another result (the test can tell)
        ComputationGraph small = net();
        new LocalFitter(null, 1).fit(small, new ListDataSetIterator<>(examples, 2), 0, 1);
        assertTrue(small.params().sub(big.params()).amaxNumber().doubleValue() > 1e-4);
    }
}
