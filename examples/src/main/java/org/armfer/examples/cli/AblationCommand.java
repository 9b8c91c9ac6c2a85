package org.armfer.examples.cli;

import org.armfer.examples.report.RunReport;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.armfer.train.TrainConfig;
import org.armfer.train.TrainRun;
import org.armfer.layers.ArmBlock;
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
                "on one dataset with the same seed and budget, then print the table and write ablation.csv. Each configuration",
                "is an ordinary training run in its own subfolder; rerunning with the same --out skips finished ones and resumes",
                "an interrupted one."})
public final class AblationCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Option(names = "--configs", split = ",", paramLabel = "SET",
            description = "Which configurations, comma-separated (default: all of Table 2).")
    List<String> configs;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs per configuration (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--mrr", description = "Minimal random resampling of the training split every epoch.")
    boolean mrr;

    @Option(names = "--no-augment", description = "Turn off training augmentation.")
    boolean noAugment;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the runs and ablation.csv (default: runs/ablation-<dataset>-<time>).")
    Path out;

    public static final String CSV = "ablation.csv";
    static final String RESULT = "result.json";

    @Override
    public Integer call() throws Exception {
        Cli.require(spec, epochs >= 1, "--epochs must be >= 1; got " + epochs);
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
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
        PrintWriter o = spec.commandLine().getOut();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String set : names) {
            Path dir = out.resolve(set.replace('+', '_'));
            Map<String, Object> row;
            if (Files.isRegularFile(dir.resolve(RESULT))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = Json.MAPPER.readValue(dir.resolve(RESULT).toFile(), LinkedHashMap.class);
                row = r;
                o.println(set + ": already done in " + dir);
            } else {
                TrainConfig c = new TrainConfig();
                c.data = data.spec();
                c.model = model.spec(c.data.defaultInputSize());
                c.model.blocks = set;
                c.epochs = epochs;
                c.batchSize = batch;
                c.mrr = mrr;
                c.augment = !noAugment;
                c.armferVersion = org.armfer.examples.Main.version();
                boolean resume = Files.isRegularFile(dir.resolve(org.armfer.train.Trainer.CHECKPOINT));
                o.println("== " + set + (resume ? " (resuming)" : ""));
                long start = System.nanoTime();
                TrainRun.Outcome r = new TrainRun(c, dir).progress(System.err).lines(o::println).reporter(HtmlReport.INSTANCE)
                        .run(resume);
                Metrics h = r.headline();
                row = new LinkedHashMap<>();
                row.put("blocks", set);
                row.put("parameters", r.model().numParams());
                row.put("split", r.test() != null ? "test" : "validation");
                row.put("weightedAccuracy", h.weightedAccuracy());
                row.put("unweightedAccuracy", h.unweightedAccuracy());
                row.put("seconds", (System.nanoTime() - start) / 1e9);
                Json.writeAtomically(dir.resolve(RESULT), Json.write(row));
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
                    RunReport.fmt(((Number) r.get("weightedAccuracy")).doubleValue()),
                    RunReport.fmt(((Number) r.get("unweightedAccuracy")).doubleValue()));
        }
        Json.writeAtomically(out.resolve(CSV), csv.toString());
        o.println("Table: " + out.resolve(CSV));
        return 0;
    }
}
