package org.armfer.datavec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
    private final FerLayout layout;
    private final Map<String, FerLabel> folderLabels;
    private final Augmentation.Policy augmentation;
    private final HoldOutSplit holdOut;
    private final java.util.Set<Split> readSplits;

    private FerDataConfig(Builder b) {
        this.dataset = Objects.requireNonNull(b.dataset, "dataset");
        this.root = b.root;
        this.split = Objects.requireNonNull(b.split, "split");
        if (b.batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1; got " + b.batchSize);
        if (b.imageSize < 1) throw new IllegalArgumentException("imageSize must be >= 1; got " + b.imageSize);
        if (b.channels != 1 && b.channels != 3) throw new IllegalArgumentException("channels must be 1 or 3; got " + b.channels);
        this.holdOut = b.holdOut;
        this.readSplits = b.readSplits == null ? null : java.util.Set.copyOf(b.readSplits);
        java.util.Set<Split> splits = holdOut == null ? dataset.splits() : HoldOutSplit.splits(dataset);
        if (!splits.contains(split)) {
            throw new IllegalArgumentException(dataset.cliName() + " has no " + split.cliName() + " split; it has " + splits
                    + (holdOut == null ? "" : " (with a validation hold-out from train)"));
        }
        this.augmentation = java.util.Objects.requireNonNull(b.augmentation, "augmentation");
        this.batchSize = b.batchSize;
        this.imageSize = b.imageSize;
        this.channels = b.channels;
        this.augment = b.augment;
        this.mrr = b.mrr;
        this.shuffle = b.shuffle == null ? split == Split.TRAIN : b.shuffle;
        this.seed = b.seed;
        this.skipPolicy = Objects.requireNonNull(b.skipPolicy, "skipPolicy");
        this.layout = Objects.requireNonNull(b.layout, "layout");
        if (!layout.appliesTo(dataset)) {
            throw new IllegalArgumentException("layout " + layout + " does not hold " + dataset.cliName() + "; its layouts: "
                    + FerLayout.forDataset(dataset));
        }
        if (b.folderLabels != null) {
            for (Map.Entry<String, FerLabel> e : b.folderLabels.entrySet()) {
                if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null) {
                    throw new IllegalArgumentException("folderLabels: folder name and label must be given; got " + e);
                }
            }
            this.folderLabels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.folderLabels));
        } else {
            this.folderLabels = null;
        }
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
    /** The augmentation a training split gets when {@link #augment()} is on ({@link Augmentation.Policy#REFERENCE} by default). */
    public Augmentation.Policy augmentation() { return augmentation; }
    /** The validation hold-out the splits are read through, or null for the dataset's own splits. */
    public HoldOutSplit holdOut() { return holdOut; }
    public boolean mrr() { return mrr; }
    public boolean shuffle() { return shuffle; }
    public long seed() { return seed; }
    public SkipPolicy skipPolicy() { return skipPolicy; }
    /** The layout to read ({@link FerLayout#AUTO}: detect). */
    public FerLayout layout() { return layout; }
    /** Explicit class-folder names for {@link FerLayout#FOLDERS}, or null for the documented defaults. */
    public Map<String, FerLabel> folderLabels() { return folderLabels; }

    /**
     * The splits of the dataset's files the caller reads (null: all). Under STRICT only their bad rows fail the
     * indexing; a bad row of another split (a missing RAF-DB test image, for a search) fails only a reader of that
     * split ({@link DatasetIndex#requireReadable}).
     */
    public java.util.Set<Split> readSplits() { return readSplits; }

    LayoutOptions options() {
        return new LayoutOptions(layout, folderLabels, readSplits);
    }

    @Override
    public String toString() {
        return "FerDataConfig{dataset=" + dataset.cliName() + ", root=" + root + ", split=" + split.cliName() + ", batchSize="
                + batchSize + ", imageSize=" + imageSize + ", channels=" + channels + ", augment=" + augment + ", mrr=" + mrr
                + ", shuffle=" + shuffle + ", seed=" + seed + ", skipPolicy=" + skipPolicy + ", layout=" + layout
                + (folderLabels == null ? "" : ", folderLabels=" + folderLabels) + ", augmentation=" + augmentation
                + (holdOut == null ? "" : ", " + holdOut) + "}";
    }

    /**
     * Builder; defaults: split TRAIN, batch 32, 224x224, 3 channels, no augmentation, no MRR, shuffled for TRAIN only,
     * seed 42, STRICT, layout AUTO, the documented class-folder names.
     */
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
        private FerLayout layout = FerLayout.AUTO;
        private Map<String, FerLabel> folderLabels;
        private Augmentation.Policy augmentation = Augmentation.Policy.REFERENCE;
        private HoldOutSplit holdOut;
        private java.util.Set<Split> readSplits;

        public Builder dataset(FerDataset d) { this.dataset = d; return this; }
        public Builder root(Path root) { this.root = root; return this; }
        public Builder split(Split s) { this.split = s; return this; }
        public Builder batchSize(int n) { this.batchSize = n; return this; }
        public Builder imageSize(int side) { this.imageSize = side; return this; }
        public Builder channels(int c) { this.channels = c; return this; }
        /** Training augmentation ({@link #augmentation}); only ever applied to the TRAIN split. */
        public Builder augment(boolean on) { this.augment = on; return this; }
        /** Minimal random resampling per epoch; only ever applied to the TRAIN split. */
        public Builder mrr(boolean on) { this.mrr = on; return this; }
        /** Which augmentation {@link #augment(boolean)} turns on (default {@link Augmentation.Policy#REFERENCE}). */
        public Builder augmentation(Augmentation.Policy p) { this.augmentation = p; return this; }
        /** Read the splits through a validation hold-out from train ({@link HoldOutSplit#apply}); null: the dataset's own. */
        public Builder holdOut(HoldOutSplit h) { this.holdOut = h; return this; }
        public Builder shuffle(boolean on) { this.shuffle = on; return this; }
        public Builder seed(long seed) { this.seed = seed; return this; }
        public Builder skipPolicy(SkipPolicy p) { this.skipPolicy = p; return this; }
        /** Read only this layout instead of detecting one (for a root that holds several). */
        public Builder layout(FerLayout l) { this.layout = l; return this; }
        /**
         * Folder-per-class copies: the label of each class-folder name (case-insensitive), replacing the documented
         * defaults; e.g. {@link DatasetLabels#AFFECTNET_ALPHABETICAL_FOLDERS}. A folder not in the map is an error.
         */
        public Builder folderLabels(Map<String, FerLabel> m) { this.folderLabels = m == null ? null : new LinkedHashMap<>(m); return this; }

        /** The splits of the files the caller reads ({@link FerDataConfig#readSplits}; default: all). */
        public Builder readSplits(java.util.Set<Split> splits) { this.readSplits = splits; return this; }

        public FerDataConfig build() {
            return new FerDataConfig(this);
        }
    }
}
