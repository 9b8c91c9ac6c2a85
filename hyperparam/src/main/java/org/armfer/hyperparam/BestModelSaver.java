package org.armfer.hyperparam;

import org.armfer.io.AtomicFiles;
import org.armfer.train.Json;
import org.armfer.train.ModelCard;
import org.armfer.train.ModelFiles;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Arbiter {@link ResultSaver} that keeps only the best model so far, as one DL4J {@link ModelSerializer} zip (a
 * ResNet-18 is about 45 MB without its updater state; Arbiter's {@code FileModelSaver} writes every candidate, with
 * its updater). A model is written when its score beats the saved one (strictly, so the earliest of equal candidates is
 * kept), to a temporary file first and then moved over the old one ({@link AtomicFiles}), so the file is always a whole
 * model; with a {@link ModelCard} template the file is a model file {@code armfer evaluate} and {@code predict} take.
 * An optional second saver (e.g. {@code FileModelSaver}) receives every model as well.
 */
public final class BestModelSaver implements ResultSaver {

    private static final Logger log = LoggerFactory.getLogger(BestModelSaver.class);

    private final Path file;
    private final boolean minimize;
    private final boolean saveUpdater;
    private final ResultSaver alsoSaveTo;
    private final ModelCard card;
    private Double bestScore;
    private int bestCandidate = -1;
    private boolean bestIsGraph = true;

    /**
     * @param file        where the best model goes (e.g. {@code out/best-model.zip}); its folder is created
     * @param minimize    whether a lower score is better (the score function's {@code minimize()})
     * @param saveUpdater whether to store the updater state too (needed only to continue training exactly)
     * @param alsoSaveTo  a saver that receives every model too, or null
     */
    public BestModelSaver(Path file, boolean minimize, boolean saveUpdater, ResultSaver alsoSaveTo) {
        this(file, minimize, saveUpdater, alsoSaveTo, null);
    }

    /**
     * @param card the model card to store with a ComputationGraph (completed with the candidate's ARM and validation
     *             accuracies), or null for none
     */
    public BestModelSaver(Path file, boolean minimize, boolean saveUpdater, ResultSaver alsoSaveTo, ModelCard card) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        this.file = file.toAbsolutePath();
        this.minimize = minimize;
        this.saveUpdater = saveUpdater;
        this.alsoSaveTo = alsoSaveTo;
        this.card = card;
    }

    @Override
    public synchronized ResultReference saveModel(OptimizationResult result, Object modelResult) throws IOException {
        if (!(modelResult instanceof Model)) {
            throw new IllegalArgumentException("BestModelSaver saves DL4J models, got "
                    + (modelResult == null ? "null" : modelResult.getClass().getName()));
        }
        ResultReference other = alsoSaveTo != null ? alsoSaveTo.saveModel(result, modelResult) : null;
        Double score = result.getScore();
        boolean better = score != null && !score.isNaN()
                && (bestScore == null || (minimize ? score < bestScore : score > bestScore));
        if (better) {
            if (modelResult instanceof ComputationGraph g) {
                ModelFiles.save(g, file, saveUpdater, card == null ? Map.of() : Map.of(ModelCard.KEY, Json.write(cardFor(result))));
            } else {
                AtomicFiles.writeFile(file, tmp -> ModelSerializer.writeModel((Model) modelResult, tmp.toFile(), saveUpdater));
            }
            bestScore = score;
            bestCandidate = result.getIndex();
            bestIsGraph = modelResult instanceof ComputationGraph;
            log.debug("Saved candidate {} (score {}) as the best model so far: {}", result.getIndex(), score, file);
        }
        return new Reference(result, other);
    }

    /** The card completed with the candidate's ARM and accuracies. */
    private ModelCard cardFor(OptimizationResult result) {
        ModelCard c = ModelCard.read(Json.write(card));
        if (result.getModelSpecificResults() instanceof SearchRow row) {
            c.armConfig = row.armJson();
            c.validationWa = row.weightedAccuracy();
            c.validationUa = row.unweightedAccuracy();
        }
        return c;
    }

    /** The file the best model is written to. */
    public Path getFile() {
        return file;
    }

    /** The candidate whose model the file holds, or -1 when none was saved. */
    public synchronized int bestCandidate() {
        return bestCandidate;
    }

    /** The score of the saved model, or null. */
    public synchronized Double bestScore() {
        return bestScore;
    }

    @Override
    public List<Class<?>> getSupportedCandidateTypes() {
        return List.of(Object.class);
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(ComputationGraph.class, MultiLayerNetwork.class);
    }

    @Override
    public String toString() {
        return "BestModelSaver(" + file + (alsoSaveTo != null ? ", also " + alsoSaveTo : "") + ")";
    }

    /** A saved result: the model is loadable while it is still the best one (or from the second saver). */
    private final class Reference implements ResultReference {
        private final OptimizationResult result;
        private final ResultReference other;

        Reference(OptimizationResult result, ResultReference other) {
            this.result = result;
            this.other = other;
        }

        @Override
        public OptimizationResult getResult() {
            return result;
        }

        @Override
        public Object getResultModel() throws IOException {
            if (other != null) {
                return other.getResultModel();
            }
            int best = bestCandidate();
            if (best != result.getIndex()) {
                throw new IllegalStateException("The model of candidate " + result.getIndex() + " was not kept: only the best"
                        + " model (candidate " + best + ") is saved, in " + file);
            }
            synchronized (BestModelSaver.this) {
                return bestIsGraph ? ModelSerializer.restoreComputationGraph(file.toFile(), saveUpdater)
                        : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), saveUpdater);
            }
        }
    }
}
