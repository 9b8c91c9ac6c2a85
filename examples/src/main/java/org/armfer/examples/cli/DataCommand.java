package org.armfer.examples.cli;

import org.armfer.datavec.DatasetCheck;
import org.armfer.datavec.DatasetReport;
import org.armfer.datavec.DemoDataset;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.SkipPolicy;
import org.armfer.train.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code armfer data}. */
@Command(name = "data", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a dataset folder before training on it: split sizes, images per canonical class, and every problem",
                "found (file, line, reason). Exit code 0 when the dataset is usable, 1 when its layout is wrong or, without",
                "--skip-bad, when any row is bad."})
public final class DataCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", defaultValue = "demo", paramLabel = "NAME",
            description = "demo, fer2013, ferplus, rafdb, affectnet7 or affectnet8 (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--root", paramLabel = "DIR", description = "The dataset's folder (not needed for demo).")
    Path root;

    @Option(names = "--skip-bad", description = "Judge as training with --skip-bad would: bad rows are reported but do not fail the check.")
    boolean skipBad;

    @Option(names = "--json", description = "Print the report as JSON instead of a table.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the JSON report to this file.")
    Path report;

    @Override
    public Integer call() throws Exception {
        FerDataset d;
        try {
            d = FerDataset.parse(dataset);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dataset: " + e.getMessage());
        }
        Path r;
        if (root == null) {
            Cli.require(spec, d == FerDataset.DEMO, "--root is required for --dataset " + d.cliName());
            r = DemoDataset.ensure(DemoDataset.defaultDir());
        } else {
            Cli.require(spec, Files.isDirectory(root), "--root " + root + " is not a directory");
            r = d == FerDataset.DEMO ? DemoDataset.ensure(root) : root;
        }
        SkipPolicy policy = skipBad ? SkipPolicy.SKIP : SkipPolicy.STRICT;
        DatasetReport rep = DatasetCheck.check(d, r, policy);
        spec.commandLine().getOut().println(json ? rep.toJson() : rep.toTable());
        if (report != null) {
            org.armfer.io.AtomicFiles.write(report, rep.toJson());
        }
        boolean ok = rep.passes(policy);
        if (!json) {
            spec.commandLine().getOut().println(ok ? "OK: " + d.cliName() + " at " + r + " is usable"
                    + (rep.problems().isEmpty() ? "." : " (with --skip-bad; " + rep.problems().size() + " problems are skipped).")
                    : "NOT USABLE: " + (rep.layoutOk() ? rep.problems().size() + " bad rows or images (fix them, or train with --skip-bad)"
                    : "the layout is wrong (see above)"));
        }
        return ok ? 0 : 1;
    }
}
