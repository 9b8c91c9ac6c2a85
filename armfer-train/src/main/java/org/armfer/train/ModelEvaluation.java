package org.armfer.train;

import org.armfer.datavec.Split;
import org.armfer.layers.GarMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code armfer evaluate} computes for a model on a dataset split: WA, UA, per-class recall and the confusion
 * matrix, and the batch-independence check (predictions at batch size 1, at the evaluation batch and shuffled must
 * agree), with, for ARM models, how far the reference's {@code GarMode.BATCH} would move them.
 */
public final class ModelEvaluation {

    /** The metrics, the check (null when skipped), its GarMode.BATCH counterpart (null without ARM), as JSON too. */
    public record Result(Metrics metrics, Evaluation.BatchIndependence independence, Evaluation.BatchIndependence batchMode,
                         Map<String, Object> json) {
        /** Whether predictions agree across batchings (true when the check was skipped). */
        public boolean batchIndependent() {
            return independence == null || independence.agree();
        }
    }

    private ModelEvaluation() {
    }

    /**
     * Evaluates {@code model} (fed as {@code card} says) on {@code split} of {@code data} in batches of {@code batch},
     * and checks batch independence on the split's first {@code check} images (0: no check).
     *
     * @throws IllegalArgumentException when the model predicts another number of classes than the dataset has
     */
    public static Result run(ComputationGraph model, ModelCard card, DataSpec data, Split split, int batch, int check) {
        if (card.labels.size() != data.numClasses()) {
            throw new IllegalArgumentException("the model predicts " + card.labels.size() + " classes " + card.labels
                    + " but --dataset " + data.dataset + " has " + data.numClasses() + " " + data.labels());
        }
        Metrics m = Evaluation.evaluate(model, data.iterator(split, batch, card.height, card.channels), data.labels());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", data.dataset);
        json.put("split", split.name().toLowerCase(Locale.ROOT));
        json.put("images", m.total());
        json.put("weightedAccuracy", m.weightedAccuracy());
        json.put("unweightedAccuracy", m.unweightedAccuracy());
        json.put("labels", m.labels());
        json.put("recall", m.recalls());
        json.put("confusion", m.confusion());
        Evaluation.BatchIndependence bi = null, ref = null;
        if (check > 0) {
            INDArray features = Evaluation.firstFeatures(data.iterator(split, batch, card.height, card.channels), check);
            int b = Math.max(2, Math.min(batch, (int) features.size(0)));
            bi = Evaluation.checkBatchIndependence(model, features, b, card.seed);
            json.put("batchIndependent", bi.agree());
            json.put("maxDiffBatch1", bi.maxDiffBatch1);
            json.put("maxDiffShuffled", bi.maxDiffShuffled);
            ComputationGraph batchMode = Evaluation.withGarMode(model, GarMode.BATCH);
            if (batchMode != null) {
                ref = Evaluation.checkBatchIndependence(batchMode, features, b, card.seed);
                json.put("batchModeMaxDiffBatch1", ref.maxDiffBatch1);
                json.put("batchModeChangedPredictions", ref.changedPredictions);
            }
        }
        return new Result(m, bi, ref, json);
    }
}
