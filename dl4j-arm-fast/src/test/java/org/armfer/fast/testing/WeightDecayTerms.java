package org.armfer.fast.testing;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** Weight-decay score terms computed independently of DL4J: in double, element by element. */
public final class WeightDecayTerms {

    private WeightDecayTerms() {
    }

    /** {@code 0.5 * coeff * sum(x^2)}. */
    public static double of(double coeff, INDArray x) {
        double s = 0;
        for (double v : x.dup().data().asDouble()) {
            s += v * v;
        }
        return 0.5 * coeff * s;
    }

    /** {@link #of} summed over the weight arrays of {@code g} (the "_W" parameters: not biases, not batch norms). */
    public static double overWeights(double coeff, ComputationGraph g) {
        double term = 0;
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            if (e.getKey().endsWith("_W")) {
                term += of(coeff, e.getValue());
            }
        }
        return term;
    }
}
