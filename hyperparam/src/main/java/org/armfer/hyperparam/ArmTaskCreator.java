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
import org.armfer.train.Evaluation;
import org.armfer.train.LocalFitter;
import org.armfer.train.Metrics;
import org.armfer.train.Trainer;
import org.armfer.train.TrainingData;
import org.armfer.train.WeightDecayMode;
import org.deeplearning4j.datasets.iterator.MultiDataSetWrapperIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
 *   <li>otherwise builds the network (with the search's weight-decay mode set on it, {@link WeightDecayMode}), trains
 *       it for the candidate's epochs on fresh training data through armfer's one training loop ({@link Trainer}, with
 *       the search's gradient accumulation), evaluates it once on the validation data in inference mode
 *       (batch-independent: SA's running GAR, BatchNorm's running statistics) and records both weighted and unweighted
 *       accuracy ({@link Metrics});</li>
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

    private final WeightDecayMode weightDecayMode;
    private final double weightDecay;
    private final int accumulate;
    private final long seed;
    private final java.nio.file.Path backbone;

    /**
     * No-argument constructor: Arbiter's {@code TaskCreatorProvider} instantiates the default task creator by class.
     * Candidates train with their configuration as built (its own weight decay), without accumulation.
     */
    public ArmTaskCreator() {
        this(null, 0, 1, 42, null);
    }

    /**
     * @param weightDecayMode set on each candidate's configuration with {@code weightDecay} (null: keep the candidate's)
     * @param accumulate      micro-batches summed into one update (1: none)
     * @param seed            seeds ND4J's RNG per epoch, as {@code armfer train} does
     * @param backbone        torchvision ImageNet weights (.npz) every candidate starts from, or null
     */
    public ArmTaskCreator(WeightDecayMode weightDecayMode, double weightDecay, int accumulate, long seed,
                          java.nio.file.Path backbone) {
        if (accumulate < 1) {
            throw new IllegalArgumentException("accumulate must be >= 1; got " + accumulate);
        }
        this.weightDecayMode = weightDecayMode;
        this.weightDecay = weightDecay;
        this.accumulate = accumulate;
        this.seed = seed;
        this.backbone = backbone;
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
                                     List<StatusListener> listeners, IOptimizationRunner runner, long t0, long startMs)
            throws java.io.IOException {
        int index = candidate.getIndex();
        double[] flat = candidate.getFlatParameters();
        int epochs = c.getNumEpochs();
        ComputationGraphConfiguration conf = c.getConfiguration();
        if (weightDecayMode != null) {
            conf = weightDecayMode.apply(conf.clone(), weightDecay);
        }
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        if (backbone != null) {
            org.armfer.zoo.TorchWeights.loadBackbone(net, backbone);
        }

        DataSetIterator train = iterator(data.train(), "Training");
        if (epochs > 1 && !train.resetSupported()) {
            throw new IllegalArgumentException("Training for " + epochs + " epochs needs an iterator that can be reset;"
                    + " this one cannot (resetSupported() is false)");
        }
        rewind(train); // a supplier may hand out one shared, partly read iterator
        DataSetIterator validation = iterator(data.validation(), "Validation");
        TrainingData td = new TrainingData() {
            @Override
            public List<String> labels() {
                return null;
            }

            @Override
            public DataSetIterator train(int epoch) {
                if (epoch > 0) {
                    train.reset();
                }
                return train;
            }

            @Override
            public DataSetIterator validation() {
                return validation;
            }

            @Override
            public Metrics validate(ComputationGraph model) {
                rewind(validation);
                return Evaluation.evaluate(model, validation);
            }
        };
        CandidateInfo running = new CandidateInfo(index, CandidateStatus.Running, null, startMs, startMs, null, flat, null);
        Trainer.Result trained = Trainer.builder().data(td).epochs(epochs).seed(seed).validateEachEpoch(false)
                .fitter(new LocalFitter(null, accumulate)).build()
                .run(net, false, null, (model, history, m) -> {
                    if (listeners != null) {
                        for (StatusListener l : listeners) {
                            l.onCandidateIteration(running, c, history.size());
                        }
                    }
                });
        Metrics scores = trained.validation();
        ScoreFunction f = scoreFunction != null ? scoreFunction : new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED);
        double score = f instanceof AccuracyScoreFunction ? ((AccuracyScoreFunction) f).score(scores) : data.score(f, net);

        SearchRow row = new SearchRow(index, c.hyperparameters(), c.armJson(), c.features(), scores.weightedAccuracy(),
                scores.unweightedAccuracy(), score, SearchStatus.OK, null, seconds(t0));
        CandidateInfo info = new CandidateInfo(index, CandidateStatus.Complete, score, startMs, startMs,
                System.currentTimeMillis(), flat, null);
        OptimizationResult result = new OptimizationResult(candidate, score, index, row, info, null);
        // what a model file's card says of this candidate
        result.setModelSpecificResults(row);
        ResultSaver saver = runner == null ? null : runner.getConfiguration().getResultSaver();
        if (saver != null) {
            try {
                result.setResultReference(saver.saveModel(result, WeightDecayMode.forInference(net)));
            } catch (Exception e) {
                log.warn("Could not save the model of candidate {} with {}: {}", index, saver, e.toString(), e);
            }
        }
        // the row's time includes saving
        result.setModelSpecificResults(new SearchRow(index, row.hyperparameters(), row.armJson(), row.features(),
                row.weightedAccuracy(), row.unweightedAccuracy(), score, SearchStatus.OK, null, seconds(t0)));
        return result;
    }

    /** {@code data} as a DataSetIterator (a MultiDataSetIterator of one input and one output is wrapped). */
    private static DataSetIterator iterator(Object data, String what) {
        if (data instanceof DataSetIterator it) {
            return it;
        }
        if (data instanceof MultiDataSetIterator it) {
            return new MultiDataSetWrapperIterator(it);
        }
        throw new IllegalArgumentException(what + " data must be a DataSetIterator or MultiDataSetIterator, got "
                + (data == null ? "null" : data.getClass().getName()));
    }

    private static void rewind(DataSetIterator data) {
        if (data.resetSupported()) {
            data.reset();
        }
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
