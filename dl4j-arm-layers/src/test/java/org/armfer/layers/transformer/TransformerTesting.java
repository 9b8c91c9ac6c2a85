package org.armfer.layers.transformer;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared checks of the transformer layer tests. */
final class TransformerTesting {

    private TransformerTesting() {
    }

    /**
     * DL4J's gradient check in double precision on an evenly spaced subset of every parameter ({@code perParam}
     * elements of each, at least one): the graphs here are chains, so {@code paramTable()} and {@code params()} agree on
     * the order GradientCheckUtil relies on.
     */
    static void assertGradients(ComputationGraph net, INDArray x, INDArray y, int perParam, String ctx) {
        assertEquals(DataType.DOUBLE, net.params().dataType(), ctx + ": gradient checks need a DOUBLE network");
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{y})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .subset(true).maxPerParam(perParam)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, ctx + ": backprop gradients differ from finite differences (see the log for the failing parameters)");
    }
}
