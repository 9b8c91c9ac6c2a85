package org.armfer.examples.cli;

import org.armfer.datavec.Split;
import org.armfer.examples.report.RunReport;
import org.armfer.train.DataSpec;
import org.armfer.train.Evaluation;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.armfer.train.ModelEvaluation;
import org.armfer.train.ModelFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code armfer evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a trained model (or the ARM reference's checkpoint, --weights) on a dataset split: weighted",
                "accuracy (WA), unweighted accuracy (UA, mean per-class recall), per-class recall and the confusion matrix",
                "(text and PNG), and check that predictions do not depend on the batch: at batch size 1, at --batch, and",
                "shuffled they must agree (exit code 3 when they do not)."})
public final class EvaluateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelFileOptions source;

    @Mixin
    DataOptions data;

    @Option(names = "--split", paramLabel = "SPLIT",
            description = "train, validation or test (default: test where the dataset has one, else validation: AffectNet's is its test set).")
    String split;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--check", defaultValue = "64", paramLabel = "N",
            description = "Examples used for the batch-independence check (0: skip it; default: ${DEFAULT-VALUE}).")
    int check;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write metrics.json, confusion.txt/png and report.html"
            + " (default: evaluate-<dataset>-<split> beside the model).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        Cli.require(spec, check >= 0, "--check must be >= 0; got " + check);
        DataSpec d = data.spec();
        Split s;
        try {
            s = split == null ? (d.dataset().splits().contains(Split.TEST) ? Split.TEST : Split.VALIDATION) : Split.parse(split);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--split: " + e.getMessage());
        }
        source.check();
        Path modelFile = source.modelFile != null ? source.modelFile : source.weights;
        Path dir = out != null ? out : (modelFile == null ? Path.of(".") : modelFile.toAbsolutePath().getParent())
                .resolve("evaluate-" + d.dataset + "-" + s.name().toLowerCase(Locale.ROOT));
        Cli.requireOutputFolder(spec, "--out", dir, KIND, EvaluateCommand::isEarlierRun);
        try (org.armfer.io.OutputFolder folder = Cli.claim(spec, "--out", dir, KIND, EvaluateCommand::isEarlierRun)) {
            return evaluate(d, s, modelFile, dir);
        }
    }

    /** The {@link org.armfer.io.OutputFolder} kind of an evaluation's report folder. */
    static final String KIND = "evaluate";

    /** A report folder written before folders were marked. */
    static boolean isEarlierRun(Path dir) {
        return java.nio.file.Files.isRegularFile(dir.resolve("metrics.json"));
    }

    private int evaluate(DataSpec d, Split s, Path modelFile, Path dir) throws Exception {
        ModelFiles.Loaded loaded = source.load(d);
        ModelEvaluation.Result r;
        try {
            r = ModelEvaluation.run(loaded.model(), loaded.card(), d, s, batch, check);
        } catch (IllegalStateException e) {
            if (e instanceof org.armfer.datavec.FerDataException) throw e;
            throw new IllegalStateException(modelFile + ": " + e.getMessage(), e);
        }
        Metrics m = r.metrics();
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%s on %s, %s split (%d images)%nWA %s  UA %s%n%n", modelFile, d.dataset,
                s.name().toLowerCase(Locale.ROOT), m.total(), Metrics.format(m.weightedAccuracy()), Metrics.format(m.unweightedAccuracy()));
        o.printf("%-12s %8s %8s%n", "class", "images", "recall");
        for (int c = 0; c < m.labels().size(); c++) {
            o.printf(Locale.ROOT, "%-12s %8d %8s%n", m.labels().get(c), m.support(c), Metrics.format(m.recall(c)));
        }
        o.println();
        o.print(m.confusionText());

        List<String[]> summary = new ArrayList<>();
        summary.add(new String[]{"model", modelFile.toString()});
        summary.add(new String[]{"data", d + ", " + s.name().toLowerCase(Locale.ROOT) + " split"});
        summary.add(new String[]{"WA / UA", RunReport.fmt(m.weightedAccuracy()) + " / " + RunReport.fmt(m.unweightedAccuracy())});
        Evaluation.BatchIndependence bi = r.independence();
        if (bi != null) {
            String line = String.format(Locale.ROOT, "Batch independence on %d images: batch 1 vs %d max |dp| %s, shuffled max |dp| %s: %s",
                    bi.examples, bi.batchSize, RunReport.difference(bi.maxDiffBatch1), RunReport.difference(bi.maxDiffShuffled), bi.agree() ? "predictions agree"
                            : "PREDICTIONS DEPEND ON THE BATCH (" + bi.changedPredictions + " predicted classes change)");
            o.println();
            o.println(line);
            summary.add(new String[]{"batch independence", line});
            Evaluation.BatchIndependence ref = r.batchMode();
            if (ref != null) {
                String refLine = String.format(Locale.ROOT, "In GarMode.BATCH (the reference implementation's behaviour) the same"
                                + " images would move by up to %s between batch 1 and %d (%d of %d predicted classes change), %s when shuffled.",
                        RunReport.difference(ref.maxDiffBatch1), ref.batchSize, ref.changedPredictions, ref.examples, RunReport.difference(ref.maxDiffShuffled));
                o.println(refLine);
                summary.add(new String[]{"GarMode.BATCH", refLine});
            }
        }
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("model", modelFile.toString());
        json.putAll(r.json());
        Json.write(dir.resolve("metrics.json"), json);
        RunReport.writeConfusion(dir, m);
        RunReport.writeHtml(dir, "Evaluation of " + modelFile.getFileName(), summary, List.of(), m);
        o.println("Report: " + dir.resolve(RunReport.HTML));
        return r.batchIndependent() ? 0 : 3;
    }
}
