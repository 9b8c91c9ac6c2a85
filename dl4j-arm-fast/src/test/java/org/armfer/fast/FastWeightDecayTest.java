package org.armfer.fast;

import org.armfer.fast.testing.WeightDecayTerms;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FastWeightDecay}: its score against a sum of squares in double, its update and JSON against DL4J's. */
class FastWeightDecayTest {

    private static void assertRelative(double expected, double actual, double tol, String what) {
        assertTrue(Math.abs(expected - actual) <= tol * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void scoreIsTheSumOfSquaresOfEveryKindOfParameterArray() {
        Nd4j.getRandom().setSeed(3);
        FastWeightDecay wd = new FastWeightDecay(1e-4, true);
        // a large float array (millions of terms: DL4J's norm2 is off by ~3e-4 relative here), a view at an offset
        // of a flattened parameter vector, a Fortran-ordered (dense-layer) view, a strided view, double
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 3_000_000).subi(0.25);
        INDArray big = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 2_359_296)).reshape('c', 512, 512, 3, 3);
        INDArray atOffset = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(2_359_296, 2_359_296 + 4096))
                .reshape('c', 64, 64);
        INDArray fOrder = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(2_400_000, 2_400_000 + 512 * 7))
                .reshape('f', 512, 7);
        INDArray strided = Nd4j.rand(DataType.FLOAT, 64, 10).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3));
        INDArray dbl = Nd4j.rand(DataType.DOUBLE, 128, 64, 3, 3);
        for (INDArray p : List.of(big, atOffset, fOrder, strided, dbl)) {
            assertRelative(WeightDecayTerms.of(1e-4, p), wd.score(p, 0, 0), 2e-5, "score of " + p.shapeInfoToString());
        }
        assertRelative(WeightDecayTerms.of(1e-4, big), wd.score(big, 0, 0), 2e-5, "large array");
    }

    @Test
    void scheduleIsFollowed() {
        FastWeightDecay wd = new FastWeightDecay(new ExponentialSchedule(ScheduleType.EPOCH, 1e-3, 0.5), false);
        INDArray p = Nd4j.rand(DataType.FLOAT, 32, 16);
        assertRelative(WeightDecayTerms.of(0.25e-3, p), wd.score(p, 7, 2), 1e-6, "coefficient at epoch 2");
    }

    /**
     * A small graph whose two weight layers carry {@code reg} (set on each layer: DL4J M2.1 gives a layer a
     * network-wide term twice).
     */
    private static ComputationGraph graph(Regularization reg) {
        List<Regularization> terms = reg == null ? List.of() : List.of(reg);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(0.1))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU)
                        .regularization(new ArrayList<>(terms)).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).regularization(new ArrayList<>(terms)).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void trainsExactlyAsDl4jsWeightDecayAndScoresTheSame() {
        ComputationGraph ref = graph(new WeightDecay(0.05, true));
        ComputationGraph fast = graph(new FastWeightDecay(0.05, true));
        assertEquals(ref.params(), fast.params());
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2, 6, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        for (int i = 0; i < 3; i++) {
            ref.fit(new MultiDataSet(x, y));
            fast.fit(new MultiDataSet(x, y));
            assertEquals(ref.params(), fast.params(), "parameters after step " + (i + 1));
            assertRelative(ref.score(), fast.score(), 1e-6, "score after step " + (i + 1));
        }
        // the score is the loss plus 0.5 * coeff * sum(W^2) over the weights (not the biases): against the same
        // parameters without regularization
        double term = WeightDecayTerms.overWeights(0.05, fast);
        ComputationGraph none = graph(null);
        none.setParams(fast.params());
        MultiDataSet batch = new MultiDataSet(x, y);
        assertRelative(term, fast.score(batch) - none.score(batch), 1e-4, "regularization term of the score");
        assertTrue(term > 1e-3, "a visible regularization term");
    }

    @Test
    void survivesJsonAndCloning() {
        ComputationGraph g = graph(new FastWeightDecay(new ExponentialSchedule(ScheduleType.ITERATION, 0.02, 0.9), true));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        for (ComputationGraphConfiguration c : List.of(back, back.clone())) {
            BaseLayer conv = (BaseLayer) ((LayerVertex) c.getVertices().get("conv")).getLayerConf().getLayer();
            assertEquals(1, conv.getRegularization().size());
            Regularization r = conv.getRegularization().get(0);
            assertInstanceOf(FastWeightDecay.class, r);
            assertEquals(new FastWeightDecay(new ExponentialSchedule(ScheduleType.ITERATION, 0.02, 0.9), true), r);
            assertInstanceOf(FastWeightDecay.class, r.clone());
            assertEquals(r, r.clone());
        }
    }
}
