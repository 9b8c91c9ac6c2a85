package org.armfer.hyperparam;

import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;

/**
 * Ends a search once its candidate generator has nothing left (a finished grid) and no candidate is still running.
 * Arbiter beta7 has no such condition: its runner stops only when a termination condition says so, and
 * {@code MaxCandidatesCondition} counts completed and failed candidates but not those whose generation threw, so a grid
 * with such a candidate would poll forever.
 */
public final class GeneratorExhaustedCondition implements TerminationCondition {

    @Override
    public void initialize(IOptimizationRunner runner) {
        // nothing to set up
    }

    @Override
    public boolean terminate(IOptimizationRunner runner) {
        return !runner.getConfiguration().getCandidateGenerator().hasMoreCandidates() && runner.numCandidatesQueued() == 0;
    }

    @Override
    public String toString() {
        return "GeneratorExhaustedCondition()";
    }
}
