package org.armfer.train;

import org.armfer.layers.GarCalibration;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The one training loop of armfer ({@code train}, {@code ablation}, every {@code search} candidate, Spark): per epoch
 * the {@link EpochFitter} fits one pass of the training data (locally with a progress bar, or on Spark), the model is
 * evaluated on the validation split (WA, UA; never on test), one summary line is printed, and, with a checkpoint
 * folder, a checkpoint is written (model, updater state and history in one atomically written file). A killed run
 * resumes from its last checkpoint; batches, resampling, augmentation and the RNG are seeded per epoch, so the
 * resumed run continues as the uninterrupted one would. The learning-rate schedule lives in the model's updater
 * (DL4J schedules by the model's epoch count, which each epoch increments).
 * <p>
 * A NaN or infinite loss or parameter stops the run at once with a {@link TrainingDivergedException} naming the epoch
 * and batch: the diverged model is never checkpointed, so the last checkpoint (of the last good epoch) stays.
 */
public final class Trainer {

    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    public static final String CHECKPOINT = "checkpoint.zip";

    private final TrainingData data;
    private final Path outDir;
    private final int epochs;
    private final long seed;
    private final EpochFitter fitter;
    private final Consumer<String> summaries;
    private final boolean validateEachEpoch;

    private Trainer(Builder b) {
        this.data = b.data;
        this.outDir = b.outDir;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.fitter = b.fitter;
        this.summaries = b.summaries;
        this.validateEachEpoch = b.validateEachEpoch;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Training state saved with each checkpoint. */
    public static final class State {
        public List<EpochStats> history = new ArrayList<>();
    }

    /** The outcome of a run: the trained model, its history and the validation metrics of the last epoch. */
    public record Result(ComputationGraph model, List<EpochStats> history, Metrics validation) {
    }

    /** Called after every epoch (after its checkpoint). */
    @FunctionalInterface
    public interface EpochCallback {
        void accept(ComputationGraph model, List<EpochStats> history, Metrics validation) throws IOException;
    }

    public Path checkpointFile() {
        return outDir == null ? null : outDir.resolve(CHECKPOINT);
    }

    /**
     * Trains {@code fresh} (or, with {@code resume}, the model of the last checkpoint) up to the configured epochs.
     *
     * @param listeners  DL4J listeners added to the model (may be null)
     * @param afterEpoch called after each epoch with the model, the history so far and the epoch's validation metrics
     *                   (null on epochs not validated); may be null
     */
    public Result run(ComputationGraph fresh, boolean resume, List<TrainingListener> listeners, EpochCallback afterEpoch)
            throws IOException {
        ComputationGraph model;
        State state;
        if (resume) {
            Path cp = checkpointFile();
            if (cp == null || !Files.isRegularFile(cp)) {
                throw new IOException("--resume: no checkpoint " + cp + " to resume from");
            }
            model = ModelFiles.load(cp, true);
            String json = ModelFiles.readJson(cp, ModelFiles.STATE);
            if (json == null) {
                throw new IOException(cp + " has no training state (" + ModelFiles.STATE + "); not an armfer checkpoint");
            }
            state = Json.MAPPER.readValue(json, State.class);
            log.info("Resuming from {} after epoch {}", cp, state.history.size());
        } else {
            if (checkpointFile() != null && Files.exists(checkpointFile())) {
                throw new IOException(outDir + " already holds a run (" + CHECKPOINT + "); use --resume to continue it or"
                        + " choose another --out");
            }
            model = fresh;
            state = new State();
        }
        if (listeners != null && !listeners.isEmpty()) {
            model.addListeners(listeners.toArray(new TrainingListener[0]));
        }
        Metrics last = null;
        for (int epoch = state.history.size(); epoch < epochs; epoch++) {
            long start = System.nanoTime();
            Nd4j.getRandom().setSeed(seed * 1_000_003L + epoch);
            double lr = learningRate(model, epoch);
            EpochFitter.Fit fit;
            try {
                fit = fitter.fit(model, data.train(epoch), epoch, epochs);
                // fitters that do not check each batch (Spark's) are checked here, before anything is saved
                TrainingDivergedException.check(model, fit.loss(), epoch, 0);
            } catch (TrainingDivergedException e) {
                throw new TrainingDivergedException(e.getMessage() + "; " + kept(state.history.size()), e.epoch(), e.batch());
            }
            model.incrementEpochCount();
            boolean validate = validateEachEpoch || epoch == epochs - 1;
            Metrics m = validate ? data.validate(model).requireExamples("validation") : null;
            last = m;
            double secs = (System.nanoTime() - start) / 1e9;
            EpochStats stats = new EpochStats(epoch + 1, fit.loss(), fit.trainAccuracy(),
                    m == null ? Double.NaN : m.weightedAccuracy(), m == null ? Double.NaN : m.unweightedAccuracy(),
                    lambda(model), lr, secs);
            state.history.add(stats);
            if (checkpointFile() != null) {
                ModelFiles.save(model, checkpointFile(), true, Map.of(ModelFiles.STATE, Json.write(state)));
            }
            summaries.accept(stats.summary(epochs));
            if (afterEpoch != null) {
                afterEpoch.accept(model, state.history, m);
            }
        }
        if (last == null) {
            // resumed after the last epoch: evaluate once
            last = data.validate(model).requireExamples("validation");
        }
        return new Result(model, state.history, last);
    }

    /** What a diverged run keeps, for its message. */
    private String kept(int epochsDone) {
        if (checkpointFile() == null) {
            return "nothing was saved";
        }
        return epochsDone == 0 ? "no checkpoint was written (nothing of this run is kept)"
                : "the checkpoint of epoch " + epochsDone + " is kept in " + checkpointFile() + " (this epoch was not saved)";
    }

    /** The learning rate the model's updater uses in {@code epoch} (0-based), from its first trainable layer. */
    public static double learningRate(ComputationGraph model, int epoch) {
        for (Layer l : model.getLayers()) {
            for (String p : l.paramTable().keySet()) {
                IUpdater u = l.conf().getLayer().getUpdaterByParam(p);
                if (u != null && u.hasLearningRate()) {
                    return u.getLearningRate(model.getIterationCount(), epoch);
                }
            }
        }
        return Double.NaN;
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

    /** Settings of a training loop; {@link #build()} checks them. */
    public static final class Builder {
        private TrainingData data;
        private Path outDir;
        private int epochs = 1;
        private long seed = 42;
        private EpochFitter fitter = new LocalFitter(null, 1);
        private Consumer<String> summaries = s -> { };
        private boolean validateEachEpoch = true;

        private Builder() {
        }

        /** The training and validation data (required). */
        public Builder data(TrainingData data) { this.data = data; return this; }
        /** Where the checkpoint goes (null, the default: no checkpoints, no resume). */
        public Builder checkpoints(Path outDir) { this.outDir = outDir; return this; }
        /** Epochs in all, counting those a resumed run already did. */
        public Builder epochs(int epochs) { this.epochs = epochs; return this; }
        /** Seeds ND4J's RNG per epoch (dropout and other in-graph randomness). */
        public Builder seed(long seed) { this.seed = seed; return this; }
        /** How each epoch is fitted (default: {@link LocalFitter} without progress bar or accumulation). */
        public Builder fitter(EpochFitter fitter) { this.fitter = fitter; return this; }
        /** Receives the summary line of each epoch. */
        public Builder summaries(Consumer<String> summaries) { this.summaries = summaries; return this; }
        /** Evaluate on validation after every epoch (default) or only after the last. */
        public Builder validateEachEpoch(boolean on) { this.validateEachEpoch = on; return this; }

        public Trainer build() {
            if (data == null || fitter == null || summaries == null) {
                throw new IllegalStateException("a Trainer needs data, a fitter and a summary consumer");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1; got " + epochs);
            }
            return new Trainer(this);
        }
    }
}
