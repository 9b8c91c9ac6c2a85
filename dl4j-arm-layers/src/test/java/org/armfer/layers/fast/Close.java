package org.armfer.layers.fast;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast layers' tests' comparison: max absolute difference within {@code tol} scaled by max(1, max |expected|). */
final class Close {

    private Close() {
    }

    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(expected.length(), actual.length(), what + ": length");
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |difference| " + diff + " > " + tol * scale);
    }
}
