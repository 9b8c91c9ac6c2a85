package org.armfer.datavec;

import java.nio.file.Path;
import java.util.Objects;

/** Everything {@link FerIterators#iterator(FerDataConfig)} needs; build with {@link #builder()}. */
public final class FerDataConfig {

    private final FerDataset dataset;
    private final Path root;
    private final Split split;
    private final int batchSize;
    private final int imageSize;
    private final int channels;
    private final boolean augment;
    private final boolean mrr;
    private final boolean shuffle;
    private final long seed;
    private final SkipPolicy skipPolicy;

    private FerDataConfig(Builder b) {
        this.dataset = Objects.requireNonNull(b.dataset, "dataset");
        this.root = b.root;
        this.split = Objects.requireNonNull(b.split, "split");
        if (b.batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1; got " + b.batchSize);
        if (b.imageSize < 1) throw new IllegalArgumentException("imageSize must be >= 1; got " + b.imageSize);
        if (b.channels != 1 && b.channels != 3) throw new IllegalArgumentException("channels must be 1 or 3; got " + b.channels);
        if (!dataset.splits().contains(split)) {
            throw new IllegalArgumentException(dataset.cliName() + " has no " + split.cliName() + " split; it has " + dataset.splits());
        }
        this.batchSize = b.batchSize;
        this.imageSize = b.imageSize;
        this.channels = b.channels;
        this.augment = b.augment;
        this.mrr = b.mrr;
        this.shuffle = b.shuffle == null ? split == Split.TRAIN : b.shuffle;
        this.seed = b.seed;
        this.skipPolicy = Objects.requireNonNull(b.skipPolicy, "skipPolicy");
    }

    public static Builder builder() {
        return new Builder();
    }

    public FerDataset dataset() { return dataset; }
    /** The dataset root; null for {@link FerDataset#DEMO} means {@link DemoDataset#defaultDir()}. */
    public Path root() { return root; }
    public Split split() { return split; }
    public int batchSize() { return batchSize; }
    public int imageSize() { return imageSize; }
    public int channels() { return channels; }
    public boolean augment() { return augment; }
    public boolean mrr() { return mrr; }
    public boolean shuffle() { return shuffle; }
    public long seed() { return seed; }
    public SkipPolicy skipPolicy() { return skipPolicy; }

    /** Builder; defaults: 224x224, 3 channels, no augmentation, no MRR, shuffled for TRAIN only, seed 42, STRICT. */
    public static final class Builder {
        private FerDataset dataset;
        private Path root;
        private Split split = Split.TRAIN;
        private int batchSize = 32;
        private int imageSize = 224;
        private int channels = 3;
        private boolean augment;
        private boolean mrr;
        private Boolean shuffle;
        private long seed = 42;
        private SkipPolicy skipPolicy = SkipPolicy.STRICT;

        public Builder dataset(FerDataset d) { this.dataset = d; return this; }
        public Builder root(Path root) { this.root = root; return this; }
        public Builder split(Split s) { this.split = s; return this; }
        public Builder batchSize(int n) { this.batchSize = n; return this; }
        public Builder imageSize(int side) { this.imageSize = side; return this; }
        public Builder channels(int c) { this.channels = c; return this; }
        /** Training augmentation (flip, noise, random erasing); only ever applied to the TRAIN split. */
        public Builder augment(boolean on) { this.augment = on; return this; }
        /** Minimal random resampling per epoch; only ever applied to the TRAIN split. */
        public Builder mrr(boolean on) { this.mrr = on; return this; }
        public Builder shuffle(boolean on) { this.shuffle = on; return this; }
        public Builder seed(long seed) { this.seed = seed; return this; }
        public Builder skipPolicy(SkipPolicy p) { this.skipPolicy = p; return this; }

        public FerDataConfig build() {
            return new FerDataConfig(this);
        }
    }
}
