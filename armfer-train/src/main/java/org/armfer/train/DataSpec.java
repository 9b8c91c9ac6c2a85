package org.armfer.train;

import org.armfer.datavec.DemoDataset;
import org.armfer.datavec.FerDataConfig;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.FerLabel;
import org.armfer.datavec.SkipPolicy;
import org.armfer.datavec.Split;
import org.deeplearning4j.datasets.iterator.EarlyTerminationDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset as the command line names it ({@code --dataset}, {@code --root}, {@code --skip-bad}, {@code --max-batches}),
 * turned into datavec-fer iterators. Serialised into a run's {@code config.json}, so a resumed run reads the same data.
 */
public final class DataSpec {

    /** Default input side for the demo data (its native 48x48) and for real datasets (the paper's 224x224). */
    public static final int DEMO_INPUT_SIZE = 48;
    public static final int DEFAULT_INPUT_SIZE = 224;

    public String dataset = "demo";
    /** Dataset root; null for the demo data (written to {@link DemoDataset#defaultDir()} when missing). */
    public String root;
    /** Skip (and report) bad rows instead of failing on the first one. */
    public boolean skipBad;
    /** Stop every pass over a split after this many batches (0: no limit); for smoke runs. */
    public int maxBatches;

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

    /** The split a run validates on: the validation split where the dataset has one, else its test split. */
    public Split validationSplit() {
        return dataset().splits().contains(Split.VALIDATION) ? Split.VALIDATION : Split.TEST;
    }

    /** The split reported after training, or null when it is the validation split already. */
    public Split testSplit() {
        return dataset().splits().contains(Split.TEST) && validationSplit() != Split.TEST ? Split.TEST : null;
    }

    /** An iterator over {@code split}; augmentation and resampling only ever apply to the training split. */
    public DataSetIterator iterator(Split split, int batchSize, int imageSize, int channels, boolean augment, boolean mrr,
                                    long seed) {
        if (!dataset().splits().contains(split)) {
            throw new IllegalArgumentException("--dataset " + dataset + " has no " + split.name().toLowerCase()
                    + " split; it has " + dataset().splits());
        }
        boolean train = split == Split.TRAIN;
        DataSetIterator it = FerIterators.iterator(FerDataConfig.builder()
                .dataset(dataset()).root(root()).split(split).batchSize(batchSize).imageSize(imageSize).channels(channels)
                .augment(train && augment).mrr(train && mrr).shuffle(train).seed(seed)
                .skipPolicy(skipBad ? SkipPolicy.SKIP : SkipPolicy.STRICT)
                .build());
        return maxBatches > 0 ? new EarlyTerminationDataSetIterator(it, maxBatches) : it;
    }

    @Override
    public String toString() {
        return dataset + (root != null ? " at " + root : "");
    }
}
