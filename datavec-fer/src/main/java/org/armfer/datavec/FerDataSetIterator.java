package org.armfer.datavec;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Batches of one split: images decoded and preprocessed on the fly ({@link ImagePreprocessor}), one-hot canonical
 * labels. Each pass (epoch) has its order (file order, a seeded shuffle, or an MRR draw) and augmentation drawn from
 * (seed, epoch); {@code reset()} starts the next epoch. An image that cannot be loaded fails with its file and line,
 * or under {@link SkipPolicy#SKIP} is skipped and listed in {@link #problems()}.
 */
public final class FerDataSetIterator implements DataSetIterator {

    private static final Logger log = LoggerFactory.getLogger(FerDataSetIterator.class);

    private final List<Sample> samples;
    private final FerDataConfig config;
    private final int numClasses;
    private final ImagePreprocessor pre;
    private final MinimalRandomResampling mrr;
    private final List<Problem> problems = new ArrayList<>();
    private DataSetPreProcessor preProcessor;
    private long epoch;
    private int[] order;
    private int cursor;
    private Random random;

    FerDataSetIterator(DatasetIndex index, FerDataConfig config) {
        this.samples = index.samples(config.split());
        this.config = config;
        this.numClasses = index.dataset().numClasses();
        boolean train = config.split() == Split.TRAIN;
        this.pre = train && config.augment() ? ImagePreprocessor.training(config.channels(), config.imageSize())
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
                Random r = new Random(config.seed() * 31 + epoch);
                for (int i = order.length - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
        }
        random = new Random(config.seed() * 1_000_003L + epoch * 7919L + 17);
        cursor = 0;
    }

    /** Bad images skipped so far (SKIP policy). */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** The examples of one epoch (the MRR draw's size with MRR). */
    public int epochSize() {
        return order.length;
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is over; call reset()");
        }
        int c = config.channels(), s = config.imageSize();
        int plane = c * s * s;
        List<float[]> images = new ArrayList<>(num);
        List<Integer> labels = new ArrayList<>(num);
        while (images.size() < num && cursor < order.length) {
            Sample sample = samples.get(order[cursor++]);
            try {
                images.add(pre.apply(sample.image().load(), random));
                labels.add(sample.label());
            } catch (FerDataException e) {
                Problem p = new Problem(sample.file(), sample.line(), (e.problem() != null ? e.problem().reason() + " (" + e.problem().file() + ")"
                        : e.getMessage()));
                if (config.skipPolicy() == SkipPolicy.STRICT) {
                    throw new FerDataException(p);
                }
                problems.add(p);
                log.warn("skipped {}", p);
            }
        }
        if (images.isEmpty()) {
            throw new NoSuchElementException("no loadable example left in epoch " + epoch);
        }
        int n = images.size();
        float[] data = new float[n * plane];
        float[] y = new float[n * numClasses];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images.get(i), 0, data, i * plane, plane);
            y[i * numClasses + labels.get(i)] = 1f;
        }
        INDArray features = Nd4j.create(data, new long[]{n, c, s, s}, 'c');
        INDArray oneHot = Nd4j.create(y, new long[]{n, numClasses}, 'c');
        DataSet ds = new DataSet(features.castTo(DataType.FLOAT), oneHot);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(config.batchSize());
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
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
}
