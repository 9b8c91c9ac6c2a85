package org.armfer.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.armfer.layers.GarCalibration;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The training loop of {@code armfer train}: per epoch a progress bar over the batches, an evaluation on the
 * validation split (WA, UA), one summary line, a checkpoint (model, updater state and history in one atomically
 * written file) and an updated report. A killed run resumes from its last checkpoint; batches, resampling,
 * augmentation and the RNG are seeded per epoch, so the resumed run continues as the uninterrupted one would.
 */
public final class Trainer {

    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    public static final String CHECKPOINT = "checkpoint.zip";
    public static final String STATE_KEY = "armfer-state.json";

    private final TrainingData data;
    private final Path outDir;
    private final int epochs;
    private final long seed;
    private final double learningRate;
    private final double lrDecay;
    private final PrintStream progress;
    private final Consumer<String> summaries;

    /**
     * @param progress where progress bars go (null: none)
     * @param summaries receives one summary line per epoch
     */
    public Trainer(TrainingData data, Path outDir, int epochs, long seed, double learningRate, double lrDecay,
                   PrintStream progress, Consumer<String> summaries) {
        this.data = data;
        this.outDir = outDir;
        this.epochs = epochs;
        this.seed = seed;
        this.learningRate = learningRate;
        this.lrDecay = lrDecay;
        this.progress = progress;
        this.summaries = summaries;
    }

    /** Training state saved with each checkpoint. */
    public static final class State {
        public List<EpochStats> history = new ArrayList<>();
    }

    /** The outcome of a run. */
    public static final class Result {
        public final ComputationGraph model;
        public final List<EpochStats> history;

        Result(ComputationGraph model, List<EpochStats> history) {
            this.model = model;
            this.history = history;
        }
    }

    public Path checkpointFile() {
        return outDir.resolve(CHECKPOINT);
    }

    /**
     * Trains {@code fresh} (or, with {@code resume}, the model of the last checkpoint) up to {@code epochs}.
     *
     * @param afterEpoch called after each checkpoint with the model and the history so far (reports)
     */
    public Result run(ComputationGraph fresh, boolean resume, List<org.deeplearning4j.optimize.api.TrainingListener> listeners,
                      EpochCallback afterEpoch) throws IOException {
        ComputationGraph model;
        State state;
        if (resume) {
            if (!Files.isRegularFile(checkpointFile())) {
                throw new IOException("--resume: no checkpoint " + checkpointFile() + " to resume from");
            }
            model = Checkpoints.loadModel(checkpointFile());
            String json = Checkpoints.readJson(checkpointFile(), STATE_KEY);
            if (json == null) {
                throw new IOException(checkpointFile() + " has no training state (" + STATE_KEY + "); not an armfer checkpoint");
            }
            state = Json.MAPPER.readValue(json, State.class);
            log.info("Resuming from {} after epoch {}", checkpointFile(), state.history.size());
        } else {
            if (Files.exists(checkpointFile())) {
                throw new IOException(outDir + " already holds a run (" + CHECKPOINT + "); use --resume to continue it or"
                        + " choose another --out");
            }
            model = fresh;
            state = new State();
        }
        if (listeners != null && !listeners.isEmpty()) {
            model.addListeners(listeners.toArray(new org.deeplearning4j.optimize.api.TrainingListener[0]));
        }
        for (int epoch = state.history.size(); epoch < epochs; epoch++) {
            long start = System.nanoTime();
            Nd4j.getRandom().setSeed(seed * 1_000_003L + epoch);
            double loss = trainEpoch(model, epoch);
            model.incrementEpochCount();
            Metrics m = Evaluation.evaluate(model, data.validation(), data.labels());
            double secs = (System.nanoTime() - start) / 1e9;
            EpochStats stats = new EpochStats(epoch + 1, loss, m.weightedAccuracy(), m.unweightedAccuracy(), lambda(model),
                    learningRate * Math.pow(lrDecay, epoch), secs);
            state.history.add(stats);
            Checkpoints.save(model, checkpointFile(), STATE_KEY, Json.write(state), true);
            summaries.accept(stats.summary(epochs));
            if (afterEpoch != null) {
                afterEpoch.accept(model, state.history, m);
            }
        }
        return new Result(model, state.history);
    }

    /** Called after every epoch's checkpoint. */
    @FunctionalInterface
    public interface EpochCallback {
        void accept(ComputationGraph model, List<EpochStats> history, Metrics validation) throws IOException;
    }

    private double trainEpoch(ComputationGraph model, int epoch) {
        DataSetIterator it = data.train(epoch);
        double lossSum = 0;
        long examples = 0;
        ProgressBar bar = progress == null ? null : new ProgressBarBuilder()
                .setTaskName(String.format("epoch %d/%d", epoch + 1, epochs))
                .setInitialMax(expectedExamples(it))
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" img", 1)
                .setConsumer(new ConsoleProgressBarConsumer(progress))
                .setUpdateIntervalMillis(500)
                .build();
        try {
            while (it.hasNext()) {
                DataSet ds = it.next();
                model.fit(ds);
                long n = ds.getFeatures().size(0);
                lossSum += model.score() * n;
                examples += n;
                if (bar != null) {
                    bar.stepBy(n);
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        if (examples == 0) {
            throw new IllegalStateException("The training split yielded no examples in epoch " + (epoch + 1));
        }
        return lossSum / examples;
    }

    /** Examples in one pass of {@code it} when known (datavec-fer iterators), else -1 (an indefinite bar). */
    static long expectedExamples(DataSetIterator it) {
        return it instanceof org.armfer.datavec.FerDataSetIterator f ? f.epochSize() : -1;
    }

    /** λ of the (first) SharingAffinity layer, NaN without one. */
    public static double lambda(ComputationGraph model) {
        List<String> sa = GarCalibration.sharingAffinityVertices(model);
        if (sa.isEmpty()) {
            return Double.NaN;
        }
        org.nd4j.linalg.api.ndarray.INDArray p = model.getLayer(sa.get(0)).getParam(SharingAffinity.LAMBDA);
        return p != null ? p.getDouble(0) : ((SharingAffinity) model.getLayer(sa.get(0)).conf().getLayer()).getLambda();
    }
}
