package org.armfer.hyperparam;

import org.apache.commons.lang3.exception.ExceptionUtils;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Arbiter {@link TaskCreator} for {@link ArmGraphSpace} candidates. For each candidate it
 * <ol>
 *   <li>records an invalid one (impossible geometry) without training it, with its reason;</li>
 *   <li>otherwise builds the network, trains it for the candidate's epochs on fresh training data, evaluates it once on
 *       the validation data in inference mode (batch-independent: SA's running GAR, BatchNorm's running statistics) and
 *       records both weighted and unweighted accuracy;</li>
 *   <li>scores it: from that same evaluation with an {@link AccuracyScoreFunction}, or by calling any other Arbiter
 *       {@link ScoreFunction} (e.g. {@code EvaluationScoreFunction});</li>
 *   <li>hands the model to the configuration's {@link ResultSaver};</li>
 *   <li>tells the status listeners (once per epoch, and when done), and returns a result whose
 *       {@link OptimizationResult#getModelSpecificResults() model-specific results} are the {@link SearchRow}.</li>
 * </ol>
 * Any error (including running out of memory) makes the candidate FAILED; the runner carries on with the next one.
 * <p>
 * Why not Arbiter's {@code ComputationGraphTaskCreator}: it has no notion of an invalid candidate (it would fail on a
 * null configuration and report a stack trace), it evaluates its extra {@code ModelEvaluator} only under early stopping
 * (so a second accuracy would need a second evaluation pass), and it sleeps 2 s after every candidate.
 */
public class ArmTaskCreator implements TaskCreator {

    private static final Logger log = LoggerFactory.getLogger(ArmTaskCreator.class);

    /** No-argument constructor: Arbiter's {@code TaskCreatorProvider} instantiates the default task creator by class. */
    public ArmTaskCreator() {
    }

