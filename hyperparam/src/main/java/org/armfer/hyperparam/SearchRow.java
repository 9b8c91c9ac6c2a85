package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;

import java.io.Serializable;

/**
 * One row of a search's results table: a candidate, its settings, its scores and what became of it.
 *
 * @param candidate          Arbiter's candidate index (0-based, in generation order)
 * @param hyperparameters    the drawn ARM settings (null only when drawing them failed)
 * @param armJson            the ARM configuration ({@link ArmModule#toJson()}), or null when none could be built
 * @param features           features ARM passes to the classifier (0 unless the candidate was valid)
 * @param weightedAccuracy   validation accuracy, correct / total (NaN unless OK)
 * @param unweightedAccuracy validation mean per-class recall (NaN unless OK)
 * @param score              the search's score (NaN unless OK)
 * @param status             OK, INVALID or FAILED
 * @param reason             why INVALID or FAILED; null when OK
 * @param seconds            wall time spent on the candidate (building, training, evaluation, saving)
 */
public record SearchRow(int candidate, ArmHyperparameters hyperparameters, String armJson, long features,
                        double weightedAccuracy, double unweightedAccuracy, double score, SearchStatus status,
                        String reason, double seconds) implements Serializable {

    /** The ARM configuration, or null. */
    public ArmModule arm() {
        return armJson == null ? null : ArmModule.fromJson(armJson);
    }

    public boolean ok() {
        return status == SearchStatus.OK;
    }

    /** A row for a candidate that was not trained. */
    static SearchRow notTrained(int candidate, ArmCandidate c, SearchStatus status, String reason, double seconds) {
        return new SearchRow(candidate, c == null ? null : c.hyperparameters(), c == null ? null : c.armJson(), 0,
                Double.NaN, Double.NaN, Double.NaN, status, reason, seconds);
    }
}
