package org.armfer.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits on this machine: {@code model.fit} batch by batch with a console progress bar, or, with {@code accumulate}
 * N > 1, gradient accumulation: the gradients of N consecutive micro-batches are summed and applied as one update of
 * their total size (DL4J divides the summed gradient by it, as it divides one batch's), so that for a model without
 * BatchNorm N micro-batches give exactly the step of one batch of all their examples. BatchNorm still normalises each
 * micro-batch by its own statistics, and the running statistics (BatchNorm's mean and variance, SA's running GAR) move
 * by the mean of the micro-batches' updates, once per step.
 * <p>
 * After every update the loss and the parameters are checked: a NaN or infinite one stops the epoch at once
 * ({@link TrainingDivergedException}, naming the epoch and the batch).
 * <p>
 * It also measures the training accuracy: the predictions of each training batch's own forward pass (training mode,
 * augmented), taken before the batch's update, as the reference implementation counts them; for graphs whose single
 * output is a dense {@link BaseOutputLayer} (every zoo model), else null.
 */
public final class LocalFitter implements EpochFitter {

    private final PrintStream progress;
    private final int accumulate;

    /**
     * @param progress   where the progress bars go (null: none)
     * @param accumulate micro-batches per update, >= 1
     */
    public LocalFitter(PrintStream progress, int accumulate) {
        if (accumulate < 1) {
            throw new IllegalArgumentException("accumulate must be >= 1; got " + accumulate);
        }
        this.progress = progress;
        this.accumulate = accumulate;
    }

    @Override
    public Fit fit(ComputationGraph model, DataSetIterator it, int epoch, int epochs) {
        double lossSum = 0;
        long examples = 0;
        TrainAccuracy accuracy = TrainAccuracy.of(model);
        if (accuracy != null) {
            model.addListeners(accuracy);
        }
        ProgressBar bar = progress == null ? null : new ProgressBarBuilder()
                .setTaskName(String.format("epoch %d/%d", epoch + 1, epochs))
                .setInitialMax(expectedExamples(it))
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" img", 1)
                .setConsumer(new ConsoleProgressBarConsumer(progress))
                .setUpdateIntervalMillis(500)
                .build();
        try {
            List<DataSet> group = new ArrayList<>(accumulate);
            long batches = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                long n = ds.getFeatures().size(0);
                batches++;
                if (accumulate == 1) {
                    if (accuracy != null) accuracy.labels = ds.getLabels();
                    model.fit(ds);
                    lossSum += model.score() * n;
                    TrainingDivergedException.check(model, model.score(), epoch, batches);
                } else {
                    group.add(ds);
                    if (group.size() == accumulate || !it.hasNext()) {
                        double loss = step(model, group, accuracy);
                        lossSum += loss;
                        group.clear();
                        TrainingDivergedException.check(model, model.score(), epoch, batches);
                    }
                }
                examples += n;
                if (bar != null) {
                    bar.stepBy(n);
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
            if (accuracy != null) {
                removeListener(model, accuracy);
            }
        }
        if (examples == 0) {
            throw new IllegalStateException("The training split yielded no examples in epoch " + (epoch + 1));
        }
        return new Fit(lossSum / examples, accuracy == null || accuracy.total == 0 ? null : (double) accuracy.correct / accuracy.total,
                examples);
    }

    private static void removeListener(ComputationGraph model, TrainingListener l) {
        List<TrainingListener> rest = new ArrayList<>(model.getListeners());
        rest.remove(l);
        model.setListeners(rest);
    }

