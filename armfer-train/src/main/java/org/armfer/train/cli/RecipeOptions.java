package org.armfer.train.cli;

import org.armfer.datavec.Augmentation;
import org.armfer.train.Recipe;
import org.armfer.train.Recipes;
import org.armfer.train.TrainConfig;
import org.armfer.train.WeightDecayMode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recipe a run trains with ({@code --recipe}, default: the dataset's paper recipe, {@code demo} for the demo data)
 * and one flag per recipe field to override it: a picocli mixin shared by {@code armfer train}, {@code ablation},
 * {@code search} and {@code armfer-spark} (picocli is an optional dependency of this module: only command lines need
 * it). A flag not given leaves the recipe's value; the fields given are recorded in {@code config.json} and printed
 * as overridden.
 */
public final class RecipeOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--recipe", paramLabel = "NAME",
            description = "Training recipe (default: the dataset's paper recipe, 'demo' for the demo data); see --list-recipes.")
    String recipe;

    @Option(names = "--model", paramLabel = "NAME", description = "Zoo model (recipe field model); see 'armfer train --list-models'.")
    String model;

    @Option(names = "--input-size", paramLabel = "PX", description = "Input height and width (recipe field inputSize).")
    Integer inputSize;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (recipe field epochs).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Examples per update (recipe field batchSize).")
    Integer batch;

    @Option(names = "--accumulate", paramLabel = "N",
            description = "Gradient accumulation: N micro-batches of batch/N examples summed into one update (recipe field accumulate).")
    Integer accumulate;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "adam, sgd or nesterovs (recipe field optimizer).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "LR", description = "Initial learning rate (recipe field learningRate).")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", description = "Momentum of nesterovs (recipe field momentum).")
    Double momentum;

    @Option(names = "--lr-schedule", paramLabel = "NAME", description = "exponential or constant (recipe field lrSchedule).")
    String lrSchedule;

    @Option(names = "--lr-decay", paramLabel = "G", description = "Exponential decay per epoch, lr * G^epoch (recipe field lrDecay).")
    Double lrDecay;

    @Option(names = "--weight-decay", paramLabel = "C", description = "Weight-decay coefficient (recipe field weightDecay).")
    Double weightDecay;

    @Option(names = "--weight-decay-mode", paramLabel = "MODE",
            description = "coupled (PyTorch's Adam(weight_decay): L2 on every parameter), decoupled (DL4J's WeightDecay on weights) or none (recipe field weightDecayMode).")
    String weightDecayMode;

    @Option(names = "--augment", paramLabel = "POLICY",
            description = "reference (one of flip or noise, p 0.5, then random erasing), independent, rarn (RARN's Table 1),"
                    + " despam (flip, erasing up to 25%%), vtnr (VT_with_NR_for_FER: flip, rotation, zoom, colour jitter) or none"
                    + " (recipe field augmentation).")
    String augment;

    @Option(names = "--no-augment", description = "No training augmentation (--augment none).")
    boolean noAugment;

    @Option(names = "--mrr", negatable = true, description = "Minimal random resampling every epoch (recipe field mrr; --no-mrr turns it off).")
    Boolean mrr;

    @Option(names = "--from-scratch", description = "Train without an ImageNet backbone although the recipe starts from one (recipe field pretrained).")
    boolean fromScratch;

    @Option(names = "--val-fraction", paramLabel = "F",
            description = "Share of each training class held out for validation where the dataset has no validation split (recipe field valFraction).")
    Double valFraction;

    @Option(names = "--no-memory-check", description = "Train even when the batch is estimated not to fit this machine's memory.")
    boolean noMemoryCheck;

    /** The flag of each recipe field (what error messages name). */
    public static final Map<String, String> OPTION_OF_FIELD = Map.ofEntries(Map.entry("model", "--model"),
            Map.entry("inputSize", "--input-size"), Map.entry("epochs", "--epochs"), Map.entry("batchSize", "--batch"),
            Map.entry("accumulate", "--accumulate"), Map.entry("optimizer", "--optimizer"), Map.entry("learningRate", "--lr"),
            Map.entry("momentum", "--momentum"), Map.entry("lrSchedule", "--lr-schedule"), Map.entry("lrDecay", "--lr-decay"),
            Map.entry("weightDecay", "--weight-decay"), Map.entry("weightDecayMode", "--weight-decay-mode"),
            Map.entry("augmentation", "--augment"), Map.entry("mrr", "--mrr"), Map.entry("pretrained", "--from-scratch"),
            Map.entry("valFraction", "--val-fraction"));

    /** Whether the memory check was turned off. */
    public boolean memoryCheck() {
        return !noMemoryCheck;
    }

    /** The recipe fields given on the command line, field -> value. */
    public Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "model", model);
        put(o, "inputSize", inputSize);
        put(o, "epochs", epochs);
        put(o, "batchSize", batch);
        put(o, "accumulate", accumulate);
        put(o, "optimizer", optimizer);
        put(o, "learningRate", lr);
        put(o, "momentum", momentum);
        put(o, "lrSchedule", lrSchedule);
        put(o, "lrDecay", lrDecay);
        put(o, "weightDecay", weightDecay);
        if (weightDecayMode != null) {
            o.put("weightDecayMode", parse(() -> WeightDecayMode.parse(weightDecayMode)));
        }
        if (augment != null && noAugment) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--augment and --no-augment exclude each other");
        }
        if (noAugment) {
            o.put("augmentation", Augmentation.Policy.NONE);
        } else if (augment != null) {
            o.put("augmentation", parse(() -> Augmentation.Policy.parse(augment)));
        }
        put(o, "mrr", mrr);
        if (fromScratch) {
            o.put("pretrained", false);
        }
        put(o, "valFraction", valFraction);
        return o;
    }

    /** Whether any recipe field was given (what --resume refuses, apart from --epochs). */
    public boolean anyBut(String field) {
        Map<String, Object> o = overrides();
        o.remove(field);
        return !o.isEmpty() || recipe != null;
    }

    /** {@code config} with the recipe resolved (a usage error for an unknown recipe or a bad value). */
    public TrainConfig resolve(TrainConfig config) {
        Map<String, Object> o = overrides();
        return parse(() -> config.resolve(recipe, o), o);
    }

    /**
     * {@code stored} (the recipe of a run being resumed) with the {@code --epochs} given, if any; a usage error for a
     * bad value.
     */
    public Recipe withEpochs(Recipe stored) {
        Map<String, Object> o = overrides();
        Object e = o.get("epochs");
        return e == null ? stored : parse(() -> stored.with(Map.of("epochs", e)), o);
    }

    /**
     * On {@code --resume}: the recipe flags given (other than {@code --epochs}) whose values differ from the run's
     * recipe {@code stored}, each as "--lr 0.5 (the run has 0.001)"; empty when the flags repeat the run's settings.
     */
    public List<String> resumeConflicts(Recipe stored) {
        List<String> out = new ArrayList<>();
        if (recipe != null && !recipe.strip().equals(stored.name())) {
            out.add("--recipe " + org.armfer.io.Excerpt.of(recipe) + " (the run has " + stored.name() + ")");
        }
        var tree = org.armfer.train.Json.MAPPER.valueToTree(stored);
        for (Map.Entry<String, Object> e : overrides().entrySet()) {
            if (e.getKey().equals("epochs")) continue;
            var given = org.armfer.train.Json.MAPPER.valueToTree(e.getValue());
            var had = tree.get(e.getKey());
            boolean same = had != null && (had.equals(given) || (had.isNumber() && given.isNumber()
                    && had.doubleValue() == given.doubleValue()));
            if (!same) {
                out.add(OPTION_OF_FIELD.getOrDefault(e.getKey(), e.getKey()) + " " + org.armfer.io.Excerpt.of(given.asText())
                        + " (the run has " + (had == null ? "none" : had.asText()) + ")");
            }
        }
        return out;
    }

    private static void put(Map<String, Object> o, String field, Object value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private <T> T parse(java.util.function.Supplier<T> s) {
        return parse(s, Map.of());
    }

    /** A bad recipe field becomes a usage error naming its flag when the flag was given ({@code given}). */
    private <T> T parse(java.util.function.Supplier<T> s, Map<String, Object> given) {
        try {
            return s.get();
        } catch (Recipe.BadField e) {
            String option = OPTION_OF_FIELD.get(e.field());
            String message = option != null && given.containsKey(e.field())
                    ? option + " " + e.value() + " is not allowed; allowed: " + e.allowed() + " (recipe field " + e.field() + ")"
                    : e.getMessage() + (option != null ? " (set it with " + option + ")" : "");
            throw new CommandLine.ParameterException(mixee.commandLine(), message, e);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage(), e);
        }
    }

    /** The recipes table of {@code --list-recipes}. */
    public static String table() {
        StringBuilder sb = new StringBuilder();
        for (Recipe r : Recipes.all()) {
            sb.append(String.format("%-17s %s%n%-17s %s%n", r.name(), r.description(), "", r.summary()));
        }
        return sb.toString();
    }
}
