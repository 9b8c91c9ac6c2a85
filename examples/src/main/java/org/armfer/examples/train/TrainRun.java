package org.armfer.examples.train;

import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerPlusPrior;
import org.armfer.datavec.Split;
import org.armfer.examples.report.RunReport;
import org.armfer.zoo.FerModel;
import org.armfer.zoo.TorchWeights;
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
import java.util.function.Consumer;

/**
 * One training run as {@code armfer train} and {@code armfer ablation} do it: the report folder with
 * {@code config.json}, the epochs, a checkpoint per epoch ({@code checkpoint.zip}, resumable), the final model
 * ({@code model.zip} with its {@link ModelCard}) and the evaluation of the final model on the test split.
 */
public final class TrainRun {

    private static final Logger log = LoggerFactory.getLogger(TrainRun.class);

    public static final String MODEL = "model.zip";

    /** The outcome: history, final validation and test metrics (test null when the dataset has no separate one). */
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

    public TrainRun(TrainConfig config, Path outDir) {
        this.config = config;
        this.outDir = outDir;
    }

    public TrainRun progress(PrintStream progress) {
        this.progress = progress;
        return this;
    }

    public TrainRun lines(Consumer<String> lines) {
        this.lines = lines;
        return this;
    }

    public TrainRun listener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    /** Reads the configuration a run in {@code outDir} was started with. */
    public static TrainConfig readConfig(Path outDir) throws IOException {
        Path file = outDir.resolve(RunReport.CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IOException("--resume: " + outDir + " holds no " + RunReport.CONFIG + "; is it a training run's --out folder?");
        }
        return Json.read(file, TrainConfig.class);
    }

    /** Builds the model the configuration describes (weights loaded when configured). */
    public static ComputationGraph buildModel(TrainConfig config) throws IOException {
        FerModel zoo = config.model.build(config.data.numClasses(), () -> priorFromData(config.data));
        ComputationGraph graph = zoo.init();
        if (config.weights != null) {
            TorchWeights.Report r = TorchWeights.loadBackbone(graph, Path.of(config.weights));
            log.info("Loaded {} tensors of backbone weights from {}", r.loaded().size(), config.weights);
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

    /** Trains (or resumes) and evaluates; writes the report folder as it goes. */
    public Outcome run(boolean resume) throws IOException {
        validate(config);
        Files.createDirectories(outDir);
        if (!resume) {
            if (Files.exists(outDir.resolve(Trainer.CHECKPOINT)) || Files.exists(outDir.resolve(MODEL))) {
                throw new IOException(outDir + " already holds a run; use --resume to continue it or choose another --out");
            }
            RunReport.writeConfig(outDir, config);
        }
        int size = config.model.inputSize;
        int channels = config.model.channels;
        DataSpec d = config.data;
        long seed = config.model.seed;
        DataSetIterator validation = d.iterator(d.validationSplit(), config.batchSize, size, channels, false, false, seed);
        TrainingData data = new TrainingData() {
            @Override
            public List<String> labels() {
                return d.labels();
            }

            @Override
            public DataSetIterator train(int epoch) {
                return d.iterator(Split.TRAIN, config.batchSize, size, channels, config.augment, config.mrr,
                        seed * 1_000_003L + epoch);
            }

            @Override
            public DataSetIterator validation() {
                return validation;
            }
        };
        ComputationGraph fresh = resume ? null : buildModel(config);
        if (fresh != null) {
            log.info("{}: {} parameters; training on {} ({} classes) at {}x{}x{}", config.model.model, fresh.numParams(), d,
                    d.numClasses(), channels, size, size);
        }
        Trainer trainer = new Trainer(data, outDir, config.epochs, seed, config.model.learningRate, config.model.lrDecay,
                progress, lines);
        String title = config.model.model + " on " + d.dataset;
        Trainer.Result result = trainer.run(fresh, resume, listeners, (model, history, m) -> {
            RunReport.writeHistory(outDir, history);
            RunReport.writeConfusion(outDir, m);
            RunReport.writeHtml(outDir, title, summary(config, m, null, d), history, m);
        });
        ComputationGraph model = result.model;
        Metrics val = Evaluation.evaluate(model, validation, d.labels());
        Metrics test = null;
        if (d.testSplit() != null) {
            test = Evaluation.evaluate(model, d.iterator(d.testSplit(), config.batchSize, size, channels, false, false, seed),
                    d.labels());
        }
        Metrics headline = test != null ? test : val;
        ModelCard card = ModelCard.of(config, d.labels(), val, test);
        Checkpoints.save(model, outDir.resolve(MODEL), ModelCard.KEY, Json.write(card), false);
        RunReport.writeHistory(outDir, result.history);
        RunReport.writeConfusion(outDir, headline);
        RunReport.writeHtml(outDir, title, summary(config, val, test, d), result.history, headline);
        return new Outcome(model, result.history, val, test, outDir);
    }

    static void validate(TrainConfig c) {
        if (c.epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1; got " + c.epochs);
        }
        if (c.batchSize < 1) {
            throw new IllegalArgumentException("--batch must be >= 1; got " + c.batchSize);
        }
        if (c.weights != null && !Files.isRegularFile(Path.of(c.weights))) {
            throw new IllegalArgumentException("--weights " + c.weights + " is not a file (a torchvision state dict as .npz; "
                    + "README, section Pretrained weights, shows how to write one)");
        }
    }

    private static List<String[]> summary(TrainConfig c, Metrics val, Metrics test, DataSpec d) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"model", c.model.model + (c.model.blocks != null ? " [" + c.model.blocks + "]" : "")});
        rows.add(new String[]{"dataset", d.toString()});
        rows.add(new String[]{"input", c.model.channels + "x" + c.model.inputSize + "x" + c.model.inputSize});
        rows.add(new String[]{"epochs, batch", c.epochs + ", " + c.batchSize});
        rows.add(new String[]{"seed", Long.toString(c.model.seed)});
        rows.add(new String[]{"MRR, augmentation", c.mrr + ", " + c.augment});
        rows.add(new String[]{"validation (" + d.validationSplit().name().toLowerCase(Locale.ROOT) + ") WA / UA",
                RunReport.fmt(val.weightedAccuracy()) + " / " + RunReport.fmt(val.unweightedAccuracy())});
        if (test != null) {
            rows.add(new String[]{"test WA / UA", RunReport.fmt(test.weightedAccuracy()) + " / " + RunReport.fmt(test.unweightedAccuracy())});
        }
        return rows;
    }
}
