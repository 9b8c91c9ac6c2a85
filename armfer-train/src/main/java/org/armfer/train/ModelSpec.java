package org.armfer.train;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.armfer.layers.GarMode;
import org.armfer.zoo.FerModel;
import org.armfer.zoo.FerModels;
import org.armfer.layers.loss.LossPDLS;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.learning.config.IUpdater;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A model as the command line names it: a zoo name ({@code resnet18}, {@code resnet18-arm}, ... see
 * {@link FerModels}), an optional ablation block set, ARM settings (flags or a JSON written by {@code search}), the
 * loss and the seed. How it is trained (optimiser, schedule, weight decay, input size) is the run's {@link Recipe};
 * the training library sets {@link #model}, {@link #inputSize} and {@link #updater} from it before {@link #build}.
 */
public final class ModelSpec {

    public String model = "resnet18-arm";
    /** Ablation block set (Table 2), or null for the model's own. */
    public String blocks;
    /** ARM configuration JSON (ArmModule.toJson), or null. */
    public String armJson;
    public Integer kernelSize;
    public Integer stride;
    public Double lambda;
    public Boolean fixedLambda;
    public GarMode garMode;
    /** Input side; 0: the dataset's default (48 for demo, 224 otherwise). */
    public int inputSize;
    public int channels = 3;
    /** Loss: ce (cross-entropy), pdls or fpdls (prior-distribution label smoothing, plain or focal). */
    public String loss = "ce";
    /** Prior matrix D for pdls/fpdls: a CSV file of K rows of K numbers, or null for FER+ vote counts. */
    public String prior;
    public long seed = 42;
    /** The updater the zoo model is built with (from the recipe; not part of the spec's JSON). */
    public transient IUpdater updater = new Adam(1e-3);
    /**
     * The zoo's own (decoupled) weight decay (not part of the spec's JSON). The training library builds with 0 and
     * sets the recipe's {@link WeightDecayMode} on the built configuration instead.
     */
    public transient double weightDecay;

    /** The zoo's model names (FerModels). */
    public static List<String> models() {
        return FerModels.names();
    }

    public static String describe(String name) {
        return FerModels.describe(name);
    }

    private int requireInputSize() {
        if (inputSize <= 0) {
            throw new IllegalStateException("input size not resolved (0)");
        }
        return inputSize;
    }

    /** Checks the model name; throws with the allowed names. */
    public void check() {
        FerModels.builder(model);
        if (blocks != null) {
            ArmBlock.parseSet(blocks);
        }
    }

    /**
     * The ARM head of {@code model} (a preset builder, its blocks chosen) with every override applied, or null when it
     * has no ARM head. Settings neither the preset nor an override gives stay derived from the feature map, resolved once
     * when the model is built.
     */
    public ArmModule arm(FerModel.Builder<?> model) {
        ArmModule head = model.getArm();
        if (head == null) {
            if (armJson != null || kernelSize != null || stride != null || lambda != null || fixedLambda != null || garMode != null) {
                throw new IllegalArgumentException("ARM options were given but the model " + this.model
                        + (blocks != null ? " with blocks '" + blocks + "'" : "") + " has no ARM; use an -arm model or --blocks");
            }
            return null;
        }
        ArmModule.Builder b = armJson != null ? ArmModule.fromJson(armJson).toBuilder() : head.toBuilder();
        if (blocks != null) b.blocks(ArmBlock.parseSet(blocks));
        if (kernelSize != null) b.kernelSize(kernelSize);
        if (stride != null) b.stride(stride);
        if (lambda != null) b.lambda(lambda);
        if (fixedLambda != null) b.learnableLambda(!fixedLambda);
        if (garMode != null) b.garMode(garMode);
        return b.build();
    }

    /** The zoo model for {@code numClasses}. */
    public FerModel build(int numClasses) {
        return build(numClasses, null);
    }

    public static final List<String> LOSSES = List.of("ce", "pdls", "fpdls");

    /** The zoo model for {@code numClasses}; {@code priorFromData} supplies D for pdls/fpdls when no --prior file was given. */
    public FerModel build(int numClasses, java.util.function.Supplier<double[][]> priorFromData) {
        FerModel.Builder<?> b = FerModels.builder(model).numClasses(numClasses)
                .inputShape(channels, requireInputSize(), requireInputSize()).seed(seed).weightDecay(weightDecay)
                .updater(updater.clone());
        if (blocks != null) {
            b.armBlocks(ArmBlock.parseSet(blocks));
        }
        ILossFunction lossFunction = lossFunction(numClasses, priorFromData);
        if (lossFunction != null) {
            b.loss(lossFunction);
        }
        ArmModule arm = arm(b);
        if (arm != null) {
            b.arm(arm);
        }
        return b.build();
    }

    /** The loss for {@link #loss}, or null for the zoo's default cross-entropy. */
    ILossFunction lossFunction(int numClasses, java.util.function.Supplier<double[][]> priorFromData) {
        String l = loss == null ? "ce" : loss.toLowerCase(Locale.ROOT);
        if (!LOSSES.contains(l)) {
            throw new IllegalArgumentException("Unknown --loss '" + loss + "'; allowed: " + LOSSES);
        }
        if (l.equals("ce")) {
            if (prior != null) {
                throw new IllegalArgumentException("--prior is only used by --loss pdls or fpdls");
            }
            return null;
        }
        double[][] d = prior != null ? readPrior(Path.of(prior)) : priorFromData != null ? priorFromData.get() : null;
        if (d == null) {
            throw new IllegalArgumentException("--loss " + l + " needs a prior matrix D: give --prior FILE (CSV, "
                    + numClasses + " rows of " + numClasses + " numbers, each row summing to 1) or train on --dataset ferplus,"
                    + " whose vote counts give D");
        }
        if (d.length != numClasses) {
            throw new IllegalArgumentException("--prior has " + d.length + " rows but the dataset has " + numClasses + " classes");
        }
        return l.equals("pdls") ? LossPDLS.pdls(d) : LossPDLS.focal(d);
    }

    /** The most bytes a --prior CSV may have: a K x K matrix (K <= 8) with comments is a few hundred. */
    public static final long MAX_PRIOR_BYTES = 64 << 10;

    /**
     * A K x K prior matrix from a CSV file (comma or whitespace separated, '#' comments), at most
     * {@value #MAX_PRIOR_BYTES} bytes, every value a finite number; whether the rows sum to 1 is the loss's check.
     *
     * @throws IllegalArgumentException naming the file, the line and the bad value
     */
    public static double[][] readPrior(Path file) {
        List<double[]> rows = new java.util.ArrayList<>();
        try (org.armfer.io.LineReader r = org.armfer.io.LimitedFiles.newLineReader(file, java.nio.charset.StandardCharsets.UTF_8,
                MAX_PRIOR_BYTES, 4096, "a --prior matrix")) {
            String line;
            while ((line = r.readLine()) != null) {
                long lineNo = r.lineNumber();
                if (r.lastLineCut()) {
                    throw new IllegalArgumentException(file + " line " + lineNo + ": " + r.lastLineLength()
                            + " characters; a row of a prior matrix has at most " + r.maxChars());
                }
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                String[] parts = t.split("[,\\s]+");
                double[] row = new double[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    try {
                        row[i] = Double.parseDouble(parts[i]);
                    } catch (NumberFormatException e) {
                        row[i] = Double.NaN;
                    }
                    if (!Double.isFinite(row[i]) || row[i] < 0) {
                        throw new IllegalArgumentException(file + " line " + lineNo + ": '" + org.armfer.io.Excerpt.of(parts[i])
                                + "' is not allowed; a prior matrix holds finite numbers >= 0");
                    }
                }
                rows.add(row);
                if (rows.size() > 64) {
                    throw new IllegalArgumentException(file + ": more than 64 rows; a prior matrix has one row per class");
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("--prior " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no rows; a prior matrix has one row of K numbers per class");
        }
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).length != rows.size()) {
                throw new IllegalArgumentException(file + ": row " + (i + 1) + " has " + rows.get(i).length
                        + " numbers; a prior matrix is square (" + rows.size() + " rows)");
            }
        }
        return rows.toArray(new double[0][]);
    }

    @Override
    public String toString() {
        return model + (blocks != null ? "[" + blocks + "]" : "") + " " + channels + "x" + inputSize + "x" + inputSize
                + " seed=" + seed + Arrays.asList(kernelSize, stride, lambda);
    }
}
