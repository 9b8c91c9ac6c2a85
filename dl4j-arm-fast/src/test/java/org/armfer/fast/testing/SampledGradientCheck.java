package org.armfer.fast.testing;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gradient check of a ComputationGraph in double precision on a sample of every parameter: DL4J's
 * {@code GradientCheckUtil} checks every element of a graph (its {@code subset} option only applies to
 * MultiLayerNetworks), which takes minutes for a transformer block on two cores. Here {@code perParam} evenly spaced
 * elements of each parameter array (its first and last included) are checked the way GradientCheckUtil checks them
 * (the graph must have a NoOp updater): the backprop gradient of {@code computeGradientAndScore()}, passed through the
 * updater (which divides by the batch size), against {@code (score(w + ε) - score(w - ε)) / 2ε} of
 * {@code score(data, true)}, relative error {@code |a - n| / (|a| + |n|)} at most 1e-5 unless the absolute error is
 * below 1e-9, ε = 1e-6.
 */
public final class SampledGradientCheck {

    private SampledGradientCheck() {
    }

    public static void assertGradients(ComputationGraph net, INDArray[] inputs, INDArray[] labels, int perParam,
                                       Runnable beforeEachPass, String ctx) {
        assertEquals(DataType.DOUBLE, net.params().dataType(), ctx + ": gradient checks need a DOUBLE network");
        MultiDataSet data = new MultiDataSet(inputs, labels);
        Runnable before = beforeEachPass == null ? () -> { } : beforeEachPass;
        before.run();
        net.setInputs(inputs);
        net.setLabels(labels);
        net.computeGradientAndScore();
        // as GradientCheckUtil: the (NoOp) updater turns the summed gradient into the gradient of the mean score
        org.deeplearning4j.nn.gradient.Gradient gradient = net.gradient();
        new org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater(net).update(gradient, 0, 0, net.batchSize(),
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        Map<String, INDArray> grads = gradient.gradientForVariable();
        List<String> failures = new ArrayList<>();
        double eps = 1e-6;
        int checked = 0;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            String key = e.getKey();
            // indexed by subscripts: DL4J's dense weights are 'f'-ordered views, a reshape would copy them
            INDArray p = e.getValue();
            INDArray g = grads.get(key);
            long n = p.length();
            int count = (int) Math.min(n, perParam);
            for (int s = 0; s < count; s++) {
                long i = count == 1 ? 0 : Math.round((double) s * (n - 1) / (count - 1));
                long[] at = org.nd4j.linalg.api.shape.Shape.ind2subC(p.shape(), i);
                double orig = p.getDouble(at);
                p.putScalar(at, orig + eps);
                before.run();
                double plus = net.score(data, true);
                p.putScalar(at, orig - eps);
                before.run();
                double minus = net.score(data, true);
                p.putScalar(at, orig);
                double numerical = (plus - minus) / (2 * eps);
                double analytic = g.getDouble(at);
                double abs = Math.abs(analytic - numerical);
                double rel = abs == 0 ? 0 : abs / (Math.abs(analytic) + Math.abs(numerical));
                if (rel > 1e-5 && abs > 1e-9) {
                    failures.add(key + java.util.Arrays.toString(at) + ": backprop " + analytic + ", numerical " + numerical + " (relative error " + rel + ")");
                }
                checked++;
            }
        }
        assertTrue(checked > 0, ctx + ": nothing checked");
        assertTrue(failures.isEmpty(), ctx + ": " + failures.size() + " of " + checked + " sampled gradients differ from finite"
                + " differences:\n  " + String.join("\n  ", failures));
    }
}