    /**
     * One update from the summed gradients of {@code microBatches}; returns the sum of their losses weighted by their
     * sizes. The running statistics' "gradients" (their updates; DL4J does not divide them by the batch size) are
     * averaged instead of summed.
     */
    static double step(ComputationGraph model, List<DataSet> microBatches, TrainAccuracy accuracy) {
        Map<String, INDArray> sum = new LinkedHashMap<>();
        int total = 0;
        double loss = 0;
        for (DataSet ds : microBatches) {
            int n = (int) ds.getFeatures().size(0);
            if (accuracy != null) accuracy.labels = ds.getLabels();
            model.setInputs(ds.getFeatures());
            model.setLabels(ds.getLabels());
            model.computeGradientAndScore();
            for (Map.Entry<String, INDArray> e : model.gradient().gradientForVariable().entrySet()) {
                sum.merge(e.getKey(), e.getValue().dup(), INDArray::addi);
            }
            loss += model.score() * n;
            total += n;
        }
        Gradient gradient = model.gradient();
        for (Map.Entry<String, INDArray> e : gradient.gradientForVariable().entrySet()) {
            String key = e.getKey();
            int us = key.lastIndexOf('_');
            INDArray s = sum.get(key);
            if (!model.getLayer(key.substring(0, us)).updaterDivideByMinibatch(key.substring(us + 1))) {
                s.divi(microBatches.size());
            }
            e.getValue().assign(s);
        }
        int iteration = model.getIterationCount();
        int epoch = model.getEpochCount();
        model.getUpdater().update(gradient, iteration, epoch, total, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = model.params();
        params.subi(model.getGradientsViewArray().reshape(params.shape()));
        model.setScore(loss / total);
        for (TrainingListener l : model.getListeners()) {
            l.iterationDone(model, iteration, epoch);
        }
        model.getConfiguration().setIterationCount(iteration + 1);
        model.clearLayersStates();
        return loss;
    }

    /** Examples in one pass of {@code it} when known (datavec-fer iterators), else -1 (an indefinite bar). */
    static long expectedExamples(DataSetIterator it) {
        return it instanceof org.armfer.datavec.FerDataSetIterator f ? f.epochSize() : -1;
    }

    /** Counts correct predictions of the training forward passes (see the class comment). */
    static final class TrainAccuracy extends BaseTrainingListener {
        private final String input;
        private final String output;
        private final InputPreProcessor preProcessor;
        INDArray labels;
        long correct;
        long total;

        private TrainAccuracy(String input, String output, InputPreProcessor preProcessor) {
            this.input = input;
            this.output = output;
            this.preProcessor = preProcessor;
        }

        /** A counter for {@code model}, or null when its output is not a single dense output layer. */
        static TrainAccuracy of(ComputationGraph model) {
            if (model.getConfiguration().getNetworkOutputs().size() != 1) {
                return null;
            }
            String out = model.getConfiguration().getNetworkOutputs().get(0);
            GraphVertex v = model.getConfiguration().getVertices().get(out);
            List<String> in = model.getConfiguration().getVertexInputs().get(out);
            if (!(v instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof BaseOutputLayer) || in.size() != 1) {
                return null;
            }
            return new TrainAccuracy(in.get(0), out, lv.getPreProcessor());
        }

        @Override
        public void onForwardPass(Model model, Map<String, INDArray> activations) {
            INDArray x = activations.get(input);
            if (x == null || labels == null) {
                return;
            }
            int n = (int) x.size(0);
            if (preProcessor != null) {
                x = preProcessor.preProcess(x, n, LayerWorkspaceMgr.noWorkspaces());
            }
            if (x.rank() != 2) {
                x = x.reshape('c', n, x.length() / n);
            }
            org.deeplearning4j.nn.api.Layer out = ((ComputationGraph) model).getLayer(output);
            INDArray w = out.getParam("W");
            INDArray logits = x.castTo(w.dataType()).mmul(w).addiRowVector(out.getParam("b"));
            INDArray predicted = logits.argMax(1);
            INDArray actual = labels.argMax(1);
            for (int i = 0; i < n; i++) {
                if (predicted.getLong(i) == actual.getLong(i)) {
                    correct++;
                }
            }
            total += n;
        }
    }
}
