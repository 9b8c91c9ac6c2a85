package org.armfer.train;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/** The data a {@link Trainer} runs on. */
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
}
