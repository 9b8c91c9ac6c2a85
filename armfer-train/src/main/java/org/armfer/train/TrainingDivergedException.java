package org.armfer.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.util.Locale;
import java.util.Map;

/**
 * Training produced a NaN or infinite loss or parameter: the run stops at once (a model with NaN weights predicts
 * nothing, and every later step stays NaN). The message names the epoch and batch, what went non-finite and the
 * learning rate; the {@link Trainer} adds which checkpoint is kept (the bad step is never checkpointed).
 */
public class TrainingDivergedException extends IllegalStateException {

    private final int epoch;
    private final long batch;

    /** @param epoch 1-based; @param batch 1-based within the epoch, 0 when not known (a whole epoch fitted on Spark) */
    public TrainingDivergedException(String message, int epoch, long batch) {
        super(message);
        this.epoch = epoch;
        this.batch = batch;
    }

    /** The 1-based epoch it happened in. */
    public int epoch() {
        return epoch;
    }

    /** The 1-based batch of that epoch, 0 when not known. */
    public long batch() {
        return batch;
    }

    /**
     * Throws when {@code loss} or a parameter of {@code model} is NaN or infinite.
     *
     * @param epoch 0-based, as the loops count
     * @param batch 1-based within the epoch; 0 when the whole epoch was fitted elsewhere
     */
    public static void check(ComputationGraph model, double loss, int epoch, long batch) {
        String what = null;
        if (!Double.isFinite(loss)) {
            what = "the training loss is " + loss;
        } else {
            what = nonFiniteParameter(model);
        }
        if (what == null) {
            return;
        }
        double lr = Trainer.learningRate(model, epoch);
        throw new TrainingDivergedException(String.format(Locale.ROOT, "training diverged in epoch %d%s: %s (learning rate %s);"
                        + " a smaller learning rate usually helps", epoch + 1, batch > 0 ? ", batch " + batch : "", what,
                Double.toString(lr)), epoch + 1, batch);
    }

    /**
     * Null when every parameter of {@code model} is finite, else which one is not (e.g. "parameter fc_W holds 3 NaN
     * and 0 infinite values"). One sum over the flat parameter vector decides (a NaN or infinity makes it non-finite);
     * only then are the parameters looked at one by one.
     */
    static String nonFiniteParameter(ComputationGraph model) {
        INDArray params = model.params();
        if (params == null || params.isEmpty() || Double.isFinite(params.sumNumber().doubleValue())) {
            return null;
        }
        for (Map.Entry<String, INDArray> e : model.paramTable().entrySet()) {
            INDArray p = e.getValue();
            long nan = count(p, true), inf = count(p, false);
            if (nan > 0 || inf > 0) {
                return "parameter " + e.getKey() + " holds " + nan + " NaN and " + inf + " infinite values";
            }
        }
        return "the parameters' sum is " + params.sumNumber() + " (finite values too large to add up)";
    }

    private static long count(INDArray a, boolean nan) {
        return Nd4j.getExecutioner().exec(new MatchCondition(a, nan ? Conditions.isNan() : Conditions.isInfinite()))
                .getLong(0);
    }
}
