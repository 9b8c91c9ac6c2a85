package org.armfer.examples.cli;

import org.armfer.datavec.FerDataset;
import org.armfer.train.DataSpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** The options that pick a dataset, shared by train, evaluate, ablation, search and data. */
public final class DataOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--dataset", defaultValue = "demo", paramLabel = "NAME",
            description = "demo, fer2013, ferplus, rafdb, affectnet7 or affectnet8 (default: ${DEFAULT-VALUE}; demo needs no download).")
    String dataset;

    @Option(names = "--root", paramLabel = "DIR",
            description = "The dataset's folder (see README, section Datasets). Not needed for demo.")
    String root;

    @Option(names = "--skip-bad",
            description = "Skip bad rows and missing or corrupt images, and report them, instead of stopping at the first one.")
    boolean skipBad;

    @Option(names = "--max-batches", defaultValue = "0", paramLabel = "N",
            description = "Stop every pass over a split after N batches (0: all; for quick smoke runs).")
    int maxBatches;

    @Option(names = "--split-seed", paramLabel = "N",
            description = "Seed of the validation hold-out drawn from train where the dataset has no validation split (default: 42).")
    Long splitSeed;

    DataSpec spec() {
        try {
            return checked();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage(), e);
        }
    }

    private DataSpec checked() {
        DataSpec d = new DataSpec();
        d.dataset = dataset;
        d.root = root;
        d.skipBad = skipBad;
        if (maxBatches < 0) {
            throw new IllegalArgumentException("--max-batches must be >= 0; got " + maxBatches);
        }
        d.maxBatches = maxBatches;
        if (splitSeed != null) {
            d.splitSeed = splitSeed;
        }
        FerDataset ds = d.dataset();
        // what DataSpec.root() would refuse once the run has started (exit 1), refused here as the usage error it is
        if (root == null) {
            if (ds != FerDataset.DEMO) {
                throw new IllegalArgumentException("--root is required for --dataset " + ds.cliName()
                        + " (the folder that holds the dataset's files; see README, section Datasets)");
            }
        } else if (root.isBlank() || !Files.isDirectory(Path.of(root))) {
            throw new IllegalArgumentException("--root " + (root.isBlank() ? "is empty" : root + " is not a directory"
                    + (Files.exists(Path.of(root)) ? "" : " (it does not exist)")) + "; it must name the dataset's folder");
        }
        return d;
    }
}
