package org.armfer.layers;

/**
 * Where {@link SharingAffinity} takes its global average representation (GAR) from.
 */
public enum GarMode {
    /**
     * Default. Training uses the mini-batch GAR and updates a running average of it (like BatchNormalization's running
     * mean); inference uses the running average, so a prediction never depends on the other images in its batch.
     */
    RUNNING,
    /**
     * The reference implementation's behaviour, kept for parity: the GAR is the mean of whatever batch is given, also
     * at inference. A single image then gets {@code (1 + λ)·a}, and predictions change with batch composition.
     */
    BATCH
}
