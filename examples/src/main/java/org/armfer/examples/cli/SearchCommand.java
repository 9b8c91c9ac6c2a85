package org.armfer.examples.cli;

import org.armfer.datavec.Split;
import org.armfer.train.DataSpec;
import org.armfer.hyperparam.ArmSearch;
import org.armfer.hyperparam.SearchData;
import org.armfer.hyperparam.SearchResult;
import org.armfer.hyperparam.SearchRow;
import org.armfer.hyperparam.SearchStatus;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code armfer search}: the hyperparam module's Arbiter searches from the command line. */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search ARM's hyperparameters with Arbiter on ResNet-18-ARM: 'random' draws (kernel size, stride, lambda)",
                "for full ARM; 'sweep' is the paper's Figure 6, DA alone at stride 1 over a range of kernel sizes. Writes",
                "results.csv, best.json (which 'armfer train --arm-config' takes back), best-model.zip and scores.png."})
public final class SearchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Option(names = "--kind", defaultValue = "random", paramLabel = "KIND", description = "random or sweep (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--candidates", defaultValue = "0", paramLabel = "N",
            description = "Candidates to try (random: default 10; sweep: default every kernel size in range, or N evenly spaced).")
    int candidates;

    @Option(names = "--kernel-range", split = ",", paramLabel = "MIN,MAX", description = "Kernel sizes to search (default: adapted to the input).")
    List<Integer> kernelRange;

    @Option(names = "--epochs", defaultValue = "2", description = "Training epochs per candidate (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--input-size", defaultValue = "0", paramLabel = "PX", description = "Input side (default: 48 for demo, 224 otherwise).")
    int inputSize;

    @Option(names = "--depth", defaultValue = "18", description = "ResNet depth, 18 or 34 (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--score", defaultValue = "wa", paramLabel = "METRIC", description = "wa (weighted accuracy) or ua (unweighted; default: ${DEFAULT-VALUE}).")
    String score;

    @Option(names = "--max-minutes", defaultValue = "0", description = "Stop starting new candidates after this many minutes (0: no limit).")
    int maxMinutes;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/search-<kind>-<time>).")
    Path out;

    @Override
    public Integer call() throws Exception {
        ArmSearch.Kind k = switch (kind.toLowerCase(Locale.ROOT)) {
            case "random" -> ArmSearch.Kind.RANDOM;
            case "sweep" -> ArmSearch.Kind.SWEEP;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--kind must be random or sweep; got " + kind);
        };
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1; got " + epochs);
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        Cli.require(spec, candidates >= 0, "--candidates must be >= 0; got " + candidates);
        Cli.require(spec, depth == 18 || depth == 34, "--depth must be 18 or 34; got " + depth);
        Cli.require(spec, score.equalsIgnoreCase("wa") || score.equalsIgnoreCase("ua"), "--score must be wa or ua; got " + score);
        Cli.require(spec, kernelRange == null || kernelRange.size() == 2, "--kernel-range takes MIN,MAX");
        DataSpec d = data.spec();
        int size = inputSize > 0 ? inputSize : d.defaultInputSize();
        if (out == null) {
            out = Path.of("runs", "search-" + k.name().toLowerCase(Locale.ROOT) + "-" + d.dataset + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        SearchData searchData = (split, batchSize, imageSize, s) -> split == SearchData.Split.TRAIN
                ? d.iterator(Split.TRAIN, batchSize, imageSize, 3, true, false, s)
                : d.iterator(d.validationSplit(), batchSize, imageSize, 3, false, false, s);
        ArmSearch.Builder b = ArmSearch.builder().kind(k).epochs(epochs).batchSize(batch).inputSize(size)
                .numClasses(d.numClasses()).depth(depth).seed(seed).updater(new Adam(lr)).outDir(out).data(searchData)
                .scoreMetric(score.equalsIgnoreCase("ua") ? org.armfer.hyperparam.AccuracyScoreFunction.Metric.UNWEIGHTED
                        : org.armfer.hyperparam.AccuracyScoreFunction.Metric.WEIGHTED)
                .progress(System.err);
        if (candidates > 0) {
            if (k == ArmSearch.Kind.RANDOM) b.candidates(candidates);
            else b.gridPoints(candidates);
        }
        if (kernelRange != null) {
            b.kernelRange(kernelRange.get(0), kernelRange.get(1));
        }
        if (maxMinutes > 0) {
            b.maxTime(Duration.ofMinutes(maxMinutes));
        }
        SearchResult r;
        try {
            r = b.build().run();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf("%d candidates: %d ok, %d invalid, %d failed%n", r.rows().size(), r.count(SearchStatus.OK),
                r.count(SearchStatus.INVALID), r.count(SearchStatus.FAILED));
        Optional<SearchRow> best = r.best();
        if (best.isPresent()) {
            SearchRow row = best.get();
            o.printf(Locale.ROOT, "Best: candidate %d, %s, WA %.4f UA %.4f%n", row.candidate(), row.hyperparameters(),
                    row.weightedAccuracy(), row.unweightedAccuracy());
            o.println("Train it: armfer train --dataset " + d.dataset + " --input-size " + size + " --arm-config "
                    + r.bestJson().map(Path::toString).orElse("?"));
        } else {
            o.println("No candidate finished; see " + r.resultsCsv());
        }
        o.println("Results: " + r.resultsCsv());
        return best.isPresent() ? 0 : 1;
    }
}
