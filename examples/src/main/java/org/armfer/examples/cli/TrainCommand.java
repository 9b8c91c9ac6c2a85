package org.armfer.examples.cli;

import org.armfer.train.Metrics;
import org.armfer.train.ModelSpec;
import org.armfer.train.TrainConfig;
import org.armfer.train.TrainRun;
import org.armfer.train.cli.RecipeOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code armfer train}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a zoo model (ResNet-18 with ARM by default) on a dataset with a recipe: the dataset's paper recipe",
                "by default (the demo data: 'demo'), any field overridden by its flag. Prints the recipe, one line per epoch",
                "(loss, training WA, validation WA and UA, lambda), the test result once at the end; checkpoints every epoch",
                "(--resume continues a killed run) and writes a report folder: config.json, epochs.csv, curves.png,",
                "confusion.png, report.html and model.zip. Validation is the dataset's validation split or a hold-out from",
                "train, never the test split."})
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    RecipeOptions recipe;

    @Mixin
    ModelOptions model;

    @Option(names = "--weights", paramLabel = "FILE|NAME", description = WeightsOption.DESCRIPTION)
    String weights;

    @Option(names = "--out", paramLabel = "DIR", description = "Report folder (default: runs/<dataset>-<model>-<time>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint, with the settings it was started with"
            + " (--epochs may raise the total).")
    boolean resume;

    @Option(names = "--ui", description = "Also show DL4J's training UI (StatsListener) on http://localhost:PORT (--ui-port);"
            + " DL4J's server listens on all network interfaces.")
    boolean ui;

    @Option(names = "--ui-port", defaultValue = "9000", paramLabel = "PORT",
            description = "Port of the training UI (default: ${DEFAULT-VALUE}; it must be free).")
    int uiPort;

    @Option(names = "--list-models", description = "List the zoo models and exit.")
    boolean listModels;

    @Option(names = "--list-recipes", description = "List the training recipes and exit.")
    boolean listRecipes;

    @Override
    public Integer call() throws Exception {
        if (listModels) {
            for (String m : ModelSpec.models()) {
                spec.commandLine().getOut().printf("%-20s %s%n", m, ModelSpec.describe(m));
            }
            return 0;
        }
        if (listRecipes) {
            spec.commandLine().getOut().print(RecipeOptions.table());
            return 0;
        }
        TrainConfig config;
        if (out != null) {
            // --out existing_file or a folder of other files: refused before anything is read or built
            Cli.requireOutputFolder(spec, "--out", out, TrainRun.KIND, TrainRun::isEarlierRun);
        }
        if (ui) {
            TrainingUi.requirePort(spec, uiPort);
        }
        if (resume) {
            if (out == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--resume needs --out DIR, the folder of the run to continue");
            }
            Cli.require(spec, Files.isRegularFile(out.resolve(TrainRun.CONFIG)), "--resume: " + out + " holds no "
                    + TrainRun.CONFIG + "; give the --out folder of the training run to continue");
            config = TrainRun.readConfig(out);
            ResumeCheck.require(spec, out, config, recipe, data, model, weights);
            Map<String, Object> o = recipe.overrides();
            if (o.containsKey("epochs")) {
                config.recipe = recipe.withEpochs(config.recipe);
                config.overrides.put("epochs", o.get("epochs"));
            }
        } else {
            config = new TrainConfig();
            config.data = data.spec();
            config.model = model.spec();
            recipe.resolve(config);
            model.checkArm(config, null);
            if (weights != null) {
                WeightsOption.check(spec, weights);
            }
            if (out == null) {
                out = Path.of("runs", config.data.dataset + "-" + config.recipe.model() + "-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            }
        }
        try (org.armfer.io.OutputFolder folder = claim(out)) {
            if (!resume) {
                // after the claim: a second run into this folder stops before a download
                config.weights = weights == null ? null : WeightsOption.resolve(spec, weights).toString();
                config.armferVersion = org.armfer.examples.Main.version();
            }
            return train(config, folder);
        }
    }

    private org.armfer.io.OutputFolder claim(Path dir) throws java.io.IOException {
        try {
            return TrainRun.claim(dir);
        } catch (org.armfer.io.OutputFolder.Refused e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out " + e.getMessage(), e);
        }
    }

    private int train(TrainConfig config, org.armfer.io.OutputFolder folder) throws Exception {
        TrainRun run = new TrainRun(config, out).progress(System.err).lines(spec.commandLine().getOut()::println)
                .reporter(HtmlReport.INSTANCE).memoryCheck(recipe.memoryCheck()).outputFolder(folder);
        if (ui) {
            run.listener(TrainingUi.start(uiPort));
        }
        TrainRun.Outcome o = run.run(resume);
        Metrics h = o.headline();
        spec.commandLine().getOut().printf("%s on %s (%s split, %d images): WA %s  UA %s%nReport: %s%nModel:  %s%n",
                config.recipe.model(), config.data.dataset, o.test() != null ? "test" : "validation", h.total(),
                Metrics.format(h.weightedAccuracy()), Metrics.format(h.unweightedAccuracy()),
                out.resolve(org.armfer.examples.report.RunReport.HTML), out.resolve(TrainRun.MODEL));
        return 0;
    }
}
