package org.armfer.hyperparam;

import org.armfer.train.Metrics;
import org.deeplearning4j.arbiter.scoring.impl.EvaluationScoreFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The search's score functions, on armfer's one WA/UA implementation ({@link Metrics}). */
class AccuracyScoreFunctionTest {

    private static INDArray oneHot(int[] classes, int n) {
        INDArray a = Nd4j.zeros(DataType.FLOAT, classes.length, n);
        for (int i = 0; i < classes.length; i++) {
            a.putScalar(i, classes[i], 1.0);
        }
        return a;
    }

    @Test
    void imbalanceSeparatesTheTwoAccuracies() {
        // always predicting the majority class: weighted 0.9, unweighted 0.5
        int[] actual = new int[10];
        actual[9] = 1;
        Metrics m = Metrics.empty(List.of("a", "b")).add(oneHot(actual, 2), oneHot(new int[10], 2));
        assertEquals(0.9, new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED).score(m), 1e-12);
        assertEquals(0.5, new AccuracyScoreFunction(AccuracyScoreFunction.Metric.UNWEIGHTED).score(m), 1e-12);
        // DL4J's Evaluation converts to the same numbers
        Evaluation eval = new Evaluation(2);
        eval.eval(oneHot(actual, 2), oneHot(new int[10], 2));
        assertEquals(m.weightedAccuracy(), Metrics.of(eval).weightedAccuracy(), 1e-12);
        assertEquals(m.unweightedAccuracy(), Metrics.of(eval).unweightedAccuracy(), 1e-12);
    }

    @Test
    void noExampleIsAnErrorNotAScore() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED).score(Metrics.empty(3)));
        assertEquals("The validation data yielded no examples", e.getMessage());
        assertThrows(IllegalStateException.class, () -> new AccuracyScoreFunction(AccuracyScoreFunction.Metric.UNWEIGHTED)
                .score(Metrics.of(new Evaluation(3))));
    }

    @Test
    void scoreFunctionsAgreeOnANetwork() {
        DataSet data = TestData.images(9, 3, 1, 6, 11);
        ComputationGraph net = new ComputationGraph(new TinyModel(6, 3).build(ArmSearch.sweepSpace(3, 3).getValue(new double[0])));
        net.init();
        net.fit(TestData.supplier(data, 3).get());
        Metrics expected = org.armfer.train.Evaluation.evaluate(net, TestData.supplier(data, 4).get());
        AccuracyScoreFunction weighted = new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED);
        AccuracyScoreFunction unweighted = new AccuracyScoreFunction(AccuracyScoreFunction.Metric.UNWEIGHTED);
        assertEquals(expected.weightedAccuracy(), weighted.score(net, TestData.supplier(data, 2).get()), 1e-12);
        assertEquals(expected.unweightedAccuracy(), unweighted.score(net, TestData.supplier(data, 5).get()), 1e-12);
        assertFalse(weighted.minimize(), "accuracy is maximised");
        // Arbiter's own EvaluationScoreFunction runs on M2.1 and agrees with the weighted accuracy
        EvaluationScoreFunction arbiter = new EvaluationScoreFunction(Evaluation.Metric.ACCURACY);
        assertEquals(expected.weightedAccuracy(), arbiter.score(net, TestData.supplier(data, 3).get()), 1e-12);
        assertFalse(arbiter.minimize());
    }
}
