package org.armfer.fast;

import org.armfer.fast.testing.WeightDecayTerms;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L1Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SingleRegularizationGraphBuilder} against DL4J's own graph builder. */
class SingleRegularizationGraphBuilderTest {

    private static NeuralNetConfiguration.Builder global(double wd) {
        return new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(0.1))
                .weightDecay(wd).l1(1e-3).weightDecayBias(wd / 2);
    }

    private static ComputationGraphConfiguration conf(ComputationGraphConfiguration.GraphBuilder g) {
        return g.addInputs("in").setInputTypes(InputType.feedForward(5))
                .addLayer("dense", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build(), "dense")
                .setOutputs("out").build();
    }

    private static List<Regularization> terms(ComputationGraphConfiguration c, String layer,
                                              Function<BaseLayer, List<Regularization>> which) {
        return which.apply((BaseLayer) ((LayerVertex) c.getVertices().get(layer)).getLayerConf().getLayer());
    }

    @Test
    void everyLayerKeepsOneCopyOfEachTerm() {
        ComputationGraphConfiguration dl4j = conf(global(0.01).graphBuilder());
        ComputationGraphConfiguration single = conf(new SingleRegularizationGraphBuilder(global(0.01)));
        // what DL4J M2.1 does (this test fails once a DL4J release no longer repeats the term: then this class can go)
        assertEquals(2, terms(dl4j, "dense", BaseLayer::getRegularization).stream()
                .filter(r -> r instanceof WeightDecay).count());
        for (String layer : new String[]{"dense", "out"}) {
            assertEquals(List.of(new WeightDecay(0.01, true), new L1Regularization(1e-3)),
                    terms(single, layer, BaseLayer::getRegularization), layer);
            assertEquals(List.of(new WeightDecay(0.005, true)), terms(single, layer, BaseLayer::getRegularizationBias),
                    layer + " bias");
        }
        assertEquals(single, ComputationGraphConfiguration.fromJson(single.toJson()));
    }

    @Test
    void theScoreCarriesTheTermsOnce() {
        ComputationGraph g = new ComputationGraph(conf(new SingleRegularizationGraphBuilder(
                new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(0.1)).weightDecay(0.05))));
        g.init();
        ComputationGraph none = new ComputationGraph(conf(new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Sgd(0.1)).graphBuilder()));
        none.init();
        none.setParams(g.params());
        double term = WeightDecayTerms.overWeights(0.05, g);
        Nd4j.getRandom().setSeed(4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 4, 5), y);
        double measured = g.score(batch) - none.score(batch);
        assertTrue(Math.abs(measured - term) <= 1e-5 * term, "regularization term " + measured + ", expected " + term);
    }
}
