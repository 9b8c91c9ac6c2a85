package org.armfer.examples.cli;

import org.armfer.train.ModelSpec;
import org.armfer.layers.GarMode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The options that describe a model and its optimiser, shared by train and ablation. */
public final class ModelOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--model", defaultValue = "resnet18-arm", paramLabel = "NAME",
            description = "Zoo model (default: ${DEFAULT-VALUE}); see 'armfer train --list-models'.")
    String model;

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

    @Option(names = "--input-size", defaultValue = "0", paramLabel = "PX",
            description = "Input height and width (default: 48 for demo, 224 otherwise).")
    int inputSize;

    @Option(names = "--channels", defaultValue = "3", paramLabel = "C",
            description = "Input channels, 1 or 3 (gray is replicated to 3, as in the paper; default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--lr-decay", defaultValue = "0.9",
            description = "Exponential learning-rate decay per epoch, lr * decay^epoch (default: ${DEFAULT-VALUE}).")
    double lrDecay;

    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--loss", defaultValue = "ce", paramLabel = "NAME",
            description = "ce (cross-entropy), pdls or fpdls (prior-distribution label smoothing, plain or focal; default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--prior", paramLabel = "FILE",
            description = "Prior matrix D for pdls/fpdls as CSV (K rows of K numbers, rows sum to 1); default with ferplus: from its vote counts.")
    String prior;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for weights, batches and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    ModelSpec spec(int defaultInputSize) throws IOException {
        try {
            return checked(defaultInputSize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage(), e);
        }
    }

    private ModelSpec checked(int defaultInputSize) throws IOException {
        ModelSpec m = new ModelSpec();
        m.model = model;
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
        if (inputSize < 0) {
            throw new IllegalArgumentException("--input-size must be > 0; got " + inputSize);
        }
        m.inputSize = inputSize == 0 ? defaultInputSize : inputSize;
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("--channels must be 1 or 3; got " + channels);
        }
        m.channels = channels;
        m.learningRate = lr;
        m.lrDecay = lrDecay;
        m.weightDecay = weightDecay;
        if (!ModelSpec.LOSSES.contains(loss.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("Unknown --loss '" + loss + "'; allowed: " + ModelSpec.LOSSES);
        }
        if (!(lr > 0) || !(lrDecay > 0 && lrDecay <= 1) || weightDecay < 0) {
            throw new IllegalArgumentException("--lr must be > 0, --lr-decay in (0, 1] and --weight-decay >= 0; got lr=" + lr
                    + ", decay=" + lrDecay + ", weight decay=" + weightDecay);
        }
        m.loss = loss;
        m.prior = prior;
        m.seed = seed;
        m.check();
        return m;
    }
}
