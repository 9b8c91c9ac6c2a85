package org.armfer.datavec;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Batches of one split: features {@code [N, C, S, S]} float (resized, ImageNet-normalised, augmented for training
 * when asked), one-hot labels {@code [N, numClasses]} in the canonical order.
 * <p>
 * Each pass (epoch) has its order (file order, a seeded shuffle, or an MRR draw) and its augmentation drawn from
 * (seed, epoch); {@code reset()} starts the next epoch, so epoch k is the same for the same seed whoever runs it. The
 * augmentation of an example depends only on (seed, epoch, position in the epoch), which lets the images of a batch be
 * prepared in parallel with results independent of thread timing.
 * <p>
 * An image that cannot be loaded fails with its label file and line (or image file), or under
 * {@link SkipPolicy#SKIP} is skipped, logged (the first few, then a per-epoch summary) and listed in
 * {@link #problems()}; {@link #hasNext()} only answers true while a loadable example is left.
 */
public final class FerDataSetIterator implements DataSetIterator {

    private static final Logger log = LoggerFactory.getLogger(FerDataSetIterator.class);
    private static final int WARN_EACH = 5;

    private final List<Sample> samples;
    private final FerDataConfig config;
    private final int numClasses;
    private final ImagePreprocessor pre;
    private final MinimalRandomResampling mrr;
    private final Set<Problem> problems = new LinkedHashSet<>();
    private final Deque<Loaded> ready = new ArrayDeque<>();
    private DataSetPreProcessor preProcessor;
    private long epoch;
    private int[] order;
    private int cursor;
    private int skippedThisEpoch;

    /** One prepared example, or the problem that stopped it. */
    private record Loaded(float[] image, int label, Problem problem) {
    }

    FerDataSetIterator(DatasetIndex index, FerDataConfig config) {
        index.requireReadable(config.split());
        this.samples = index.samples(config.split());
        this.config = config;
        this.numClasses = index.dataset().numClasses();
        boolean train = config.split() == Split.TRAIN;
        this.pre = train && config.augment() ? ImagePreprocessor.training(config.channels(), config.imageSize(), config.augmentation())
                : ImagePreprocessor.evaluation(config.channels(), config.imageSize());
        if (samples.isEmpty()) {
            throw new FerDataException(index.dataset().cliName() + " at " + index.root() + " (" + index.layout() + ") has no "
                    + config.split().cliName() + " examples");
        }
        if (train && config.mrr()) {
            int[] labels = samples.stream().mapToInt(Sample::label).toArray();
            this.mrr = new MinimalRandomResampling(labels, numClasses, config.seed());
        } else {
            this.mrr = null;
        }
        startEpoch();
    }

    private void startEpoch() {
        if (mrr != null) {
            order = mrr.epoch(epoch);
        } else {
            order = new int[samples.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            if (config.shuffle()) {
                Random r = new Random(Seeds.mix(config.seed(), Seeds.SHUFFLE, epoch));
                for (int i = order.length - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
        }
        cursor = 0;
        skippedThisEpoch = 0;
        ready.clear();
    }

    /** Bad images skipped so far (SKIP policy), each once however many epochs met it. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** The examples of one epoch (the MRR draw's size with MRR), counting any that turn out unreadable. */
    public int epochSize() {
        return order.length;
    }

    /** Epochs started before the current one (the number of {@link #reset()} calls). */
    public long epoch() {
        return epoch;
    }

    /** The configuration this iterator was built from. */
    public FerDataConfig config() {
        return config;
    }

    /** The index positions (into the split's examples) of the current epoch, in order. */
    public int[] epochOrder() {
        return order.clone();
    }

    @Override
    public DataSet next(int num) {
        if (num < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; got " + num);
        }
        fill(num);
        if (ready.isEmpty()) {
            throw new NoSuchElementException("epoch " + epoch + " of " + config.dataset().cliName() + " " + config.split().cliName()
                    + " is over; call reset()");
        }
        int n = Math.min(num, ready.size());
        int c = config.channels(), s = config.imageSize();
        int plane = c * s * s;
        float[] data = new float[n * plane];
        float[] y = new float[n * numClasses];
        for (int i = 0; i < n; i++) {
            Loaded l = ready.poll();
            System.arraycopy(l.image(), 0, data, i * plane, plane);
            y[i * numClasses + l.label()] = 1f;
        }
        INDArray features = Nd4j.create(data, new long[]{n, c, s, s}, 'c');
        INDArray oneHot = Nd4j.create(y, new long[]{n, numClasses}, 'c');
        DataSet ds = new DataSet(features, oneHot);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    /** Prepares examples until {@code want} are ready or the epoch is out of examples. */
    private void fill(int want) {
        while (ready.size() < want && cursor < order.length) {
            int from = cursor, to = Math.min(order.length, cursor + want - ready.size());
            cursor = to;
            Loaded[] batch = new Loaded[to - from];
            IntStream range = IntStream.range(from, to);
            (batch.length > 1 ? range.parallel() : range).forEach(pos -> batch[pos - from] = load(pos));
            for (Loaded l : batch) {
                if (l.problem() == null) {
                    ready.add(l);
                    continue;
                }
                if (config.skipPolicy() == SkipPolicy.STRICT) {
                    throw new FerDataException(l.problem());
                }
                problems.add(l.problem());
                if (++skippedThisEpoch <= WARN_EACH) {
                    log.warn("skipped {}", l.problem());
                }
            }
            if (cursor == order.length && skippedThisEpoch > 0) {
                log.warn("epoch {} of {} {}: {} of {} images skipped as unreadable ({} distinct so far; problems() lists them)",
                        epoch, config.dataset().cliName(), config.split().cliName(), skippedThisEpoch, order.length, problems.size());
            }
        }
    }

    /** The example at position {@code pos} of this epoch, augmented from its own (seed, epoch, position) stream. */
    private Loaded load(int pos) {
        Sample sample = samples.get(order[pos]);
        try {
            Random r = new Random(Seeds.mix(config.seed(), Seeds.AUGMENT, Seeds.mix(epoch, pos, 0)));
            return new Loaded(pre.apply(sample.image().load(), r), sample.label(), null);
        } catch (FerDataException e) {
            return new Loaded(null, -1, new Problem(sample.file(), sample.line(), e.problem() != null
                    ? e.problem().reason() + " (" + e.problem().file() + ")" : e.getMessage()));
        }
    }

    @Override
    public DataSet next() {
        return next(config.batchSize());
    }

    /** True while a loadable example is left in this epoch (under SKIP, unreadable ones are skipped on the way). */
    @Override
    public boolean hasNext() {
        fill(1);
        return !ready.isEmpty();
    }

    @Override
    public int inputColumns() {
        return config.channels() * config.imageSize() * config.imageSize();
    }

    @Override
    public int totalOutcomes() {
        return numClasses;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /**
     * True: every batch is fresh arrays made from plain Java data, safe to prepare on DL4J's prefetch thread
     * ({@code AsyncDataSetIterator}), which then overlaps image decoding with training.
     */
    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** Starts the next epoch: a fresh order (shuffle or MRR draw) and fresh augmentation. */
    @Override
    public void reset() {
        epoch++;
        startEpoch();
    }

    @Override
    public int batch() {
        return config.batchSize();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return FerLabel.names(numClasses);
    }

    @Override
    public String toString() {
        return "FerDataSetIterator{" + config + ", epoch=" + epoch + ", position=" + (cursor - ready.size()) + "/" + order.length
                + (problems.isEmpty() ? "" : ", skipped=" + problems.size()) + "}";
    }
}
