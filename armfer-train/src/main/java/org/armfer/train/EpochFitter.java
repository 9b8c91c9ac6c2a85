package org.armfer.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The step of the training loop that fits a model on one pass of the training data; everything around it (schedules,
 * validation, checkpoints and resume, metrics, the model card) is the {@link Trainer}'s. {@link LocalFitter} fits on
 * this machine; dl4j-arm-spark's fits with Spark's parameter averaging.
 */
@FunctionalInterface
public interface EpochFitter {

    /** What one epoch of fitting gave. */
    record Fit(double loss, Double trainAccuracy, long examples) {
    }

    /**
     * Fits {@code model} (in place) on {@code data}, one pass.
     *
     * @param epoch  0-based
     * @param epochs the run's total, for progress messages
     * @return the mean training loss over the examples, the training accuracy where known (else null), the examples
     */
    Fit fit(ComputationGraph model, DataSetIterator data, int epoch, int epochs);
}
