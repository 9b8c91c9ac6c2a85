package org.armfer.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Classification results as FER papers report them: weighted accuracy (correct / total), unweighted accuracy (mean of
 * the per-class recalls over the classes present), per-class recall and the confusion matrix (row = true class).
 * The one implementation of these numbers in armfer: training, evaluation, the searches and Spark all use it.
 * <p>
 * On no data (an empty split) every rate is NaN and {@link #total()} is 0; code that must not go on without examples
 * (model selection, a search's score) calls {@link #requireExamples}, which throws.
 */
public final class Metrics {
    private final List<String> labels;
    private final long[][] confusion;

    public Metrics(List<String> labels, long[][] confusion) {
        this.labels = List.copyOf(labels);
        this.confusion = confusion;
    }

    /** An empty result over {@code numClasses} classes named by their index ("0", "1", ...). */
    public static Metrics empty(int numClasses) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) names.add(Integer.toString(c));
        return empty(names);
    }

    /**
     * The metrics of a DL4J {@link org.nd4j.evaluation.classification.Evaluation} (e.g. from Spark's distributed
     * evaluation), over {@code labels} in output order.
     */
    public static Metrics of(org.nd4j.evaluation.classification.Evaluation eval, List<String> labels) {
        Metrics m = empty(labels);
        org.nd4j.evaluation.classification.ConfusionMatrix<Integer> cm = eval.getConfusionMatrix();
        if (cm != null) {
            for (int t = 0; t < labels.size(); t++) {
                for (int p = 0; p < labels.size(); p++) {
                    m.confusion[t][p] = cm.getCount(t, p);
                }
            }
        }
        return m;
    }

    /** The metrics of a DL4J Evaluation, the classes named by their index. */
    public static Metrics of(org.nd4j.evaluation.classification.Evaluation eval) {
        org.nd4j.evaluation.classification.ConfusionMatrix<Integer> cm = eval.getConfusionMatrix();
        return of(eval, empty(cm == null ? 0 : cm.getClasses().size()).labels());
    }

    /**
     * This result, when it holds at least one example.
     *
     * @throws IllegalStateException naming {@code what} (e.g. "validation") when the data yielded none
     */
    public Metrics requireExamples(String what) {
        if (total() == 0) {
            throw new IllegalStateException("The " + what + " data yielded no examples");
        }
        return this;
    }

    /** An empty result over {@code labels}, to {@link #add} batches to. */
    public static Metrics empty(List<String> labels) {
        return new Metrics(labels, new long[labels.size()][labels.size()]);
    }

    /** Adds a batch: one-hot (or probability) labels and predicted probabilities, both [N, classes]; argmax of each. */
    public Metrics add(INDArray labelsOneHot, INDArray probabilities) {
        INDArray t = labelsOneHot.argMax(1);
        INDArray p = probabilities.argMax(1);
        for (long i = 0; i < t.length(); i++) {
            confusion[t.getInt((int) i)][p.getInt((int) i)]++;
        }
        return this;
    }

    public List<String> labels() {
        return labels;
    }

    public long[][] confusion() {
        return confusion;
    }

    public long total() {
        long n = 0;
        for (long[] row : confusion) for (long v : row) n += v;
        return n;
    }

    /** Examples of class {@code c}. */
    public long support(int c) {
        long n = 0;
        for (long v : confusion[c]) n += v;
        return n;
    }

    /** Weighted accuracy: correct / total (NaN when there is no example). */
    public double weightedAccuracy() {
        long correct = 0;
        for (int i = 0; i < confusion.length; i++) correct += confusion[i][i];
        long n = total();
        return n == 0 ? Double.NaN : (double) correct / n;
    }

    /** Recall of class {@code c}, NaN when the class has no example. */
    public double recall(int c) {
        long s = support(c);
        return s == 0 ? Double.NaN : (double) confusion[c][c] / s;
    }

    /** Unweighted accuracy: the mean recall over the classes that have examples. */
    public double unweightedAccuracy() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < confusion.length; c++) {
            double r = recall(c);
            if (!Double.isNaN(r)) {
                sum += r;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Per-class recalls in label order. */
    public List<Double> recalls() {
        List<Double> r = new ArrayList<>();
        for (int c = 0; c < confusion.length; c++) r.add(recall(c));
        return r;
    }

    /** The confusion matrix as aligned text, rows = true class, columns = predicted. */
    public String confusionText() {
        int w = 6;
        for (String l : labels) w = Math.max(w, l.length() + 1);
        StringBuilder sb = new StringBuilder(String.format("%-" + w + "s", "true\\pred"));
        for (String l : labels) sb.append(String.format("%" + w + "s", abbreviate(l, w - 1)));
        sb.append('\n');
        for (int t = 0; t < labels.size(); t++) {
            sb.append(String.format("%-" + w + "s", labels.get(t)));
            for (int p = 0; p < labels.size(); p++) sb.append(String.format("%" + w + "d", confusion[t][p]));
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A metric with four decimals, "-" for NaN (no example). */
    public static String format(double v) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    private static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }
}
