package org.armfer.examples.cli;

import org.armfer.datavec.Split;
import org.armfer.examples.report.RunReport;
import org.armfer.train.Checkpoints;
import org.armfer.train.DataSpec;
import org.armfer.train.Evaluation;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.armfer.train.ModelCard;
import org.armfer.layers.GarMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code armfer evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a trained model on a dataset split: weighted accuracy (WA), unweighted accuracy (UA, mean",
                "per-class recall), per-class recall and the confusion matrix (text and PNG), and check that predictions",
                "do not depend on the batch: at batch size 1, at --batch, and shuffled they must agree."})
public final class EvaluateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-file", required = true, paramLabel = "ZIP", description = "A model.zip written by 'armfer train'.")
    Path modelFile;

    @Mixin
    DataOptions data;

    @Option(names = "--split", paramLabel = "SPLIT", description = "train, validation or test (default: test where the dataset has one).")
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
            s = split == null ? (d.testSplit() != null || d.validationSplit() == Split.TEST ? Split.TEST : Split.VALIDATION)
                    : Split.parse(split);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--split: " + e.getMessage());
        }
        ComputationGraph model = Checkpoints.loadModel(modelFile);
        ModelCard card = ModelCard.readFrom(modelFile);
        if (card == null) {
            throw new IllegalArgumentException(modelFile + " has no armfer model card (" + ModelCard.KEY
                    + "); evaluate needs a model written by 'armfer train'");
        }
        if (card.labels.size() != d.numClasses()) {
            throw new IllegalArgumentException(modelFile + " predicts " + card.labels.size() + " classes " + card.labels
                    + " but --dataset " + d.dataset + " has " + d.numClasses() + " " + d.labels());
        }
        PrintWriter o = spec.commandLine().getOut();
        Metrics m = Evaluation.evaluate(model, d.iterator(s, batch, card.height, card.channels, false, false, card.seed), d.labels());
        o.printf(Locale.ROOT, "%s on %s, %s split (%d images)%nWA %s  UA %s%n%n", modelFile, d.dataset,
                s.name().toLowerCase(Locale.ROOT), m.total(), RunReport.fmt(m.weightedAccuracy()), RunReport.fmt(m.unweightedAccuracy()));
        o.printf("%-12s %8s %8s%n", "class", "images", "recall");
        for (int c = 0; c < m.labels().size(); c++) {
            o.printf(Locale.ROOT, "%-12s %8d %8s%n", m.labels().get(c), m.support(c), RunReport.fmt(m.recall(c)));
        }
        o.println();
        o.print(m.confusionText());

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", modelFile.toString());
        json.put("dataset", d.dataset);
        json.put("split", s.name().toLowerCase(Locale.ROOT));
        json.put("images", m.total());
        json.put("weightedAccuracy", m.weightedAccuracy());
        json.put("unweightedAccuracy", m.unweightedAccuracy());
        json.put("labels", m.labels());
        json.put("recall", m.recalls());
        json.put("confusion", m.confusion());
        List<String[]> summary = new ArrayList<>();
        summary.add(new String[]{"model", modelFile.toString()});
        summary.add(new String[]{"data", d + ", " + s.name().toLowerCase(Locale.ROOT) + " split"});
        summary.add(new String[]{"WA / UA", RunReport.fmt(m.weightedAccuracy()) + " / " + RunReport.fmt(m.unweightedAccuracy())});

        boolean independent = true;
        if (check > 0) {
            INDArray features = Evaluation.firstFeatures(d.iterator(s, batch, card.height, card.channels, false, false, card.seed), check);
            int b = Math.max(2, Math.min(batch, (int) features.size(0)));
            Evaluation.BatchIndependence bi = Evaluation.checkBatchIndependence(model, features, b, card.seed);
            independent = bi.agree();
            String line = String.format(Locale.ROOT, "Batch independence on %d images: batch 1 vs %d max |dp| %.2e, shuffled max |dp| %.2e: %s",
                    bi.examples, b, bi.maxDiffBatch1, bi.maxDiffShuffled, independent ? "predictions agree"
                            : "PREDICTIONS DEPEND ON THE BATCH (" + bi.changedPredictions + " predicted classes change)");
            o.println();
            o.println(line);
            summary.add(new String[]{"batch independence", line});
            json.put("batchIndependent", independent);
            json.put("maxDiffBatch1", bi.maxDiffBatch1);
            json.put("maxDiffShuffled", bi.maxDiffShuffled);
            ComputationGraph batchMode = Evaluation.withGarMode(model, GarMode.BATCH);
            if (batchMode != null) {
                Evaluation.BatchIndependence ref = Evaluation.checkBatchIndependence(batchMode, features, b, card.seed);
                String refLine = String.format(Locale.ROOT, "In GarMode.BATCH (the reference implementation's behaviour) the same"
                                + " images would move by up to %.2e between batch 1 and %d (%d of %d predicted classes change), %.2e when shuffled.",
                        ref.maxDiffBatch1, b, ref.changedPredictions, ref.examples, ref.maxDiffShuffled);
                o.println(refLine);
                summary.add(new String[]{"GarMode.BATCH", refLine});
                json.put("batchModeMaxDiffBatch1", ref.maxDiffBatch1);
                json.put("batchModeChangedPredictions", ref.changedPredictions);
            }
        }
        Path dir = out != null ? out : modelFile.toAbsolutePath().getParent()
                .resolve("evaluate-" + d.dataset + "-" + s.name().toLowerCase(Locale.ROOT));
        java.nio.file.Files.createDirectories(dir);
        Json.writeAtomically(dir.resolve("metrics.json"), Json.write(json));
        RunReport.writeConfusion(dir, m);
        RunReport.writeHtml(dir, "Evaluation of " + modelFile.getFileName(), summary, List.of(), m);
        o.println("Report: " + dir.resolve(RunReport.HTML));
        return independent ? 0 : 3;
    }
}
