package org.armfer.examples.cli;

import org.armfer.train.ModelSpec;
import org.armfer.layers.GarMode;
import org.armfer.train.cli.RecipeOptions;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The options that describe a model's architecture (its name and input size are recipe fields, {@link RecipeOptions}),
 * shared by train and ablation.
 */
public final class ModelOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--blocks", paramLabel = "SET",
            description = "ARM blocks of Table 2: none, DA, SA, FA+DA, FA+SA, DA+SA or FA+DA+SA (default: all three for *-arm models).")
    String blocks;

    @Option(names = "--arm-config", paramLabel = "FILE",
            description = "ARM settings as JSON: best.json or best-arm.json written by 'armfer search', or ArmModule.toJson().")
    Path armConfig;

    @Option(names = "--kernel-size", paramLabel = "K", description = "DA kernel size (default: adapted to the input size, 32 at 224).")
    Integer kernelSize;

    @Option(names = "--stride", paramLabel = "S", description = "DA stride (default: adapted to the input size, 8 at 224).")
    Integer stride;

    @Option(names = "--lambda", paramLabel = "L", description = "Initial SA lambda (default: 1.0).")
    Double lambda;

    @Option(names = "--fixed-lambda", description = "Keep lambda fixed instead of learning it.")
    boolean fixedLambda;

    @Option(names = "--gar-mode", paramLabel = "MODE",
            description = "SA's GAR at inference: RUNNING (running average; batch-independent, default) or BATCH (the reference's).")
    GarMode garMode;

    @Option(names = "--channels", defaultValue = "3", paramLabel = "C",
            description = "Input channels, 1 or 3 (gray is replicated to 3, as in the paper; default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--loss", defaultValue = "ce", paramLabel = "NAME",
            description = "ce (cross-entropy), pdls or fpdls (prior-distribution label smoothing, plain or focal; default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--prior", paramLabel = "FILE",
            description = "Prior matrix D for pdls/fpdls as CSV (K rows of K numbers, rows sum to 1); default with ferplus: from its vote counts.")
    String prior;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for weights, batches and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The architecture; {@link ModelSpec#model} and {@link ModelSpec#inputSize} are set from the recipe later. */
    ModelSpec spec() throws IOException {
        try {
            return checked();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage(), e);
        }
    }

    private ModelSpec checked() throws IOException {
        ModelSpec m = new ModelSpec();
        m.blocks = blocks;
        if (armConfig != null) {
            if (!Files.isRegularFile(armConfig)) {
                throw new IllegalArgumentException("--arm-config " + armConfig + " is not a file");
            }
            m.armJson = org.armfer.hyperparam.SearchReport.readArm(armConfig).toJson();
        }
        m.kernelSize = kernelSize;
        m.stride = stride;
        m.lambda = lambda;
        m.fixedLambda = fixedLambda ? Boolean.TRUE : null;
        m.garMode = garMode;
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("--channels must be 1 or 3; got " + channels);
        }
        m.channels = channels;
        if (!ModelSpec.LOSSES.contains(loss.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("Unknown --loss '" + loss + "'; allowed: " + ModelSpec.LOSSES);
        }
        m.loss = loss;
        m.prior = prior;
        m.seed = seed;
        if (blocks != null) {
            org.armfer.layers.ArmBlock.parseSet(blocks);
        }
        return m;
    }
}
