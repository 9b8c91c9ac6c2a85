package org.armfer.examples.cli;

import org.armfer.examples.report.RunReport;
import org.armfer.train.Metrics;
import org.armfer.train.ModelSpec;
import org.armfer.train.TrainConfig;
import org.armfer.train.TrainRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/** {@code armfer train}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a zoo model (ResNet-18 with ARM by default) on a dataset with Adam and exponential learning-rate",
                "decay. Prints one line per epoch (loss, validation WA and UA, lambda), checkpoints every epoch (--resume",
                "continues a killed run), and writes a report folder: config.json, epochs.csv, curves.png, confusion.png,",
                "report.html and model.zip."})
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--mrr", description = "Minimal random resampling: every epoch draws as many examples per class as the smallest class has.")
    boolean mrr;

    @Option(names = "--no-augment", description = "Turn off training augmentation (flip, Gaussian noise, random erasing).")
    boolean noAugment;

    @Option(names = "--weights", paramLabel = "NPZ", description = "Torchvision ResNet backbone weights (.npz state dict) to start from.")
    Path weights;

    @Option(names = "--out", paramLabel = "DIR", description = "Report folder (default: runs/<dataset>-<model>-<time>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint, with the settings it was started with"
            + " (--epochs may raise the total).")
    boolean resume;

    @Option(names = "--ui", description = "Also show DL4J's training UI (StatsListener) on http://localhost:9000.")
    boolean ui;

    @Option(names = "--list-models", description = "List the zoo models and exit.")
    boolean listModels;

    @Override
    public Integer call() throws Exception {
        if (listModels) {
            for (String m : ModelSpec.models()) {
                spec.commandLine().getOut().printf("%-20s %s%n", m, ModelSpec.describe(m));
            }
            return 0;
        }
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1; got " + epochs);
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        TrainConfig config;
        boolean epochsGiven = spec.commandLine().getParseResult().hasMatchedOption("--epochs");
        if (resume) {
            if (out == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--resume needs --out DIR, the folder of the run to continue");
            }
            config = TrainRun.readConfig(out);
            if (epochsGiven) {
                config.epochs = epochs;
            }
        } else {
            config = new TrainConfig();
            config.data = data.spec();
            config.model = model.spec(config.data.defaultInputSize());
            config.epochs = epochs;
            config.batchSize = batch;
            config.mrr = mrr;
            config.augment = !noAugment;
            config.weights = weights == null ? null : weights.toAbsolutePath().toString();
            config.armferVersion = org.armfer.examples.Main.version();
            if (out == null) {
                out = Path.of("runs", config.data.dataset + "-" + config.model.model + "-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            }
        }
        TrainRun run = new TrainRun(config, out).progress(System.err).lines(spec.commandLine().getOut()::println)
                .reporter(HtmlReport.INSTANCE);
        if (ui) {
            run.listener(TrainingUi.start());
        }
        TrainRun.Outcome o = run.run(resume);
        Metrics h = o.headline();
        spec.commandLine().getOut().printf("%s on %s (%s split, %d images): WA %s  UA %s%nReport: %s%nModel:  %s%n",
                config.model.model, config.data.dataset, o.test() != null ? "test" : "validation", h.total(),
                RunReport.fmt(h.weightedAccuracy()), RunReport.fmt(h.unweightedAccuracy()),
                out.resolve(RunReport.HTML), out.resolve(TrainRun.MODEL));
        return 0;
    }
}
