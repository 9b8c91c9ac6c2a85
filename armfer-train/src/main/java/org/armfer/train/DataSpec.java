package org.armfer.train;

import org.armfer.datavec.Augmentation;
import org.armfer.datavec.DatasetIndex;
import org.armfer.datavec.DemoDataset;
import org.armfer.datavec.FerDataConfig;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.FerLabel;
import org.armfer.datavec.HoldOutSplit;
import org.armfer.datavec.Sample;
import org.armfer.datavec.SkipPolicy;
import org.armfer.datavec.Split;
import org.armfer.io.AtomicFiles;
import org.deeplearning4j.datasets.iterator.EarlyTerminationDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dataset as the command line names it ({@code --dataset}, {@code --root}, {@code --skip-bad}, {@code --max-batches}),
 * turned into datavec-fer iterators. Serialised into a run's {@code config.json}, so a resumed run reads the same data.
 * <p>
 * {@link #splits} gives the three splits a run uses. Nothing selects on test: where the dataset has no validation
 * split of its own (RAF-DB; AffectNet, whose validation set is its test set; Kaggle's {@code train.csv}; folder copies
 * without {@code valid/}) validation is a seeded, stratified {@link HoldOutSplit} of the training split, and AffectNet's
 * validation set is read as the test split.
 */
public final class DataSpec {

    /** Default input side for the demo data (its native 48x48) and for real datasets (the paper's 224x224). */
    public static final int DEMO_INPUT_SIZE = 48;
    public static final int DEFAULT_INPUT_SIZE = 224;
    /** The list of the held-out validation examples a run writes into its folder. */
    public static final String VALIDATION_LIST = "validation-examples.txt";

    public String dataset = "demo";
    /** Dataset root; null for the demo data (written to {@link DemoDataset#defaultDir()} when missing). */
    public String root;
    /** Skip (and report) bad rows instead of failing on the first one. */
    public boolean skipBad;
    /** Stop every pass over a split after this many batches (0: no limit); for smoke runs. */
    public int maxBatches;
    /** Seed of the validation hold-out (the same for every run on the dataset unless changed). */
    public long splitSeed = HoldOutSplit.DEFAULT_SEED;

    public FerDataset dataset() {
        return FerDataset.parse(dataset);
    }

    /** The dataset root, writing the demo data first when the dataset is {@code demo} and no root was given. */
    public Path root() {
        FerDataset d = dataset();
        if (root == null) {
            if (d == FerDataset.DEMO) {
                return DemoDataset.ensure(DemoDataset.defaultDir());
            }
            throw new IllegalArgumentException("--root is required for --dataset " + d.cliName()
                    + " (the folder that holds the dataset's files; see README, section Datasets)");
        }
        Path p = Path.of(root).toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("--root " + root + " is not a directory");
        }
        return d == FerDataset.DEMO ? DemoDataset.ensure(p) : p;
    }

    public int numClasses() {
        return dataset().numClasses();
    }

    public List<String> labels() {
        return FerLabel.names(numClasses());
    }

    public int defaultInputSize() {
        return dataset() == FerDataset.DEMO ? DEMO_INPUT_SIZE : DEFAULT_INPUT_SIZE;
    }

    private FerDataConfig.Builder config(Split split, int batchSize, int imageSize, int channels, HoldOutSplit holdOut) {
        return FerDataConfig.builder().dataset(dataset()).root(root()).split(split).batchSize(batchSize).imageSize(imageSize)
                .channels(channels).shuffle(split == Split.TRAIN).skipPolicy(skipBad ? SkipPolicy.SKIP : SkipPolicy.STRICT)
                .holdOut(holdOut);
    }

    private DataSetIterator limited(DataSetIterator it) {
        return maxBatches > 0 ? new EarlyTerminationDataSetIterator(it, maxBatches) : it;
    }

    /** An unaugmented iterator over the dataset's own split {@code split} (what {@code evaluate} reads). */
    public DataSetIterator iterator(Split split, int batchSize, int imageSize, int channels) {
        if (!dataset().splits().contains(split)) {
            throw new IllegalArgumentException("--dataset " + dataset + " has no " + split.cliName() + " split; it has "
                    + dataset().splits());
        }
        return limited(FerIterators.iterator(config(split, batchSize, imageSize, channels, null).build()));
    }

    /**
     * The splits a training run (or search) reads, with {@code valFraction} of each class held out of train for
     * validation when the dataset has no validation split of its own.
     */
    public Splits splits(double valFraction) {
        return splits(valFraction, (Split[]) null);
    }

    /**
     * As {@link #splits(double)} for a caller that reads only {@code read} of the run's splits (a search reads
     * {@code TRAIN} and {@code VALIDATION}): the strict checks (a missing image, an image outside the root) apply to
     * the files' rows of those splits, so a RAF-DB copy whose test images are missing searches fine; an iterator over
     * another split still fails on its bad rows. Null or empty: every split, checked before the run starts.
     */
    public Splits splits(double valFraction, Split... read) {
        FerDataConfig.Builder b = config(Split.TRAIN, 1, 1, 3, null);
        java.util.Set<Split> reads = read == null || read.length == 0 ? null : java.util.EnumSet.copyOf(java.util.List.of(read));
        java.util.Set<Split> files = null;
        if (reads != null) {
            // which of the files' splits those are: validation held out of train reads train; AffectNet's test is its validation
            files = java.util.EnumSet.noneOf(Split.class);
            for (Split s : reads) {
                files.add(s);
                if (s == Split.VALIDATION) files.add(Split.TRAIN);
                if (s == Split.TEST && (dataset() == FerDataset.AFFECTNET7 || dataset() == FerDataset.AFFECTNET8)) {
                    files.add(Split.VALIDATION);
                }
            }
            b.readSplits(files);
        }
        DatasetIndex own = FerIterators.index(b.build());
        HoldOutSplit holdOut = HoldOutSplit.needed(own) ? new HoldOutSplit(valFraction, splitSeed) : null;
        DatasetIndex index = holdOut == null ? own : holdOut.apply(own);
        for (Split s : reads == null ? java.util.EnumSet.allOf(Split.class) : reads) {
            index.requireReadable(s);
        }
        return new Splits(holdOut, index, files);
    }

    @Override
    public String toString() {
        return dataset + (root != null ? " at " + root : "");
    }

    /** The training, validation and test splits of a run. */
    public final class Splits {
        private final HoldOutSplit holdOut;
        private final DatasetIndex index;
        private final java.util.Set<Split> fileSplits;

        Splits(HoldOutSplit holdOut, DatasetIndex index, java.util.Set<Split> fileSplits) {
            this.holdOut = holdOut;
            this.index = index;
            this.fileSplits = fileSplits;
        }

        /** The hold-out validation is drawn with, or null when the dataset's own validation split is used. */
        public HoldOutSplit holdOut() {
            return holdOut;
        }

        /** The examples of each split as the iterators read them. */
        public List<Sample> samples(Split split) {
            return index.samples(split);
        }

        /** Whether there is a test split to report on once at the end. */
        public boolean hasTest() {
            return !index.samples(Split.TEST).isEmpty();
        }

        /** Where validation comes from, for people: "the dataset's validation split" or "10% of train held out (seed 42)". */
        public String validationSource() {
            return holdOut == null ? "the dataset's validation split" : String.format(java.util.Locale.ROOT,
                    "%s%% of each training class held out (seed %d)", java.math.BigDecimal.valueOf(holdOut.fraction())
                            .movePointRight(2).stripTrailingZeros().toPlainString(), holdOut.seed());
        }

        /**
         * An iterator over {@code split}: training batches shuffled, resampled ({@code mrr}) and augmented
         * ({@code augmentation}, null or NONE: none) as asked, the other splits in file order, never augmented.
         */
        public DataSetIterator iterator(Split split, int batchSize, int imageSize, int channels,
                                        Augmentation.Policy augmentation, boolean mrr, long seed) {
            boolean train = split == Split.TRAIN;
            boolean augment = train && augmentation != null && augmentation != Augmentation.Policy.NONE;
            FerDataConfig.Builder b = config(split, batchSize, imageSize, channels, holdOut).mrr(train && mrr).seed(seed)
                    .augment(augment).readSplits(fileSplits);
            if (augment) {
                b.augmentation(augmentation);
            }
            return limited(FerIterators.iterator(b.build()));
        }

        /**
         * What formed each split, for {@code config.json}: the examples' count per class and the SHA-256 of their ids
         * (path relative to the root, with ":line" for a label file's row; {@link HoldOutSplit#ids}), and with a
         * hold-out its fraction and seed; the held-out ids are written, one per line, to {@value #VALIDATION_LIST} in
         * {@code outDir} (null: not written).
         */
        public SplitRecord record(Path outDir) throws IOException {
            SplitRecord r = new SplitRecord();
            r.validation = holdOut == null ? "dataset" : "hold-out";
            if (holdOut != null) {
                r.fraction = holdOut.fraction();
                r.seed = holdOut.seed();
            }
            Path root = index.root();
            for (Split s : Split.values()) {
                List<Sample> list = index.samples(s);
                if (list.isEmpty()) {
                    continue;
                }
                SplitRecord.Part p = new SplitRecord.Part();
                p.examples = list.size();
                p.perClass = new int[numClasses()];
                for (Sample x : list) p.perClass[x.label()]++;
                p.sha256 = HoldOutSplit.digest(root, list);
                if (s == Split.VALIDATION && holdOut != null && outDir != null) {
                    p.list = VALIDATION_LIST;
                    AtomicFiles.write(outDir.resolve(VALIDATION_LIST), String.join("\n", HoldOutSplit.ids(root, list)) + "\n");
                }
                r.splits.put(s.cliName(), p);
            }
            return r;
        }
    }

    /**
     * Which examples formed each split of a run. {@code validation} is {@code "dataset"} (the dataset's own split) or
     * {@code "hold-out"} (with {@code fraction} and {@code seed}; the ids in the run's {@value #VALIDATION_LIST}).
     * Per split: {@code examples}, {@code perClass} (canonical label order) and {@code sha256}, the digest of the ids
     * one per line in reading order, so that a later run can tell whether it reads the same examples.
     */
    public static final class SplitRecord {
        public String validation;
        public Double fraction;
        public Long seed;
        public Map<String, Part> splits = new LinkedHashMap<>();

        public static final class Part {
            public int examples;
            public int[] perClass;
            public String sha256;
            public String list;
        }
    }
}
