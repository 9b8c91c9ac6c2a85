package org.armfer.train;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** armfer's one WA / UA / recall / confusion implementation, by hand, on no data, and from DL4J's Evaluation. */
class MetricsTest {

    private static INDArray oneHot(int[] classes, int n) {
        INDArray a = Nd4j.zeros(DataType.FLOAT, classes.length, n);
        for (int i = 0; i < classes.length; i++) a.putScalar(i, classes[i], 1.0);
        return a;
    }

    @Test
    void weightedUnweightedRecallAndConfusionByHand() {
        // class 0: 4 examples, 3 right; class 1: 2 examples, 1 right; class 2: none, but predicted once
        int[] actual = {0, 0, 0, 0, 1, 1};
        int[] predicted = {0, 0, 0, 1, 1, 2};
        Metrics m = Metrics.empty(List.of("a", "b", "c")).add(oneHot(actual, 3), oneHot(predicted, 3));
        assertEquals(4.0 / 6, m.weightedAccuracy(), 1e-12, "correct / total");
        assertEquals((3.0 / 4 + 1.0 / 2) / 2, m.unweightedAccuracy(), 1e-12, "mean recall of the 2 classes present");
        assertTrue(Double.isNaN(m.recall(2)), "a class without examples has no recall");
        assertArrayEquals(new long[]{3, 1, 0}, m.confusion()[0]);
        assertArrayEquals(new long[]{0, 1, 1}, m.confusion()[1]);
        assertEquals(6, m.total());
        assertEquals(4, m.support(0));
        // DL4J's Evaluation gives the same numbers through Metrics.of
        Evaluation eval = new Evaluation(3);
        eval.eval(oneHot(actual, 3), oneHot(predicted, 3));
        Metrics fromEval = Metrics.of(eval, List.of("a", "b", "c"));
        assertEquals(eval.accuracy(), fromEval.weightedAccuracy(), 1e-12);
        assertEquals(m.unweightedAccuracy(), fromEval.unweightedAccuracy(), 1e-12);
        assertArrayEquals(m.confusion()[0], fromEval.confusion()[0]);
    }

    @Test
    void noDataIsNaNAndAnErrorWhereAnExampleIsRequired() {
        Metrics empty = Metrics.empty(3);
        assertEquals(0, empty.total());
        assertTrue(Double.isNaN(empty.weightedAccuracy()) && Double.isNaN(empty.unweightedAccuracy()));
        assertEquals("-", Metrics.format(empty.weightedAccuracy()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> empty.requireExamples("validation"));
        assertEquals("The validation data yielded no examples", e.getMessage());
        assertEquals(0, Metrics.of(new Evaluation(3)).total(), "an Evaluation that saw nothing");
        assertEquals(List.of("0", "1", "2"), empty.labels());
    }
}
