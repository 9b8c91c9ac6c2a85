package org.armfer.hyperparam;

import org.deeplearning4j.arbiter.scoring.impl.EvaluationScoreFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Weighted and unweighted accuracy, and the score functions built on them. */
class ValidationScoresTest {

    private static INDArray oneHot(int[] classes, int n) {
        INDArray a = Nd4j.zeros(DataType.FLOAT, classes.length, n);
        for (int i = 0; i < classes.length; i++) {
            a.putScalar(i, classes[i], 1.0);
        }
        return a;
    }

    @Test
    void weightedAndUnweightedByHand() {
        // class 0: 4 examples, 3 right; class 1: 2 examples, 1 right; class 2: none (but predicted once)
        int[] actual = {0, 0, 0, 0, 1, 1};
        int[] predicted = {0, 0, 0, 1, 1, 2};
        Evaluation eval = new Evaluation(3);
        eval.eval(oneHot(actual, 3), oneHot(predicted, 3));
        ValidationScores s = ValidationScores.of(eval);
        assertEquals(4.0 / 6, s.weightedAccuracy(), 1e-12, "correct / total");
        assertEquals((3.0 / 4 + 1.0 / 2) / 2, s.unweightedAccuracy(), 1e-12, "mean recall of the 2 present classes");
        assertEquals(eval.accuracy(), s.weightedAccuracy(), 1e-12, "weighted = DL4J's accuracy");
        assertEquals(6, s.examples());
        assertEquals(2, s.classesPresent());
    }

    @Test
    void imbalanceSeparatesTheTwo() {
        // always predicting the majority class: weighted 0.9, unweighted 0.5
        int[] actual = new int[10];
        actual[9] = 1;
        int[] predicted = new int[10];
        Evaluation eval = new Evaluation(2);
        eval.eval(oneHot(actual, 2), oneHot(predicted, 2));
        ValidationScores s = ValidationScores.of(eval);
        assertEquals(0.9, s.weightedAccuracy(), 1e-12);
        assertEquals(0.5, s.unweightedAccuracy(), 1e-12);
        assertEquals(0.9, new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED).score(s), 1e-12);
        assertEquals(0.5, new AccuracyScoreFunction(AccuracyScoreFunction.Metric.UNWEIGHTED).score(s), 1e-12);
    }

    @Test
    void anEmptyEvaluationIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ValidationScores.of(new Evaluation(3)));
        assertEquals("The validation data yielded no examples; cannot score the candidate", e.getMessage());
    }

    @Test
    void scoreFunctionsAgreeOnANetwork() {
        DataSet data = TestData.images(9, 3, 1, 6, 11);
        ComputationGraph net = new ComputationGraph(new TinyModel(6, 3).build(ArmSearch.sweepSpace(3, 3).getValue(new double[0])));
        net.init();
        net.fit(TestData.supplier(data, 3).get());
        ValidationScores expected = ValidationScores.of(net.evaluate(TestData.supplier(data, 4).get()));
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
