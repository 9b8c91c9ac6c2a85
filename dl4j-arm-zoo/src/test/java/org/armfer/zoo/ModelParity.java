package org.armfer.zoo;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks of the parity tests of the zoo's larger models against outputs PyTorch computed on the same weights. */
final class ModelParity {

    private ModelParity() {
    }

    /**
     * Probabilities within 1e-4 and logits within 1e-3 of PyTorch's; and, because the outputs of a deep network with
     * random weights barely depend on its input, the difference between the two images' logits within 1% of PyTorch's
     * (a wrong convolution or BatchNorm changes that difference by far more, where the logits themselves hide it).
     */
    static void assertMatches(String ctx, INDArray probs, INDArray logits, INDArray torchProbs, INDArray torchLogits) {
        assertArrayEquals(torchProbs.shape(), probs.shape(), ctx);
        double p = diff(probs, torchProbs);
        assertTrue(p <= 1e-4, ctx + ": max |probability difference| " + p + " > 1e-4");
        double l = diff(logits, torchLogits);
        assertTrue(l <= 1e-3, ctx + ": max |logit difference| " + l + " > 1e-3");
        INDArray ours = logits.castTo(DataType.DOUBLE), theirs = torchLogits.castTo(DataType.DOUBLE);
        INDArray oursBetween = ours.getRow(0).sub(ours.getRow(1)), theirsBetween = theirs.getRow(0).sub(theirs.getRow(1));
        double rel = oursBetween.sub(theirsBetween).norm2Number().doubleValue() / theirsBetween.norm2Number().doubleValue();
        assertTrue(rel <= 1e-2, ctx + ": the logits' difference between the two images is " + oursBetween + ", PyTorch's "
                + theirsBetween + " (relative error " + rel + ")");
    }

    private static double diff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
