package org.armfer.train;

import org.armfer.layers.GarMode;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Evaluation of a classifier graph: {@link Metrics}, and the batch-independence check of {@code armfer evaluate}. */
public final class Evaluation {

    private Evaluation() {
    }

    /**
     * WA, UA, per-class recall and confusion matrix of {@code model} over {@code data} (reset first), the classes named
     * by the iterator's labels, else by their index.
     */
    public static Metrics evaluate(ComputationGraph model, DataSetIterator data) {
        List<String> labels = null;
        try {
            labels = data.getLabels();
        } catch (UnsupportedOperationException e) {
            // unnamed classes
        }
        if (labels == null || labels.isEmpty()) {
            return evaluate(model, data, Metrics.empty((int) model.getOutputLayer(0).getParam("b").length()).labels());
        }
        return evaluate(model, data, labels);
    }

    /**
     * WA, UA, per-class recall and confusion matrix of {@code model} over {@code data} (reset first).
     *
     * @throws IllegalStateException when the model outputs NaN or infinity (broken weights): never a made-up result
     */
    public static Metrics evaluate(ComputationGraph model, DataSetIterator data, List<String> labels) {
        Metrics m = Metrics.empty(labels);
        if (data.resetSupported()) {
            data.reset();
        }
        long batch = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            batch++;
            m.add(ds.getLabels(), requireFinite(model.outputSingle(false, ds.getFeatures()), batch));
        }
        return m;
    }

    /**
     * {@code output} when every value is finite.
     *
     * @throws IllegalStateException naming how many examples of batch {@code batch} (1-based) got a non-finite output
     */
    static INDArray requireFinite(INDArray output, long batch) {
        if (Double.isFinite(output.sumNumber().doubleValue())) {
            return output;
        }
        long rows = output.size(0), bad = 0;
        for (long i = 0; i < rows; i++) {
            if (!Double.isFinite(output.getRow(i).sumNumber().doubleValue())) bad++;
        }
        throw new IllegalStateException("the model outputs NaN or infinite probabilities for " + bad + " of the " + rows
                + " examples of batch " + batch + ": its weights hold NaN or infinite values (a diverged training); no"
                + " result is given");
    }

    /** How far predictions move with the batch they are computed in. */
    public static final class BatchIndependence {
        public final int examples;
        public final int batchSize;
        /** Max |probability difference| between batch size 1 and {@link #batchSize}, and between in-order and shuffled. */
        public final double maxDiffBatch1;
        public final double maxDiffShuffled;
        /** Examples whose predicted class differs between batch size 1 and {@link #batchSize}. */
        public final int changedPredictions;

        BatchIndependence(int examples, int batchSize, double maxDiffBatch1, double maxDiffShuffled, int changedPredictions) {
            this.examples = examples;
            this.batchSize = batchSize;
            this.maxDiffBatch1 = maxDiffBatch1;
            this.maxDiffShuffled = maxDiffShuffled;
            this.changedPredictions = changedPredictions;
        }

        /** Whether all three ways give the same probabilities (within float rounding, 1e-5). */
        public boolean agree() {
            return maxDiffBatch1 <= 1e-5 && maxDiffShuffled <= 1e-5;
        }
    }

    /**
     * Predicts {@code features} at batch size 1, at {@code batchSize}, and shuffled at {@code batchSize}, and compares
     * the probabilities example by example.
     */
    public static BatchIndependence checkBatchIndependence(ComputationGraph model, INDArray features, int batchSize, long seed) {
        int n = (int) features.size(0);
        INDArray batched = predict(model, features, batchSize);
        INDArray single = predict(model, features, 1);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        long[] perm = order.stream().mapToLong(Integer::longValue).toArray();
        INDArray shuffledOut = predict(model, features.get(NDArrayIndex.indices(perm)).dup(), batchSize);
        INDArray unshuffled = Nd4j.create(shuffledOut.dataType(), shuffledOut.shape());
        for (int i = 0; i < n; i++) {
            unshuffled.putRow(perm[i], shuffledOut.getRow(i));
        }
        INDArray a1 = batched.argMax(1), a2 = single.argMax(1);
        int changed = 0;
        for (int i = 0; i < n; i++) if (a1.getInt(i) != a2.getInt(i)) changed++;
        return new BatchIndependence(n, batchSize, batched.sub(single).amaxNumber().doubleValue(),
                batched.sub(unshuffled).amaxNumber().doubleValue(), changed);
    }

    /**
     * A copy of {@code model} whose SharingAffinity layers use {@code mode} at inference, or null when it has none.
     * Used to show how far the reference's BATCH mode moves predictions with the batch.
     */
    public static ComputationGraph withGarMode(ComputationGraph model, GarMode mode) {
        ComputationGraph copy = model.clone();
        boolean any = false;
        for (org.deeplearning4j.nn.api.Layer l : copy.getLayers()) {
            if (l.conf().getLayer() instanceof SharingAffinity sa) {
                sa.setGarMode(mode);
                any = true;
            }
        }
        return any ? copy : null;
    }

    /** The first {@code max} examples' features of {@code data} (reset first), concatenated. */
    public static INDArray firstFeatures(DataSetIterator data, int max) {
        if (data.resetSupported()) {
            data.reset();
        }
        List<INDArray> parts = new ArrayList<>();
        long n = 0;
        while (data.hasNext() && n < max) {
            INDArray f = data.next().getFeatures();
            long take = Math.min(f.size(0), max - n);
            parts.add(take == f.size(0) ? f : f.get(NDArrayIndex.interval(0, take)).dup());
            n += take;
        }
        if (parts.isEmpty()) {
            throw new IllegalStateException("the split has no examples");
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /** Probabilities for all rows of {@code features}, computed in consecutive batches of {@code batchSize}. */
    public static INDArray predict(ComputationGraph model, INDArray features, int batchSize) {
        int n = (int) features.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            parts.add(requireFinite(model.outputSingle(false, features.get(NDArrayIndex.interval(from, to)).dup()),
                    from / batchSize + 1));
        }
        return Nd4j.vstack(parts.toArray(new INDArray[0]));
    }
}
