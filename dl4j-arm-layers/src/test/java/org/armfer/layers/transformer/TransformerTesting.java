package org.armfer.layers.transformer;

import org.armfer.fast.testing.SampledGradientCheck;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shared checks of the transformer layer tests. */
final class TransformerTesting {

    private TransformerTesting() {
    }

    /** A sampled gradient check ({@code perParam} elements of every parameter), see {@link SampledGradientCheck}. */
    static void assertGradients(ComputationGraph net, INDArray x, INDArray y, int perParam, String ctx) {
        SampledGradientCheck.assertGradients(net, new INDArray[]{x}, new INDArray[]{y}, perParam, null, ctx);
    }
}