    @Override
    @SuppressWarnings("deprecation")
    public Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        Map<String, Object> params = candidate.getDataParameters();
        TaskData data = new TaskData() {
            @Override
            public Object train() {
                return dataProvider.trainData(params);
            }

            @Override
            public Object validation() {
                return dataProvider.testData(params);
            }

            @Override
            public double score(ScoreFunction f, Object model) {
                return f.score(model, dataProvider, params);
            }
        };
        return () -> run(candidate, data, scoreFunction, statusListeners, runner);
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource,
                                               Properties dataSourceProperties, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        TaskData data = new TaskData() {
            private DataSource source;

            private DataSource source() {
                if (source == null) {
                    try {
                        source = dataSource.getDeclaredConstructor().newInstance();
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("Cannot instantiate DataSource " + dataSource.getName()
                                + " (it needs a public no-argument constructor)", e);
                    }
                    if (dataSourceProperties != null) {
                        source.configure(dataSourceProperties);
                    }
                }
                return source;
            }

            @Override
            public Object train() {
                return source().trainData();
            }

            @Override
            public Object validation() {
                return source().testData();
            }

            @Override
            public double score(ScoreFunction f, Object model) {
                return f.score(model, dataSource, dataSourceProperties);
            }
        };
        return () -> run(candidate, data, scoreFunction, statusListeners, runner);
    }

    /** Where a task's data comes from (a DataProvider or a DataSource). */
    private interface TaskData {
        Object train();

        Object validation();

        double score(ScoreFunction f, Object model);
    }

    private OptimizationResult run(Candidate candidate, TaskData data, ScoreFunction scoreFunction,
                                   List<StatusListener> listeners, IOptimizationRunner runner) {
        long t0 = System.nanoTime();
        long startMs = System.currentTimeMillis();
        int index = candidate.getIndex();
        ArmCandidate c = null;
        OptimizationResult result;
        try {
            Object value = candidate.getValue();
            if (!(value instanceof ArmCandidate)) {
                throw new IllegalArgumentException("ArmTaskCreator runs the candidates of an ArmGraphSpace (ArmCandidate), got "
                        + (value == null ? "null" : value.getClass().getName()));
            }
            c = (ArmCandidate) value;
            if (!c.isValid()) {
                SearchRow row = SearchRow.notTrained(index, c, c.status(), c.reason(), seconds(t0));
                result = notScored(candidate, row, startMs, c.reason());
            } else {
                result = train(candidate, c, data, scoreFunction, listeners, runner, t0, startMs);
            }
        } catch (Throwable t) {
            log.warn("Candidate {} failed", index, t);
            SearchRow row = SearchRow.notTrained(index, c, SearchStatus.FAILED, t.toString(), seconds(t0));
            result = notScored(candidate, row, startMs, ExceptionUtils.getStackTrace(t));
        } finally {
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        }
        if (listeners != null) {
            for (StatusListener l : listeners) {
                try {
                    l.onCandidateStatusChange(result.getCandidateInfo(), runner, result);
                } catch (RuntimeException e) {
                    log.error("Status listener {} failed for candidate {}", l, index, e);
                }
            }
        }
        return result;
    }

    private OptimizationResult train(Candidate candidate, ArmCandidate c, TaskData data, ScoreFunction scoreFunction,
                                     List<StatusListener> listeners, IOptimizationRunner runner, long t0, long startMs) {
        int index = candidate.getIndex();
        double[] flat = candidate.getFlatParameters();
        int epochs = c.getNumEpochs();
        ComputationGraph net = new ComputationGraph(c.getConfiguration());
        net.init();

        Object trainData = data.train();
        rewind(trainData); // a supplier may hand out one shared, partly read iterator
        CandidateInfo running = new CandidateInfo(index, CandidateStatus.Running, null, startMs, startMs, null, flat, null);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            fitEpoch(net, trainData, epoch, epochs);
            if (listeners != null) {
                for (StatusListener l : listeners) {
                    l.onCandidateIteration(running, c, epoch);
                }
            }
        }

        Object validation = data.validation();
        rewind(validation);
        Evaluation eval = evaluate(net, validation);
        ValidationScores scores = ValidationScores.of(eval);
        ScoreFunction f = scoreFunction != null ? scoreFunction : new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED);
        double score = f instanceof AccuracyScoreFunction ? ((AccuracyScoreFunction) f).score(scores) : data.score(f, net);

        SearchRow row = new SearchRow(index, c.hyperparameters(), c.armJson(), c.features(), scores.weightedAccuracy(),
                scores.unweightedAccuracy(), score, SearchStatus.OK, null, seconds(t0));
        CandidateInfo info = new CandidateInfo(index, CandidateStatus.Complete, score, startMs, startMs,
                System.currentTimeMillis(), flat, null);
        OptimizationResult result = new OptimizationResult(candidate, score, index, row, info, null);
        ResultSaver saver = runner == null ? null : runner.getConfiguration().getResultSaver();
        if (saver != null) {
            try {
                result.setResultReference(saver.saveModel(result, net));
            } catch (Exception e) {
                log.warn("Could not save the model of candidate {} with {}: {}", index, saver, e.toString(), e);
            }
        }
        // the row's time includes saving
        result.setModelSpecificResults(new SearchRow(index, row.hyperparameters(), row.armJson(), row.features(),
                row.weightedAccuracy(), row.unweightedAccuracy(), score, SearchStatus.OK, null, seconds(t0)));
        return result;
    }

    private static void fitEpoch(ComputationGraph net, Object trainData, int epoch, int epochs) {
        if (trainData instanceof DataSetIterator) {
            DataSetIterator it = (DataSetIterator) trainData;
            requireReset(epoch, epochs, it.resetSupported());
            net.fit(it);
        } else if (trainData instanceof MultiDataSetIterator) {
            MultiDataSetIterator it = (MultiDataSetIterator) trainData;
            requireReset(epoch, epochs, it.resetSupported());
            net.fit(it);
        } else {
            throw new IllegalArgumentException("Training data must be a DataSetIterator or MultiDataSetIterator, got "
                    + (trainData == null ? "null" : trainData.getClass().getName()));
        }
    }

    private static void rewind(Object data) {
        if (data instanceof DataSetIterator && ((DataSetIterator) data).resetSupported()) {
            ((DataSetIterator) data).reset();
        } else if (data instanceof MultiDataSetIterator && ((MultiDataSetIterator) data).resetSupported()) {
            ((MultiDataSetIterator) data).reset();
        }
    }

    private static void requireReset(int epoch, int epochs, boolean resetSupported) {
        if (epoch == 1 && epochs > 1 && !resetSupported) {
            throw new IllegalArgumentException("Training for " + epochs + " epochs needs an iterator that can be reset;"
                    + " this one cannot (resetSupported() is false)");
        }
    }

    private static Evaluation evaluate(ComputationGraph net, Object validation) {
        if (validation instanceof DataSetIterator) {
            return net.evaluate((DataSetIterator) validation);
        }
        if (validation instanceof MultiDataSetIterator) {
            return net.evaluate((MultiDataSetIterator) validation);
        }
        throw new IllegalArgumentException("Validation data must be a DataSetIterator or MultiDataSetIterator, got "
                + (validation == null ? "null" : validation.getClass().getName()));
    }

    private static OptimizationResult notScored(Candidate candidate, SearchRow row, long startMs, String detail) {
        CandidateInfo info = new CandidateInfo(candidate.getIndex(), CandidateStatus.Failed, null, startMs, startMs,
                System.currentTimeMillis(), candidate.getFlatParameters(), detail);
        return new OptimizationResult(candidate, null, candidate.getIndex(), row, info, null);
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
