package org.armfer.examples.cli;

import org.armfer.datavec.Split;
import org.armfer.hyperparam.AccuracyScoreFunction;
import org.armfer.hyperparam.ArmSearch;
import org.armfer.hyperparam.SearchData;
import org.armfer.hyperparam.SearchResult;
import org.armfer.hyperparam.SearchRow;
import org.armfer.hyperparam.SearchStatus;
import org.armfer.train.DataSpec;
import org.armfer.train.ModelCard;
import org.armfer.train.Recipe;
import org.armfer.train.TrainConfig;
import org.armfer.train.TrainRun;
import org.armfer.train.cli.RecipeOptions;
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
                "for full ARM; 'sweep' is the paper's Figure 6, DA alone at stride 1 over a range of kernel sizes. Every candidate",
                "trains with the recipe (the dataset's paper recipe by default; --epochs shortens it) and is ranked on the",
                "validation split (the dataset's, or a hold-out from train): the test split is never read. Writes results.csv,",
                "best.json (which 'armfer train --arm-config' takes back), best-model.zip and scores.png."})
public final class SearchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    RecipeOptions recipe;

    @Option(names = "--kind", defaultValue = "random", paramLabel = "KIND", description = "random or sweep (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--candidates", defaultValue = "0", paramLabel = "N",
            description = "Candidates to try (random: default 10; sweep: default every kernel size in range, or N evenly spaced).")
    int candidates;

    @Option(names = "--kernel-range", split = ",", paramLabel = "MIN,MAX", description = "Kernel sizes to search (default: adapted to the input).")
    List<Integer> kernelRange;

    @Option(names = "--weights", paramLabel = "NPZ", description = "Torchvision ImageNet backbone (.npz) every candidate starts from.")
    Path weights;

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
        Cli.require(spec, candidates >= 0, "--candidates must be >= 0; got " + candidates);
        Cli.require(spec, score.equalsIgnoreCase("wa") || score.equalsIgnoreCase("ua"), "--score must be wa or ua; got " + score);
        Cli.require(spec, kernelRange == null || kernelRange.size() == 2, "--kernel-range takes MIN,MAX");
        Cli.require(spec, kernelRange == null || (kernelRange.get(0) >= 1 && kernelRange.get(0) <= kernelRange.get(1)),
                "--kernel-range " + kernelRange + " is not allowed; allowed: MIN,MAX with 1 <= MIN <= MAX");
        Cli.atLeast(spec, "--max-minutes", maxMinutes, 0);
        DataSpec d = data.spec();
        TrainConfig config = new TrainConfig();
        config.data = d;
        config.model.seed = seed;
        recipe.resolve(config);
        Recipe r = config.recipe;
        TrainRun.requireBackbone(r, weights == null ? null : weights.toString());
        int size = r.inputSize();
        if (out == null) {
            out = Path.of("runs", "search-" + k.name().toLowerCase(Locale.ROOT) + "-" + d.dataset + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Cli.requireOutputFolder(spec, "--out", out, KIND, SearchCommand::isEarlierRun);
        try (org.armfer.io.OutputFolder folder = Cli.claim(spec, "--out", out, KIND, SearchCommand::isEarlierRun)) {
            return search(k, d, config, r, size);
        }
    }

    /** The {@link org.armfer.io.OutputFolder} kind of a search's folder. */
    static final String KIND = "search";

    /** A search folder written before folders were marked. */
    static boolean isEarlierRun(Path dir) {
        return java.nio.file.Files.isRegularFile(dir.resolve(org.armfer.hyperparam.SearchReport.CSV));
    }

    private int search(ArmSearch.Kind k, DataSpec d, TrainConfig config, Recipe r, int size) throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        // candidates train on train and rank on validation: the test split is never indexed strictly nor read
        DataSpec.Splits splits = d.splits(r.valFraction(), Split.TRAIN, Split.VALIDATION);
        o.println(config.describeRecipe());
        o.println("candidates are ranked on validation: " + splits.validationSource() + ", "
                + splits.samples(Split.VALIDATION).size() + " images (the test split is not read)");
        SearchData searchData = (split, batchSize, imageSize, s) -> split == SearchData.Split.TRAIN
                ? splits.iterator(Split.TRAIN, batchSize, imageSize, 3, r.augmentation(), r.mrr(), s)
                : splits.iterator(Split.VALIDATION, batchSize, imageSize, 3, null, false, s);
        ModelCard card = new ModelCard();
        card.model = r.model();
        card.labels = d.labels();
        card.channels = 3;
        card.height = size;
        card.width = size;
        card.grayToRgb = d.dataset().nativeChannels() == 1;
        card.dataset = d.dataset;
        card.seed = seed;
        card.epochs = r.epochs();
        card.recipe = r;
        card.validation = splits.validationSource();
        card.weights = weights == null ? null : weights.toAbsolutePath().toString();
        ArmSearch.Builder b = ArmSearch.builder().kind(k).recipe(r).numClasses(d.numClasses()).seed(seed).outDir(out)
                .data(searchData).card(card).backbone(weights)
                .scoreMetric(score.equalsIgnoreCase("ua") ? AccuracyScoreFunction.Metric.UNWEIGHTED : AccuracyScoreFunction.Metric.WEIGHTED)
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
        SearchResult res;
        try {
            res = b.build().run();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        o.printf("%d candidates: %d ok, %d invalid, %d failed%n", res.rows().size(), res.count(SearchStatus.OK),
                res.count(SearchStatus.INVALID), res.count(SearchStatus.FAILED));
        Optional<SearchRow> best = res.best();
        if (best.isPresent()) {
            SearchRow row = best.get();
            o.printf(Locale.ROOT, "Best: candidate %d, %s, validation WA %.4f UA %.4f%n", row.candidate(), row.hyperparameters(),
                    row.weightedAccuracy(), row.unweightedAccuracy());
            o.println("Train it: armfer train --dataset " + d.dataset + " --recipe " + r.name() + " --arm-config "
                    + res.bestJson().map(Path::toString).orElse("?"));
        } else {
            o.println("No candidate finished; see " + res.resultsCsv());
        }
        o.println("Results: " + res.resultsCsv());
        return best.isPresent() ? 0 : 1;
    }
}
