package org.armfer.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/** The data a {@link Trainer} runs on: the training split per epoch and the validation split (never the test split). */
public interface TrainingData {

    /** Class names in label-index order. */
    List<String> labels();

    /**
     * A fresh iterator over the training split for {@code epoch} (0-based): resampling and augmentation are seeded by
     * the run's seed and the epoch, so a resumed run sees the same batches as an uninterrupted one.
     */
    DataSetIterator train(int epoch);

    /** The validation split, never augmented. */
    DataSetIterator validation();

    /** The metrics of {@code model} on the validation split (override for distributed evaluation). */
    default Metrics validate(ComputationGraph model) {
        return Evaluation.evaluate(model, validation(), labels());
    }
}
