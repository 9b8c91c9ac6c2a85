package org.armfer.train;

import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerPlusPrior;
import org.armfer.datavec.Split;
import org.armfer.io.AtomicFiles;
import org.armfer.io.OutputFolder;
import org.armfer.zoo.FerModel;
import org.armfer.zoo.TorchWeights;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One training run as {@code armfer train}, {@code armfer ablation} and {@code armfer-spark} do it: the run folder
 * with {@code config.json} (every setting, the resolved recipe, which examples formed each split), the epochs of the
 * {@link Trainer} with a checkpoint each ({@code checkpoint.zip}, resumable), {@code epochs.csv}, the final model
 * ({@code model.zip} with its {@link ModelCard}), and the final model evaluated once on the test split, reported on
 * its own. Selection never sees test: validation is the dataset's own validation split or a hold-out from train
 * ({@link DataSpec#splits}). The report (figures, HTML) is the {@link RunReporter}'s.
 * <p>
 * The run folder is claimed for the whole run ({@link #claim}: an {@link OutputFolder} of kind {@value #KIND}): a
 * folder of other files is refused untouched, and a second run into the same folder fails at once naming the first.
 */
public final class TrainRun {

    private static final Logger log = LoggerFactory.getLogger(TrainRun.class);

    public static final String MODEL = "model.zip";
    /** Every setting and the seed, written before the first epoch; {@code --resume} reads it back. */
    public static final String CONFIG = "config.json";
    /** One line per epoch ({@link EpochStats#CSV_HEADER}). */
    public static final String EPOCHS = "epochs.csv";
    /** The {@link OutputFolder} kind of a training run's folder. */
    public static final String KIND = "train";

    /** The outcome: history, final validation and test metrics (test null when the dataset has no test split). */
    public record Outcome(ComputationGraph model, List<EpochStats> history, Metrics validation, Metrics test, Path outDir) {
        /** The metrics a run is judged by: test where there is one, else validation. */
        public Metrics headline() {
            return test != null ? test : validation;
        }
    }

    private final TrainConfig config;
    private final Path outDir;
    private PrintStream progress;
    private Consumer<String> lines = s -> { };
    private final List<TrainingListener> listeners = new ArrayList<>();
    private RunReporter reporter = RunReporter.NONE;
    private EpochFitter fitter;
    private boolean memoryCheck = true;
    private OutputFolder folder;

    /** @param config a resolved configuration ({@link TrainConfig#resolve}) */
    public TrainRun(TrainConfig config, Path outDir) {
        this.config = Objects.requireNonNull(config, "config");
        this.outDir = Objects.requireNonNull(outDir, "outDir");
        if (config.recipe == null) {
            throw new IllegalArgumentException("the configuration has no recipe; resolve it first (TrainConfig.resolve)");
        }
    }

    /** Where progress bars go (default: none). */
    public TrainRun progress(PrintStream progress) {
        this.progress = progress;
        return this;
    }

    /** Receives the run's lines: the recipe, the splits, one summary per epoch, the test result. */
    public TrainRun lines(Consumer<String> lines) {
        this.lines = lines;
        return this;
    }

    /** Renders the report after every epoch and at the end (default: none). */
    public TrainRun reporter(RunReporter reporter) {
        this.reporter = reporter;
        return this;
    }

    public TrainRun listener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    /** How each epoch is fitted (default: {@link LocalFitter} with the recipe's accumulation and the progress bars). */
    public TrainRun fitter(EpochFitter fitter) {
        this.fitter = fitter;
        return this;
    }

    /** Whether to refuse a batch that does not fit this machine's memory ({@link MemoryCheck}; default on). */
    public TrainRun memoryCheck(boolean on) {
        this.memoryCheck = on;
        return this;
    }

    /**
     * The run folder, already claimed by the caller ({@link #claim}) so that it holds it from the start of the command
     * (default: {@link #run} claims it itself).
     */
    public TrainRun outputFolder(OutputFolder claimed) {
        if (!claimed.dir().toAbsolutePath().normalize().equals(outDir.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the claimed folder " + claimed.dir() + " is not this run's " + outDir);
        }
        this.folder = claimed;
        return this;
    }

    /**
     * Claims {@code outDir} for a training run ({@link OutputFolder}, kind {@value #KIND}; runs written before the
     * marker are recognised by {@link #isEarlierRun}) and removes what interrupted writes left in it.
     *
     * @throws OutputFolder.Refused when it is a file, or a folder of other files or of another kind of run
     * @throws IOException          when another run holds it (naming that run), or it cannot be created
     */
    public static OutputFolder claim(Path outDir) throws IOException {
        OutputFolder f = OutputFolder.claim(outDir, KIND, TrainRun::isEarlierRun);
        try {
            ModelFiles.removeLeftovers(outDir);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** Whether {@code dir} holds a training run written before run folders were marked: its config and a model. */
    public static boolean isEarlierRun(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG)) && (Files.isRegularFile(dir.resolve(Trainer.CHECKPOINT))
                || Files.isRegularFile(dir.resolve(MODEL)));
    }

    /** Reads the configuration a run in {@code outDir} was started with, checked as a new run's would be. */
    public static TrainConfig readConfig(Path outDir) throws IOException {
        Path file = outDir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IOException("--resume: " + outDir + " holds no " + CONFIG + "; is it a training run's --out folder?");
        }
        TrainConfig c = Json.read(file, TrainConfig.class);
        if (c.recipe == null) {
            throw new IOException(file + " holds no recipe: it was written by an armfer before recipes; start a new run");
        }
        try {
            c.recipe.checked();
            c.check();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage() + " (the file was changed by hand, or is not armfer's)", e);
        }
        return c;
    }

    /**
     * Builds the model the configuration describes: the zoo model with the recipe's updater, the recipe's weight
     * decay set on the built configuration ({@link WeightDecayMode#apply}), then the backbone weights when configured.
     */
    public static ComputationGraph buildModel(TrainConfig config) throws IOException {
        return buildModel(config, config.data.numClasses());
    }

    /** {@link #buildModel(TrainConfig)} with {@code numClasses} outputs (e.g. taken from saved DataSets). */
    public static ComputationGraph buildModel(TrainConfig config, int numClasses) throws IOException {
        Recipe r = config.recipe;
        ModelSpec m = config.model;
        m.model = r.model();
        m.inputSize = r.inputSize();
        m.updater = r.updater();
        m.weightDecay = 0;
        FerModel zoo = m.build(numClasses, () -> priorFromData(config.data));
        ComputationGraphConfiguration conf = r.weightDecayMode().apply(zoo.conf(), r.weightDecay());
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        if (config.weights != null) {
            TorchWeights.Report rep = TorchWeights.loadBackbone(graph, Path.of(config.weights));
            log.info("Loaded {} tensors of backbone weights from {}", rep.loaded().size(), config.weights);
        }
        return graph;
    }

    private static double[][] priorFromData(DataSpec data) {
        if (data.dataset() != FerDataset.FERPLUS) {
            return null;
        }
        Path votes = data.root().resolve("fer2013new.csv");
        log.info("Prior matrix D for the loss from the FER+ votes in {}", votes);
        return FerPlusPrior.fromVotes(votes);
    }

    /** Trains (or resumes) and evaluates; writes the run folder as it goes, holding it ({@link #claim}) throughout. */
    public Outcome run(boolean resume) throws IOException {
        if (folder != null) {
            return runClaimed(resume);
        }
        try (OutputFolder claimed = claim(outDir)) {
            folder = claimed;
            return runClaimed(resume);
        } finally {
            folder = null;
        }
    }

    private Outcome runClaimed(boolean resume) throws IOException {
        validate(config);
        Recipe r = config.recipe;
        DataSpec d = config.data;
        DataSpec.Splits splits = d.splits(r.valFraction());
        if (!resume) {
            if (Files.exists(outDir.resolve(Trainer.CHECKPOINT)) || Files.exists(outDir.resolve(MODEL))) {
                throw new IOException(outDir + " already holds a run; use --resume to continue it or choose another --out");
            }
            if (memoryCheck) {
                MemoryCheck.require(config);
            }
            config.splits = splits.record(outDir);
        } else {
            requireSameSplits(config.splits, splits.record(null));
        }
        Json.write(outDir.resolve(CONFIG), config);
        lines.accept(config.describeRecipe());
        lines.accept("validation: " + splits.validationSource() + ", " + splits.samples(Split.VALIDATION).size()
                + " images; training on " + splits.samples(Split.TRAIN).size() + (splits.hasTest() ? "; test: "
                + splits.samples(Split.TEST).size() + " images, evaluated once at the end" : "; no test split"));

        int size = r.inputSize();
        int channels = config.model.channels;
        long seed = config.model.seed;
        int batch = r.microBatch();
        DataSetIterator validation = splits.iterator(Split.VALIDATION, batch, size, channels, null, false, seed);
        TrainingData data = new TrainingData() {
            @Override
            public List<String> labels() {
                return d.labels();
            }

            @Override
            public DataSetIterator train(int epoch) {
                return splits.iterator(Split.TRAIN, batch, size, channels, r.augmentation(), r.mrr(), seed * 1_000_003L + epoch);
            }

            @Override
            public DataSetIterator validation() {
                return validation;
            }
        };
        ComputationGraph fresh = resume ? null : buildModel(config);
        if (fresh != null) {
            log.info("{}: {} parameters; training on {} ({} classes) at {}x{}x{}", r.model(), fresh.numParams(), d,
                    d.numClasses(), channels, size, size);
        }
        Trainer trainer = Trainer.builder().data(data).checkpoints(outDir).epochs(r.epochs()).seed(seed)
                .fitter(fitter != null ? fitter : new LocalFitter(progress, r.accumulate())).summaries(lines).build();
        String title = r.model() + " on " + d.dataset;
        Trainer.Result result = trainer.run(fresh, resume, listeners, (model, history, m) -> {
            writeHistory(outDir, history);
            reporter.epochDone(outDir, title, summary(config, m, null, splits), history, m);
        });
        ComputationGraph model = result.model();
        Metrics val = result.validation();
        Metrics test = null;
        if (splits.hasTest()) {
            test = Evaluation.evaluate(model, splits.iterator(Split.TEST, batch, size, channels, null, false, seed), d.labels());
            lines.accept(String.format(Locale.ROOT, "test (%d images, evaluated once, after training): WA %s  UA %s", test.total(),
                    Metrics.format(test.weightedAccuracy()), Metrics.format(test.unweightedAccuracy())));
        }
        ModelCard card = ModelCard.of(config, d.labels(), splits.validationSource(), val, test);
        ModelFiles.save(WeightDecayMode.forInference(model), outDir.resolve(MODEL), false, Map.of(ModelCard.KEY, Json.write(card)));
        writeHistory(outDir, result.history());
        reporter.runDone(outDir, title, summary(config, val, test, splits), result.history(), test != null ? test : val);
        return new Outcome(model, result.history(), val, test, outDir);
    }

    /** {@value #EPOCHS}: the header and one line per epoch. */
    static void writeHistory(Path outDir, List<EpochStats> history) throws IOException {
        StringBuilder csv = new StringBuilder(EpochStats.CSV_HEADER).append('\n');
        for (EpochStats s : history) csv.append(s.csv()).append('\n');
        AtomicFiles.write(outDir.resolve(EPOCHS), csv.toString());
    }

    /** A resumed run must read the examples it started with. */
    private static void requireSameSplits(DataSpec.SplitRecord started, DataSpec.SplitRecord now) {
        if (started == null) {
            return;
        }
        for (Map.Entry<String, DataSpec.SplitRecord.Part> e : started.splits.entrySet()) {
            DataSpec.SplitRecord.Part p = now.splits.get(e.getKey());
            if (p == null || !p.sha256.equals(e.getValue().sha256)) {
                throw new IllegalStateException("--resume: the " + e.getKey() + " split is not the one the run started with ("
                        + e.getValue().examples + " examples, sha256 " + e.getValue().sha256 + "; now " + (p == null ? "none"
                        : p.examples + " examples, sha256 " + p.sha256) + "): the dataset changed");
            }
        }
    }

    static void validate(TrainConfig c) {
        requireBackbone(c.recipe.checked(), c.weights);
    }

    /**
     * A recipe that starts from an ImageNet backbone needs its weights, and the weights must be a file.
     *
     * @throws IllegalArgumentException saying how to get the weights, or how to train without them
     */
    public static void requireBackbone(Recipe r, String weights) {
        if (r.pretrained() && weights == null) {
            throw new IllegalArgumentException("recipe " + r.name() + " starts from an ImageNet-pretrained ResNet backbone, as the"
                    + " paper does: give --weights resnet18-imagenet.npz (torchvision's resnet18-f37072fd.pth converted with the"
                    + " three lines of Python in README, section Pretrained weights), or --from-scratch to train without it");
        }
        if (weights != null && !Files.isRegularFile(Path.of(weights))) {
            throw new IllegalArgumentException("--weights " + weights + " is not a file (a torchvision state dict as .npz; "
                    + "README, section Pretrained weights, shows how to write one)");
        }
    }

    private static List<String[]> summary(TrainConfig c, Metrics val, Metrics test, DataSpec.Splits splits) {
        Recipe r = c.recipe;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"model", r.model() + (c.model.blocks != null ? " [" + c.model.blocks + "]" : "")});
        rows.add(new String[]{"dataset", c.data.toString()});
        rows.add(new String[]{"recipe", c.describeRecipe()});
        rows.add(new String[]{"input", c.model.channels + "x" + r.inputSize() + "x" + r.inputSize()});
        rows.add(new String[]{"seed", Long.toString(c.model.seed)});
        rows.add(new String[]{"backbone weights", c.weights == null ? "none (from scratch)" : c.weights});
        if (val != null) {
            rows.add(new String[]{"validation WA / UA (" + splits.validationSource() + ")",
                    Metrics.format(val.weightedAccuracy()) + " / " + Metrics.format(val.unweightedAccuracy())});
        }
        if (test != null) {
            rows.add(new String[]{"test WA / UA (evaluated once)", Metrics.format(test.weightedAccuracy()) + " / "
                    + Metrics.format(test.unweightedAccuracy())});
        }
        return rows;
    }
}
