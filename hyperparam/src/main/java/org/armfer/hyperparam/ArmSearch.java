package org.armfer.hyperparam;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmGeometry;
import org.armfer.train.ModelCard;
import org.armfer.train.Recipe;
import org.armfer.train.WeightDecayMode;
import org.armfer.layers.ArmModule;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.saver.local.FileModelSaver;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The ready-made ARM searches, run with Arbiter. Two kinds:
 * <ul>
 *   <li>{@link Kind#SWEEP}: the paper's Figure 6. DA alone (no BatchNorm, as §4.5; no FA, no SA) on ResNet-18's final
 *       feature map, stride 1, every kernel size in a range (default 1 to the map's side: 1..7 at 224x224 input, 1..2 at
 *       48x48), as an Arbiter grid search ({@code GridSearchCandidateGenerator}, in order).</li>
 *   <li>{@link Kind#RANDOM}: full ARM (FA+DA+SA), an Arbiter random search ({@code RandomSearchGenerator}) over the DA
 *       kernel size, the stride as a ratio of the kernel (0.25 to 0.5: the paper's 32/8 and "about half"), λ in [0, 2]
 *       and whether λ is learnable (see {@link #randomSpace}).</li>
 * </ul>
 * Either can be given another {@link ArmLayerSpace} ({@link Builder#space}) or another network
 * ({@link Builder#model}). By default each candidate is the zoo's ResNet-18 ({@link ResNetArmFactory}) with the
 * candidate ARM as its head, shaped after the training data (channels, height, width, classes), with the same seed for
 * every candidate.
 * <pre>{@code
 * SearchResult r = ArmSearch.builder()
 *         .kind(ArmSearch.Kind.RANDOM)
 *         .candidates(20)
 *         .epochs(3)
 *         .seed(42)
 *         .train(() -> trainIterator())          // a fresh DataSetIterator per candidate
 *         .validation(() -> validationIterator())
 *         .outDir(Path.of("search-out"))
 *         .progress(System.err)                  // optional console progress bar
 *         .build()
 *         .run();
 * r.best().ifPresent(b -> log.info("best ARM: {}", b.arm().toJson()));
 * }</pre>
 * Instead of ready iterators, {@link Builder#data(SearchData)} takes a factory that is asked for each split with the
 * search's {@link Builder#batchSize batch size}, {@link Builder#inputSize image size} and seed.
 * Each candidate is trained for the given epochs through armfer's one training loop ({@code org.armfer.train.Trainer};
 * a {@link Builder#recipe recipe} sets its optimiser, schedule, weight decay and accumulation) and evaluated once on
 * the validation data in inference mode (batch independent: SA's running GAR in
 * {@link org.armfer.layers.GarMode#RUNNING}, BatchNorm's running statistics). Nothing here reads a test split: the
 * validation data is what ranks the candidates.
 * Weighted accuracy (correct / total) and unweighted accuracy (mean per-class recall) are both recorded; the score is
 * the one chosen with {@link Builder#scoreMetric} (weighted by default) or any Arbiter score function.
 * <p>
 * A candidate whose geometry is impossible (kernel larger than the arranged map, stride below 1, output below 1x1, FA
 * channels without a square block) is recorded as INVALID with the reason and never trained; one whose training fails
 * is recorded as FAILED; the search goes on either way.
 * <p>
 * Files written to the output folder (see {@link SearchReport} for their formats): {@value SearchReport#CSV} (one row
 * per candidate: candidate, parameters, scores, status, time), {@value SearchReport#BEST_JSON} (the search and its best
 * candidate, with the ARM as {@link ArmModule#toJson()}), {@value SearchReport#BEST_ARM_JSON} (the best ARM alone,
 * {@link ArmModule#fromJson} reads it), {@value SearchReport#BEST_MODEL} (the best model, DL4J ModelSerializer zip),
 * {@value SearchReport#PLOT} (accuracy against kernel size), and with {@link Builder#saveAllModels}
 * {@code models/<candidate>/model.bin} (Arbiter's FileModelSaver). Earlier copies of these files in the folder are
 * replaced or removed at the start.
 * <p>
 * A one-line summary of each finished candidate is logged (SLF4J, INFO); a progress bar is drawn only on a stream the
 * caller passes to {@link Builder#progress}.
 */
public final class ArmSearch {

    private static final Logger log = LoggerFactory.getLogger(ArmSearch.class);

    /** Which ready-made search: the generator and, unless a space is given, the space. */
    public enum Kind {
        /** Grid over the kernel size: the paper's Figure 6 (DA alone, stride 1). */
        SWEEP,
        /** Random search over kernel size, stride ratio and λ for full ARM. */
        RANDOM
    }

    /** Candidates of a random search when {@link Builder#candidates} is not given. */
    public static final int DEFAULT_RANDOM_CANDIDATES = 10;
    /** Mini-batch size of {@link Builder#data} iterators when {@link Builder#batchSize} is not given. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** Image side for {@link Builder#data} iterators when {@link Builder#inputSize} is not given (FER2013's). */
    public static final int DEFAULT_INPUT_SIZE = 48;

    private final Builder b;

    private ArmSearch(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ spaces

    /**
     * The paper's Figure 6 sweep (§4.5): DA alone in place of GAP, stride 1, kernel sizes {@code kMin..kMax}, no
     * BatchNorm (the paper names none there; {@link #sweepSpace(int, int, boolean)} adds one).
     */
    public static ArmLayerSpace sweepSpace(int kMin, int kMax) {
        return sweepSpace(kMin, kMax, false);
    }

    /** The Figure 6 sweep with ({@code batchNorm}) or without the BatchNorm after DA. */
    public static ArmLayerSpace sweepSpace(int kMin, int kMax, boolean batchNorm) {
        return ArmLayerSpace.builder().blocks("DA").batchNorm(batchNorm).kernelSize(kMin, kMax).stride(1).build();
    }

    /** The sweep over every kernel size that fits a feature map: 1 to its smaller side. */
    public static ArmLayerSpace sweepSpace(long[] featureMap) {
        return sweepSpace(1, (int) Math.min(featureMap[1], featureMap[2]));
    }

    /**
     * The random search's space for full ARM on a feature map {@code [C, H, W]}: the paper's FA (C' = 2), kernel sizes
     * {@code kMin..kMax}, stride {@code round(ratio · k)} with the ratio in [0.25, 0.5], λ in [0, 2], λ learnable or
     * fixed (each drawn per candidate).
     */
    public static ArmLayerSpace randomSpace(int kMin, int kMax) {
        return ArmLayerSpace.builder()
                .blocks("FA+DA+SA")
                .kernelSize(kMin, kMax)
                .strideRatio(0.25, 0.5)
                .lambda(0.0, 2.0)
                .learnableLambdaOnOff()
                .build();
    }

    /**
     * {@link #randomSpace(int, int)} with kernel sizes scaled to the arranged map's side S (the paper's 32 of 112 sits
     * inside): {@code max(2, round(S/14))} to {@code max(that, round(S/2))}; 8..56 at 224x224 input, 2..16 at 48x48.
     */
    public static ArmLayerSpace randomSpace(long[] featureMap) {
        int[] k = defaultRandomKernelRange(featureMap);
        return randomSpace(k[0], k[1]);
    }

    static int[] defaultRandomKernelRange(long[] featureMap) {
        int r = ArmGeometry.defaultBlockSize(featureMap[0]);
        long side = Math.min(featureMap[1], featureMap[2]) * r;
        int kMin = (int) Math.max(2, Math.round(side / 14.0));
        int kMax = (int) Math.max(kMin, Math.round(side / 2.0));
        return new int[]{kMin, kMax};
    }

    // ------------------------------------------------------------------------------------------------ run

    /**
     * Runs the search and writes its files.
     *
     * @throws IOException              when the output folder or a file cannot be written
     * @throws IllegalArgumentException when the data or the settings do not fit (empty data, images of another size
     *                                  than {@code inputSize}, a feature map without a square FA block ...)
     */
    public SearchResult run() throws IOException {
        long t0 = System.nanoTime();
        Path out = b.outDir.toAbsolutePath();
        Files.createDirectories(out);
        for (String stale : List.of(SearchReport.CSV, SearchReport.BEST_JSON, SearchReport.BEST_ARM_JSON,
                SearchReport.BEST_MODEL, SearchReport.PLOT)) {
            Files.deleteIfExists(out.resolve(stale));
        }

        ModelFactory model = b.model != null ? b.model : resNetFactory();
        long[] map = model.featureMapShape();
        ArmLayerSpace armSpace = b.space != null ? b.space : defaultSpace(map);
        ArmGraphSpace space = new ArmGraphSpace(armSpace, model, b.epochs);

        CandidateGenerator generator;
        int candidates;
        if (b.kind == Kind.SWEEP) {
            int points = b.gridPoints > 0 ? b.gridPoints : defaultGridPoints(armSpace);
            GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, points,
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            int total = grid.getTotalNumCandidates();
            candidates = b.candidates > 0 ? Math.min(b.candidates, total) : total;
            if (b.candidates > total) {
                log.info("The grid has {} candidates; running all of them (asked for {})", total, b.candidates);
            }
            generator = grid;
        } else {
            generator = new RandomSearchGenerator(space, null);
            candidates = b.candidates > 0 ? b.candidates : DEFAULT_RANDOM_CANDIDATES;
        }

        ScoreFunction scoreFunction = b.scoreFunction != null ? b.scoreFunction : new AccuracyScoreFunction(b.scoreMetric);
        BestModelSaver saver = new BestModelSaver(out.resolve(SearchReport.BEST_MODEL), scoreFunction.minimize(),
                b.saveUpdater, b.saveAllModels ? new FileModelSaver(out.resolve("models").toFile()) : null, b.card);
        List<TerminationCondition> termination = new ArrayList<>();
        termination.add(new MaxCandidatesCondition(candidates));
        termination.add(new GeneratorExhaustedCondition());
        if (b.maxTime != null) {
            termination.add(new MaxTimeCondition(Math.max(1, b.maxTime.toMillis()), TimeUnit.MILLISECONDS));
        }
        OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                .candidateGenerator(generator)
                .dataProvider(new IteratorDataProvider(b.train, b.validation))
                .modelSaver(saver)
                .scoreFunction(scoreFunction)
                .terminationConditions(termination)
                .rngSeed(b.seed)
                .build();

        log.info("ARM {} search: {} candidates of {} on {}, {} epoch(s) each, score {}, output {}", b.kind, candidates,
                armSpace, model.describe(), b.epochs, scoreFunction, out);
        Runner runner = new Runner(config, new ArmTaskCreator(b.weightDecayMode, b.weightDecay, b.accumulate, b.seed, b.backbone));
        SearchRecorder recorder = new SearchRecorder(candidates, scoreFunction.minimize(), b.progress);
        runner.addListeners(recorder);
        try {
            runner.execute();
        } finally {
            recorder.close();
            runner.close();
        }

        Map<Integer, SearchRow> rows = new TreeMap<>();
        for (SearchRow r : recorder.rows()) {
            rows.put(r.candidate(), r);
        }
        for (CandidateInfo info : runner.getCandidateStatus()) {
            // a candidate the runner knows of but no task reported (should not happen; never drop one silently)
            if (!rows.containsKey(info.getIndex()) && info.getCandidateStatus() != CandidateStatus.Created
                    && info.getCandidateStatus() != CandidateStatus.Running) {
                rows.put(info.getIndex(), new SearchRow(info.getIndex(), null, null, 0, Double.NaN, Double.NaN, Double.NaN,
                        SearchStatus.FAILED, "no result reported (Arbiter status " + info.getCandidateStatus() + ")", 0));
            }
        }
        List<SearchRow> rowList = new ArrayList<>(rows.values());
        SearchRow best = best(rowList, scoreFunction.minimize());

        SearchResult.Settings settings = new SearchResult.Settings(b.kind, model.describe(), b.epochs, b.seed,
                scoreFunction.toString());
        Path csv = out.resolve(SearchReport.CSV);
        SearchReport.writeCsv(rowList, csv);
        Path plot = out.resolve(SearchReport.PLOT);
        String title = (b.kind == Kind.SWEEP ? "DA kernel sweep" : "ARM random search") + ": " + model.describe();
        if (!SearchReport.writePlot(rowList, b.kind, title, plot)) {
            plot = null;
        }
        Path bestJson = null;
        Path bestArmJson = null;
        Path bestModel = null;
        if (best != null) {
            if (saver.bestCandidate() == best.candidate() && Files.exists(saver.getFile())) {
                bestModel = saver.getFile();
            } else {
                log.warn("The best candidate's model ({}) was not saved; the saver holds candidate {}", best.candidate(),
                        saver.bestCandidate());
                Files.deleteIfExists(saver.getFile());
            }
            bestJson = out.resolve(SearchReport.BEST_JSON);
            SearchReport.writeBestJson(best, settings, bestModel == null ? null : SearchReport.BEST_MODEL, bestJson);
            bestArmJson = out.resolve(SearchReport.BEST_ARM_JSON);
            SearchReport.writeBestArmJson(best, bestArmJson);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        SearchResult result = new SearchResult(settings, rowList, best, out, csv, bestJson, bestArmJson, bestModel, plot,
                elapsed);
        log.info("ARM {} search done in {} s: {}", b.kind, elapsed.toSeconds(), result);
        return result;
    }

    /**
     * Arbiter's local runner, one candidate at a time (DL4J already uses every core for one network), with the thread
     * pool that Arbiter beta7 creates for its completion callbacks and never shuts down closed after the search.
     */
    private static final class Runner extends LocalOptimizationRunner {
        Runner(OptimizationConfiguration config, ArmTaskCreator tasks) {
            super(1, config, tasks);
        }

        void close() {
            if (futureListenerExecutor != null) {
                futureListenerExecutor.shutdown();
            }
        }
    }

    private ArmLayerSpace defaultSpace(long[] map) {
        if (b.kind == Kind.SWEEP) {
            return b.kernelMin > 0 ? sweepSpace(b.kernelMin, b.kernelMax) : sweepSpace(map);
        }
        return b.kernelMin > 0 ? randomSpace(b.kernelMin, b.kernelMax) : randomSpace(map);
    }

    /** Enough grid points to try every integer of the widest integer range (5 when there is none). */
    static int defaultGridPoints(ParameterSpace<?> space) {
        int points = 0;
        for (ParameterSpace<?> leaf : space.collectLeaves()) {
            if (leaf instanceof IntegerParameterSpace) {
                IntegerParameterSpace ips = (IntegerParameterSpace) leaf;
                points = Math.max(points, ips.getMax() - ips.getMin() + 1);
            }
        }
        return points > 0 ? points : 5;
    }

    /** The trained row with the best score; the earliest candidate among equals. */
    static SearchRow best(List<SearchRow> rows, boolean minimize) {
        SearchRow best = null;
        for (SearchRow r : rows) {
            if (!r.ok() || Double.isNaN(r.score())) {
                continue;
            }
            if (best == null || (minimize ? r.score() < best.score() : r.score() > best.score())
                    || (r.score() == best.score() && r.candidate() < best.candidate())) {
                best = r;
            }
        }
        return best;
    }

    /** ResNet shaped after the first training batch. */
    private ModelFactory resNetFactory() {
        DataSetIterator it = b.train.get();
        if (it == null || !it.hasNext()) {
            throw new IllegalArgumentException("The training data is empty: the train supplier's iterator has no batch");
        }
        DataSet first = it.next();
        long[] f = first.getFeatures().shape();
        if (f.length != 4) {
            throw new IllegalArgumentException("Training features must be images [N, C, H, W], got shape " + Arrays.toString(f));
        }
        if (b.inputSize > 0 && (f[2] != b.inputSize || f[3] != b.inputSize)) {
            throw new IllegalArgumentException("inputSize is " + b.inputSize + " but the training images are " + f[2] + "x"
                    + f[3] + "; resize the data or set inputSize to match");
        }
        if (it.resetSupported()) {
            it.reset(); // the supplier may hand out this same iterator again
        }
        long labels = first.getLabels().size(1);
        if (b.numClasses > 0 && b.numClasses != labels) {
            throw new IllegalArgumentException("numClasses is " + b.numClasses + " but the training labels have " + labels
                    + " columns");
        }
        return ResNetArmFactory.builder().depth(b.depth).inputShape((int) f[1], (int) f[2], (int) f[3])
                .numClasses((int) labels).seed(b.seed).updater(b.updater).build();
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Settings of a search; {@link #build()} checks them. */
    public static final class Builder {
        private Kind kind = Kind.RANDOM;
        private int candidates;
        private int epochs = 1;
        private int inputSize;
        private int numClasses;
        private int depth = 18;
        private long seed = 42;
        private IUpdater updater = new Adam(1e-3);
        private Path outDir;
        private Supplier<? extends DataSetIterator> train;
        private Supplier<? extends DataSetIterator> validation;
        private SearchData data;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private ArmLayerSpace space;
        private ModelFactory model;
        private int kernelMin;
        private int kernelMax;
        private int gridPoints;
        private AccuracyScoreFunction.Metric scoreMetric = AccuracyScoreFunction.Metric.WEIGHTED;
        private ScoreFunction scoreFunction;
        private Duration maxTime;
        private boolean saveAllModels;
        private boolean saveUpdater;
        private PrintStream progress;
        private WeightDecayMode weightDecayMode;
        private double weightDecay;
        private int accumulate = 1;
        private ModelCard card;
        private Path backbone;

        private Builder() {
        }

        /** Torchvision ImageNet weights (.npz) every candidate's backbone starts from (default: none, from scratch). */
        public Builder backbone(Path npz) {
            this.backbone = npz;
            return this;
        }

        /**
         * Trains every candidate with {@code recipe}: its updater (optimiser, learning rate and schedule), epochs,
         * micro-batch size, input size, weight decay and its mode, and gradient accumulation, and the default
         * network's depth from its model name ({@code resnet34*}: 34). Augmentation and MRR belong to the data
         * ({@link #data}).
         */
        public Builder recipe(Recipe recipe) {
            recipe.checked();
            updater(recipe.updater());
            epochs(recipe.epochs());
            batchSize(recipe.microBatch());
            inputSize(recipe.inputSize());
            weightDecay(recipe.weightDecayMode(), recipe.weightDecay());
            accumulate(recipe.accumulate());
            return depth(recipe.model().startsWith("resnet34") ? 34 : 18);
        }

        /** Sets {@code mode} with {@code coefficient} on every candidate's configuration (default: the candidate's own). */
        public Builder weightDecay(WeightDecayMode mode, double coefficient) {
            if (mode == null || !(coefficient >= 0) || Double.isInfinite(coefficient)) {
                throw new IllegalArgumentException("weight decay needs a mode and a finite coefficient >= 0; got " + mode
                        + ", " + coefficient);
            }
            this.weightDecayMode = mode;
            this.weightDecay = coefficient;
            return this;
        }

        /** Micro-batches whose gradients are summed into one update (default 1: none). */
        public Builder accumulate(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("accumulate must be >= 1, got " + n);
            }
            this.accumulate = n;
            return this;
        }

        /**
         * The model card {@value SearchReport#BEST_MODEL} gets (labels, input, dataset, recipe), completed with the
         * best candidate's ARM and validation accuracies, so that {@code armfer evaluate} and {@code predict} take it.
         * Default: none (a plain DL4J model file).
         */
        public Builder card(ModelCard card) {
            this.card = card;
            return this;
        }

        /** SWEEP (grid over the kernel size, Figure 6) or RANDOM (default). */
        public Builder kind(Kind kind) {
            if (kind == null) {
                throw new IllegalArgumentException("kind must be one of " + Arrays.toString(Kind.values()) + ", got null");
            }
            this.kind = kind;
            return this;
        }

        /**
         * RANDOM: the number of candidates (default {@value #DEFAULT_RANDOM_CANDIDATES}). SWEEP: at most this many of the
         * grid, in order (default: the whole grid). Invalid candidates count: the results table has one row for each.
         */
        public Builder candidates(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("candidates must be >= 1, got " + n);
            }
            this.candidates = n;
            return this;
        }

        /** Training epochs per candidate, >= 1 (default 1). */
        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /**
         * The image side the network is built for. The network is shaped after the training data; when this is set,
         * images of another size are an error (rather than a silently different network).
         */
        public Builder inputSize(int side) {
            if (side < 1) {
                throw new IllegalArgumentException("inputSize must be >= 1, got " + side);
            }
            this.inputSize = side;
            return this;
        }

        /** Number of classes; by default the width of the training labels (a mismatch is an error). */
        public Builder numClasses(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("numClasses must be >= 1, got " + n);
            }
            this.numClasses = n;
            return this;
        }

        /** ResNet depth for the default network: 18 (default) or 34. */
        public Builder depth(int depth) {
            if (depth != 18 && depth != 34) {
                throw new IllegalArgumentException("depth must be one of [18, 34], got " + depth);
            }
            this.depth = depth;
            return this;
        }

        /** Seed of the candidate draws and of every candidate's weight initialisation (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Updater of the default network (default Adam, learning rate 1e-3). */
        public Builder updater(IUpdater updater) {
            if (updater == null) {
                throw new IllegalArgumentException("updater must not be null");
            }
            this.updater = updater;
            return this;
        }

        /** Output folder (created when missing); required. */
        public Builder outDir(Path dir) {
            if (dir == null) {
                throw new IllegalArgumentException("outDir must not be null");
            }
            this.outDir = dir;
            return this;
        }

        /**
         * Training data: called once per candidate (and once more to shape the default network), each call giving an
         * iterator over the same data (a new one, or the same one reset). Required.
         */
        public Builder train(Supplier<? extends DataSetIterator> train) {
            this.train = train;
            return this;
        }

        /** Validation data, as {@link #train}; every candidate is scored on it. Required. */
        public Builder validation(Supplier<? extends DataSetIterator> validation) {
            this.validation = validation;
            return this;
        }

        /**
         * Data from a factory instead: iterators made with this search's {@link #batchSize}, {@link #inputSize}
         * (default {@value ArmSearch#DEFAULT_INPUT_SIZE}) and {@link #seed}. Used for the splits not given by
         * {@link #train} / {@link #validation}.
         */
        public Builder data(SearchData data) {
            this.data = data;
            return this;
        }

        /**
         * Mini-batch size of {@link #data}'s iterators (default {@value ArmSearch#DEFAULT_BATCH_SIZE}); iterators
         * given by {@link #train} / {@link #validation} keep their own.
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** A custom ARM space instead of the kind's ready-made one (the kind still picks grid or random). */
        public Builder space(ArmLayerSpace space) {
            this.space = space;
            return this;
        }

        /** A custom network instead of ResNet ({@code depth}, {@code updater}, {@code numClasses} then do not apply). */
        public Builder model(ModelFactory model) {
            this.model = model;
            return this;
        }

        /** The kernel sizes of the ready-made space, 1 <= min <= max (defaults: see {@link ArmSearch}). */
        public Builder kernelRange(int min, int max) {
            if (min < 1 || max < min) {
                throw new IllegalArgumentException("kernelRange [" + min + ", " + max + "] is not allowed; need 1 <= min <= max");
            }
            this.kernelMin = min;
            this.kernelMax = max;
            return this;
        }

        /**
         * SWEEP: values per continuous parameter of the grid, and the most values per integer range (Arbiter's
         * discretization count). Default: enough for every integer of the widest integer range.
         */
        public Builder gridPoints(int points) {
            if (points < 1) {
                throw new IllegalArgumentException("gridPoints must be >= 1, got " + points);
            }
            this.gridPoints = points;
            return this;
        }

        /** Which accuracy is the score: WEIGHTED (default) or UNWEIGHTED. Both are recorded either way. */
        public Builder scoreMetric(AccuracyScoreFunction.Metric metric) {
            if (metric == null) {
                throw new IllegalArgumentException("scoreMetric must be one of "
                        + Arrays.toString(AccuracyScoreFunction.Metric.values()) + ", got null");
            }
            this.scoreMetric = metric;
            return this;
        }

        /** Any Arbiter score function instead (e.g. {@code EvaluationScoreFunction(Metric.F1)}); replaces scoreMetric. */
        public Builder scoreFunction(ScoreFunction scoreFunction) {
            this.scoreFunction = scoreFunction;
            return this;
        }

        /** Stop starting candidates after this long (Arbiter's MaxTimeCondition); the running one finishes. */
        public Builder maxTime(Duration maxTime) {
            if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) {
                throw new IllegalArgumentException("maxTime must be positive, got " + maxTime);
            }
            this.maxTime = maxTime;
            return this;
        }

        /** Also save every trained candidate's model under {@code models/<candidate>/} (Arbiter's FileModelSaver). */
        public Builder saveAllModels(boolean on) {
            this.saveAllModels = on;
            return this;
        }

        /** Store the updater state in {@value SearchReport#BEST_MODEL} too (default false: about a third the size). */
        public Builder saveUpdater(boolean on) {
            this.saveUpdater = on;
            return this;
        }

        /** Draw a progress bar on this stream (e.g. System.err for a command line); default none. */
        public Builder progress(PrintStream stream) {
            this.progress = stream;
            return this;
        }

        /**
         * @throws IllegalStateException when the output folder or the data is missing, or the kernel range is set
         *                               together with a custom space
         */
        public ArmSearch build() {
            if (outDir == null) {
                throw new IllegalStateException("outDir is required: where the results table, best configuration, model and"
                        + " plot go");
            }
            Builder c = copy(); // later changes to this builder do not reach the search
            if (c.data != null) {
                SearchData d = c.data;
                int size = c.inputSize > 0 ? c.inputSize : DEFAULT_INPUT_SIZE;
                int batch = c.batchSize;
                long s = c.seed;
                if (c.train == null) {
                    c.train = () -> d.iterator(SearchData.Split.TRAIN, batch, size, s);
                }
                if (c.validation == null) {
                    c.validation = () -> d.iterator(SearchData.Split.VALIDATION, batch, size, s);
                }
            }
            if (c.train == null || c.validation == null) {
                throw new IllegalStateException("train and validation data are required: suppliers of DataSetIterators"
                        + " or a SearchData (missing: " + (c.train == null ? "train" : "")
                        + (c.train == null && c.validation == null ? ", " : "") + (c.validation == null ? "validation" : "")
                        + ")");
            }
            if (space != null && kernelMin > 0) {
                throw new IllegalStateException("kernelRange applies to the ready-made spaces; with a custom space set the"
                        + " kernel range in the ArmLayerSpace");
            }
            if (space != null && kind == Kind.SWEEP && !space.base().has(ArmBlock.DA)) {
                log.warn("A SWEEP over a space without DA ({}) varies nothing that matters", space);
            }
            return new ArmSearch(c);
        }

        private Builder copy() {
            Builder c = new Builder();
            c.kind = kind;
            c.candidates = candidates;
            c.epochs = epochs;
            c.inputSize = inputSize;
            c.numClasses = numClasses;
            c.depth = depth;
            c.seed = seed;
            c.updater = updater.clone();
            c.outDir = outDir;
            c.train = train;
            c.validation = validation;
            c.data = data;
            c.batchSize = batchSize;
            c.space = space;
            c.model = model;
            c.kernelMin = kernelMin;
            c.kernelMax = kernelMax;
            c.gridPoints = gridPoints;
            c.scoreMetric = scoreMetric;
            c.scoreFunction = scoreFunction;
            c.maxTime = maxTime;
            c.saveAllModels = saveAllModels;
            c.saveUpdater = saveUpdater;
            c.progress = progress;
            c.weightDecayMode = weightDecayMode;
            c.weightDecay = weightDecay;
            c.accumulate = accumulate;
            c.card = card;
            c.backbone = backbone;
            return c;
        }
    }
}
