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

    /** The most bytes an --arm-config JSON may have (search's best.json is about 1 KB). */
    static final long MAX_ARM_CONFIG_BYTES = 1 << 20;

    private ModelSpec checked() throws IOException {
        ModelSpec m = new ModelSpec();
        m.blocks = blocks;
        if (armConfig != null) {
            m.armJson = readArmConfig(armConfig).toJson();
        }
        if (kernelSize != null && kernelSize < 1) {
            throw new IllegalArgumentException("--kernel-size " + kernelSize + " is not allowed; allowed: an integer >= 1 (DA's"
                    + " kernel; at most the arranged feature map's side, 32 of 112 at 224x224)");
        }
        if (stride != null && stride < 1) {
            throw new IllegalArgumentException("--stride " + stride + " is not allowed; allowed: an integer from 1 to the"
                    + " kernel size");
        }
        if (lambda != null && !(Double.isFinite(lambda) && lambda >= 0)) {
            throw new IllegalArgumentException("--lambda " + lambda + " is not allowed; allowed: a finite number >= 0 (SA adds"
                    + " lambda times the batch's global average representation; the paper starts at 1)");
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
        if (prior != null) {
            if (loss.equalsIgnoreCase("ce")) {
                throw new IllegalArgumentException("--prior is only used by --loss pdls or fpdls");
            }
            ModelSpec.readPrior(Path.of(prior)); // a bad or oversized file is a usage error now, not after indexing
        }
        m.prior = prior;
        m.seed = seed;
        if (blocks != null) {
            org.armfer.layers.ArmBlock.parseSet(blocks);
        }
        return m;
    }

    /**
     * The ARM of an --arm-config file: {@code best.json} ({"arm": {...}, ...}) or {@code best-arm.json} /
     * {@code ArmModule.toJson()}, at most {@value #MAX_ARM_CONFIG_BYTES} bytes; numbers must be finite (JSON has no
     * NaN, and 1e999, read as infinity, is refused by ArmModule).
     */
    static org.armfer.layers.ArmModule readArmConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--arm-config " + file + " is not a file"
                    + (Files.exists(file) ? "" : " (it does not exist)") + "; give best.json or best-arm.json written by 'armfer search'");
        }
        byte[] bytes;
        try {
            bytes = org.armfer.io.LimitedFiles.readAllBytes(file, MAX_ARM_CONFIG_BYTES, "an --arm-config JSON");
        } catch (org.armfer.io.FileTooLargeException e) {
            throw new IllegalArgumentException("--arm-config " + e.getMessage(), e);
        }
        org.nd4j.shade.jackson.databind.JsonNode root;
        try {
            root = new org.nd4j.shade.jackson.databind.ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("--arm-config " + file + " is not JSON: "
                    + org.armfer.io.Excerpt.ofMessage(e.getMessage(), 300), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("--arm-config " + file + " is not a JSON object; expected best.json or best-arm.json"
                    + " written by 'armfer search'");
        }
        org.nd4j.shade.jackson.databind.JsonNode arm = root.has("arm") ? root.get("arm") : root;
        try {
            org.armfer.layers.ArmModule a = org.armfer.layers.ArmModule.fromJson(arm.toString());
            if (!(a.getLambda() >= 0)) {
                throw new IllegalArgumentException("lambda " + a.getLambda() + " is not allowed; allowed: a finite number >= 0");
            }
            return a;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--arm-config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks ARM's geometry for the resolved recipe (model and input size) before anything is built or read: the
     * ARM the options describe must fit the backbone's feature map at that input size, its stride must not exceed its
     * kernel (DA's windows would skip values of the arranged map) and λ must be >= 0. A usage error names the option
     * (or the --arm-config file), the value and what is allowed.
     */
    void checkArm(org.armfer.train.TrainConfig config, String blocksOverride) {
        ModelSpec m = config.model;
        String set = blocksOverride != null ? blocksOverride : m.blocks;
        int size = config.recipe.inputSize();
        org.armfer.zoo.FerModel defaults;
        org.armfer.layers.ArmModule arm;
        try {
            var b = org.armfer.zoo.FerModels.builder(config.recipe.model()).numClasses(config.data.numClasses())
                    .inputShape(m.channels, size, size);
            if (set != null) {
                b.armBlocks(org.armfer.layers.ArmBlock.parseSet(set));
            }
            ModelSpec probe = new ModelSpec();
            probe.model = config.recipe.model();
            probe.blocks = set;
            probe.armJson = m.armJson;
            probe.kernelSize = m.kernelSize;
            probe.stride = m.stride;
            probe.lambda = m.lambda;
            probe.fixedLambda = m.fixedLambda;
            probe.garMode = m.garMode;
            arm = probe.arm(b);
            defaults = b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage(), e);
        }
        if (arm == null) {
            return;
        }
        long[] map = defaults.featureMapShape();
        String source = armSource();
        try {
            arm.outputShape(map[0], map[1], map[2]);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), source + ": " + e.getMessage() + " for "
                    + config.recipe.model() + " at " + size + "x" + size + " (its feature map is " + map[0] + "x" + map[1] + "x"
                    + map[2] + ")", e);
        }
        if (arm.has(org.armfer.layers.ArmBlock.DA) && arm.getStride() > arm.getKernelSize()) {
            throw new CommandLine.ParameterException(mixee.commandLine(), (stride != null ? "--stride " + arm.getStride()
                    : source + ": stride " + arm.getStride()) + " is not allowed; allowed: 1 to the kernel size "
                    + arm.getKernelSize() + " (a larger stride makes DA skip values of the arranged feature map)");
        }
    }

    /** Where the ARM settings came from, for messages. */
    private String armSource() {
        java.util.List<String> s = new java.util.ArrayList<>();
        if (armConfig != null) s.add("--arm-config " + armConfig);
        if (kernelSize != null) s.add("--kernel-size " + kernelSize);
        if (stride != null) s.add("--stride " + stride);
        return s.isEmpty() ? "ARM's default geometry" : String.join(" ", s);
    }
}
