package org.armfer.examples.cli;

import org.armfer.io.AtomicFiles;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.armfer.train.TrainConfig;
import org.armfer.train.TrainRun;
import org.armfer.layers.ArmBlock;
import org.armfer.train.cli.RecipeOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code armfer ablation}: Table 2 of the paper on one dataset. */
@Command(name = "ablation", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the ARM block combinations of the paper's Table 2 (none, DA, SA, FA+DA, FA+SA, DA+SA, FA+DA+SA)",
                "on one dataset with the same recipe, seed and backbone (Table 2 is 'RAF-DB (pretrained)': --weights starts",
                "every configuration from it), then print the table and write ablation.csv. Each configuration is an ordinary",
                "training run in its own subfolder; rerunning with the same --out skips finished ones and resumes an",
                "interrupted one. The table's accuracies are the test split's (evaluated once per run, after training) where",
                "the dataset has one."})
public final class AblationCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    RecipeOptions recipe;

    @Mixin
    ModelOptions model;

    @Option(names = "--weights", paramLabel = "NPZ",
            description = "ImageNet backbone (torchvision .npz state dict) every configuration starts from.")
    Path weights;

    @Option(names = "--configs", split = ",", paramLabel = "SET",
            description = "Which configurations, comma-separated (default: all of Table 2).")
    List<String> configs;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the runs and ablation.csv (default: runs/ablation-<dataset>-<time>).")
    Path out;

    public static final String CSV = "ablation.csv";
    static final String RESULT = "result.json";

    @Override
    public Integer call() throws Exception {
        List<String> sets = configs == null ? ArmBlock.TABLE2 : configs;
        List<String> names = new ArrayList<>();
        for (String s : sets) {
            try {
                names.add(ArmBlock.format(ArmBlock.parseSet(s.strip())));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--configs: " + e.getMessage()
                        + "; Table 2 has " + ArmBlock.TABLE2);
            }
        }
        Cli.require(spec, model.blocks == null, "--blocks is chosen by ablation itself; use --configs");
        if (out == null) {
            out = Path.of("runs", "ablation-" + data.dataset + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Cli.requireOutputFolder(spec, "--out", out, KIND, AblationCommand::isEarlierRun);
        // every configuration's options and ARM geometry are checked before the first one trains
        TrainConfig checked = new TrainConfig();
        checked.data = data.spec();
        checked.model = model.spec();
        recipe.resolve(checked);
        for (String set : names) {
            model.checkArm(checked, set);
        }
        try (org.armfer.io.OutputFolder folder = Cli.claim(spec, "--out", out, KIND, AblationCommand::isEarlierRun)) {
            return run(names);
        }
    }

    /** The {@link org.armfer.io.OutputFolder} kind of an ablation's folder (each configuration's subfolder is a train run). */
    static final String KIND = "ablation";

    /** An ablation folder written before folders were marked: its table, or a configuration's finished result. */
    static boolean isEarlierRun(Path dir) {
        if (Files.isRegularFile(dir.resolve(CSV))) {
            return true;
        }
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> Files.isRegularFile(p.resolve(RESULT)) || TrainRun.isEarlierRun(p));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private int run(List<String> names) throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String set : names) {
            Path dir = out.resolve(set.replace('+', '_'));
            Map<String, Object> row;
            if (Files.isRegularFile(dir.resolve(RESULT))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = Json.read(dir.resolve(RESULT), LinkedHashMap.class);
                row = r;
                o.println(set + ": already done in " + dir);
            } else {
                boolean resume = Files.isRegularFile(dir.resolve(org.armfer.train.Trainer.CHECKPOINT));
                TrainConfig c;
                if (resume) {
                    c = TrainRun.readConfig(dir);
                } else {
                    c = new TrainConfig();
                    c.data = data.spec();
                    c.model = model.spec();
                    c.model.blocks = set;
                    recipe.resolve(c);
                    c.weights = weights == null ? null : weights.toAbsolutePath().toString();
                    c.armferVersion = org.armfer.examples.Main.version();
                }
                o.println("== " + set + (resume ? " (resuming)" : ""));
                long start = System.nanoTime();
                TrainRun.Outcome r = new TrainRun(c, dir).progress(System.err).lines(o::println).reporter(HtmlReport.INSTANCE)
                        .memoryCheck(recipe.memoryCheck()).run(resume);
                Metrics h = r.headline();
                row = new LinkedHashMap<>();
                row.put("blocks", set);
                row.put("parameters", r.model().numParams());
                row.put("split", r.test() != null ? "test" : "validation");
                row.put("weightedAccuracy", h.weightedAccuracy());
                row.put("unweightedAccuracy", h.unweightedAccuracy());
                row.put("seconds", (System.nanoTime() - start) / 1e9);
                Json.write(dir.resolve(RESULT), row);
            }
            rows.add(row);
            o.flush();
        }
        StringBuilder csv = new StringBuilder("blocks,parameters,split,weightedAccuracy,unweightedAccuracy,seconds\n");
        o.printf("%n%-10s %12s %8s %8s%n", "blocks", "parameters", "WA", "UA");
        for (Map<String, Object> r : rows) {
            csv.append(r.get("blocks")).append(',').append(r.get("parameters")).append(',').append(r.get("split")).append(',')
                    .append(r.get("weightedAccuracy")).append(',').append(r.get("unweightedAccuracy")).append(',')
                    .append(r.get("seconds")).append('\n');
            o.printf(Locale.ROOT, "%-10s %12d %8s %8s%n", r.get("blocks"), ((Number) r.get("parameters")).longValue(),
                    Metrics.format(((Number) r.get("weightedAccuracy")).doubleValue()),
                    Metrics.format(((Number) r.get("unweightedAccuracy")).doubleValue()));
        }
        AtomicFiles.write(out.resolve(CSV), csv.toString());
        o.println("Table: " + out.resolve(CSV));
        return 0;
    }
}
