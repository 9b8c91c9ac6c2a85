package org.armfer.fast;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the fast layers' tests share: the tolerance check, and gradients of several graphs on one batch. */
final class Close {

    private Close() {
    }

    /** Sets {@code x}, {@code y} on each graph and computes its gradient and score. */
    static void computeGradients(INDArray x, INDArray y, ComputationGraph... graphs) {
        for (ComputationGraph g : graphs) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
    }

    /** Max absolute difference within {@code tol} scaled by max(1, max |expected|). */
    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(expected.length(), actual.length(), what + ": length");
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |difference| " + diff + " > " + tol * scale);
    }
}
