package org.armfer.train;

/**
 * Everything a training run was started with: written as the run's {@code config.json} before the first epoch and
 * read back by {@code --resume}, so a resumed run continues with exactly the settings it began with.
 */
public final class TrainConfig {
    public ModelSpec model = new ModelSpec();
    public DataSpec data = new DataSpec();
    public int epochs = 10;
    public int batchSize = 32;
    /** Minimal random resampling of the training split each epoch (the paper's MRR). */
    public boolean mrr;
    /** Training-time augmentation: horizontal flip, Gaussian noise, random erasing. */
    public boolean augment = true;
    /** Torchvision backbone weights (.npz) loaded before training, or null. */
    public String weights;
    public String armferVersion;
}
