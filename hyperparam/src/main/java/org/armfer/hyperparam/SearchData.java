package org.armfer.hyperparam;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Where a search's images come from when the caller does not hand it ready iterators: a factory of iterators for
 * the training and validation splits, given the search's batch size, image size and seed. A dataset reader (e.g.
 * datavec-fer's iterator factory for FER2013, RAF-DB or AffectNet) fits in one lambda:
 * <pre>{@code
 * SearchData data = (split, batch, size, seed) -> someFactory.iterator(root, split == SearchData.Split.TRAIN ? "train" : "val",
 *         batch, size, seed);
 * }</pre>
 */
@FunctionalInterface
public interface SearchData {

    /** The two splits a search reads. */
    enum Split {
        /** Every candidate trains on it. */
        TRAIN,
        /** Every candidate is scored on it. */
        VALIDATION
    }

    /**
     * A fresh iterator over one split.
     *
     * @param split     TRAIN or VALIDATION
     * @param batchSize mini-batch size
     * @param imageSize side of the square images the network is built for
     * @param seed      the search's seed (shuffling, augmentation)
     */
    DataSetIterator iterator(Split split, int batchSize, int imageSize, long seed);
}
