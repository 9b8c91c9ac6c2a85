package org.armfer.examples.cli;

import org.armfer.datavec.DatasetCheck;
import org.armfer.datavec.DatasetReport;
import org.armfer.datavec.DemoDataset;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.SkipPolicy;
import org.armfer.datavec.Split;
import org.armfer.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code armfer data}. */
@Command(name = "data", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Check a dataset folder before training on it: split sizes, images per canonical class, and every problem"
                + " found (file, line, reason; every image is decoded). Exit code 0 when the dataset is usable, 1 when its"
                + " layout is wrong, a split has no usable example or, without --skip-bad, any row is bad; 2 for a usage error.")
public final class DataCommand implements Callable<Integer> {

    /** What training does when the files hold no validation split (printed by {@code data}). */
    static final String HOLD_OUT = "no validation split in the files: training holds out a seeded stratified fraction of train"
            + " (--val-fraction)";

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

    @Option(names = "--report", paramLabel = "FILE",
            description = "Also write the JSON report to this file (a new file, or a report this command wrote before).")
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
            Cli.require(spec, !root.toString().isBlank(), "--root must name a folder; got an empty value");
            Cli.require(spec, Files.isDirectory(root), "--root " + root + " is not a directory"
                    + (Files.exists(root) ? "" : " (it does not exist)"));
            r = d == FerDataset.DEMO ? DemoDataset.ensure(root) : root;
        }
        if (report != null) {
            checkReportTarget();
        }
        SkipPolicy policy = skipBad ? SkipPolicy.SKIP : SkipPolicy.STRICT;
        DatasetReport rep = DatasetCheck.check(d, r, policy);
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? rep.toJson() : rep.toTable());
        if (report != null) {
            AtomicFiles.write(report, rep.toJson() + "\n");
        }
        boolean ok = rep.passes(policy);
        if (!json) {
            if (rep.layoutOk() && !rep.splitsInFiles().contains(Split.VALIDATION)) {
                out.println(HOLD_OUT);
            }
            out.println(ok ? "OK: " + d.cliName() + " at " + r + " is usable"
                    + (rep.problems().isEmpty() ? "." : " (with --skip-bad; " + rep.problems().size() + " problems are skipped).")
                    : "NOT USABLE: " + whyNot(rep));
        }
        return ok ? 0 : 1;
    }

    private static String whyNot(DatasetReport rep) {
        if (!rep.emptySplits().isEmpty()) {
            String splits = rep.emptySplits().stream().map(Split::cliName).collect(Collectors.joining(", "));
            return "no usable example in the " + splits + " split" + (rep.emptySplits().size() > 1 ? "s" : "")
                    + (rep.problems().isEmpty() ? " (the files hold none)" : "; " + rep.problems().size()
                    + " bad rows or images are listed above");
        }
        if (!rep.layoutOk()) {
            return "the layout is wrong (see above)";
        }
        return rep.problems().size() + " bad rows or images (fix them, or train with --skip-bad)";
    }

    /**
     * {@code --report} writes a new file or replaces a report this command wrote; any other file (a dataset file named
     * by mistake) is a usage error and left untouched.
     */
    private void checkReportTarget() {
        if (!Files.exists(report, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Cli.require(spec, Files.isRegularFile(report, LinkOption.NOFOLLOW_LINKS), "--report " + report
                + " exists and is not a regular file");
        String head;
        try (var in = Files.newInputStream(report)) {
            head = new String(in.readNBytes(256), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--report " + report + " cannot be read: " + e.getMessage());
        }
        Cli.require(spec, head.startsWith("{\n  \"dataset\": "), "--report " + report + " exists and is not a report of"
                + " armfer data; it is left untouched (choose another file)");
    }
}
