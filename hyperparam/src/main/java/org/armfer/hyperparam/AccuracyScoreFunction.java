package org.armfer.hyperparam;

import org.armfer.train.Metrics;
import org.deeplearning4j.arbiter.scoring.impl.BaseNetScoreFunction;
import org.deeplearning4j.datasets.iterator.MultiDataSetWrapperIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.Objects;

/**
 * Arbiter score function: validation accuracy, weighted (correct / total) or unweighted (mean per-class recall), to be
 * maximised. The model is evaluated in inference mode, where ARM's SA layer (in its default
 * {@link org.armfer.layers.GarMode#RUNNING} mode) uses its running GAR and BatchNorm its running statistics, so the score
 * does not depend on how the validation data is batched.
 * <p>
 * {@link ArmTaskCreator} evaluates each candidate once and records both accuracies; with this score function it takes the
 * score from that same pass ({@link #score(Metrics)}) instead of evaluating again. The accuracies are armfer's one
 * implementation ({@link Metrics}); data that yields no example is an error, not a score.
 */
public class AccuracyScoreFunction extends BaseNetScoreFunction {

    private static final long serialVersionUID = 1L;

    /** Which accuracy is the score. */
    public enum Metric {
        /** correct / total. */
        WEIGHTED,
        /** mean over classes of per-class recall. */
        UNWEIGHTED
    }

    private final Metric metric;

    public AccuracyScoreFunction(Metric metric) {
        this.metric = Objects.requireNonNull(metric, "metric");
    }

    public Metric getMetric() {
        return metric;
    }

    /**
     * The score of already computed metrics.
     *
     * @throws IllegalStateException when they hold no example
     */
    public double score(Metrics scores) {
        scores.requireExamples("validation");
        return metric == Metric.WEIGHTED ? scores.weightedAccuracy() : scores.unweightedAccuracy();
    }

    private double score(Evaluation eval) {
        return score(Metrics.of(eval));
    }

    @Override
    public double score(MultiLayerNetwork net, DataSetIterator iterator) {
        return score((Evaluation) net.evaluate(iterator));
    }

    @Override
    public double score(MultiLayerNetwork net, MultiDataSetIterator iterator) {
        return score(net, new MultiDataSetWrapperIterator(iterator));
    }

    @Override
    public double score(ComputationGraph graph, DataSetIterator iterator) {
        return score(graph.<Evaluation>evaluate(iterator));
    }

    @Override
    public double score(ComputationGraph graph, MultiDataSetIterator iterator) {
        return score(graph.<Evaluation>evaluate(iterator));
    }

    @Override
    public boolean minimize() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccuracyScoreFunction && ((AccuracyScoreFunction) o).metric == metric;
    }

    @Override
    public int hashCode() {
        return metric.hashCode();
    }

    @Override
    public String toString() {
        return "AccuracyScoreFunction(" + metric + ")";
    }
}
