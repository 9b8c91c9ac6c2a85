package org.armfer.train;

import org.armfer.datavec.Augmentation;
import org.armfer.zoo.FerModels;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a model is trained, as data: named (see {@link Recipes}), stored whole in a run's {@code config.json} and in
 * its model card, every field overridable ({@link #with}).
 *
 * @param name            the recipe's name ({@code paper-rafdb}, ...; a recipe with overrides keeps its name)
 * @param description     one line for {@code --list-recipes}
 * @param model           the zoo model ({@code FerModels}, e.g. {@code resnet18-arm})
 * @param inputSize       input height and width
 * @param optimizer       {@code adam} (Adam, betas 0.9/0.999, eps 1e-8: PyTorch's defaults), {@code adamw} (the same
 *                        Adam; its weight decay is the decoupled one, so {@code weightDecayMode} must be
 *                        {@code decoupled} or {@code none}), {@code sgd} (PyTorch's SGD: plain when {@code momentum} is
 *                        0, else classic momentum, {@link MomentumSgd}) or {@code nesterovs} (DL4J's Nesterov momentum)
 * @param learningRate    the initial learning rate
 * @param momentum        the momentum of {@code sgd} and {@code nesterovs} (unused by the Adams)
 * @param lrSchedule      {@code exponential} ({@code lr · lrDecay^epoch}, stepped once per epoch as PyTorch's
 *                        {@code ExponentialLR}), {@code step} ({@code lr · lrDecay^floor(epoch / lrStep)}, PyTorch's
 *                        {@code StepLR}), {@code cosine} (PyTorch's {@code CosineAnnealingLR(T_max = epochs)},
 *                        {@link CosineSchedule}) or {@code constant}
 * @param lrDecay         the exponential and step schedules' factor, in (0, 1]
 * @param lrStep          the step schedule's epochs between two decays, >= 1 (unused by the other schedules)
 * @param weightDecay     the weight-decay coefficient, >= 0
 * @param weightDecayMode how it is applied ({@link WeightDecayMode})
 * @param epochs          passes over the training data (with MRR: over each epoch's resampled draw)
 * @param batchSize       examples per parameter update
 * @param accumulate      micro-batches per update: the iterators yield {@code batchSize / accumulate} examples at a
 *                        time and their gradients are summed into one update of {@code batchSize} (1: none)
 * @param augmentation    the training augmentation policy
 * @param mrr             the paper's minimal random resampling of the training split every epoch
 * @param pretrained      whether the recipe starts from an ImageNet-pretrained backbone (then {@code --weights} is
 *                        required, unless training from scratch is asked for)
 * @param valFraction     share of each class of the training split held out for validation when the dataset has no
 *                        validation split of its own (see {@code HoldOutSplit})
 */
public record Recipe(String name, String description, String model, int inputSize, String optimizer, double learningRate,
                     double momentum, String lrSchedule, double lrDecay, int lrStep, double weightDecay,
                     WeightDecayMode weightDecayMode, int epochs, int batchSize, int accumulate,
                     Augmentation.Policy augmentation, boolean mrr, boolean pretrained, double valFraction) {

    public static final List<String> OPTIMIZERS = List.of("adam", "adamw", "sgd", "nesterovs");
    /** The smallest input side (ResNet reduces by 32; ARM's geometry is checked on the feature map). */
    public static final int MIN_INPUT_SIZE = 8;
    /**
     * The largest input side: the FER datasets' images are 48-224 px, and one 1024x1024 training image already needs
     * about 1.4 GB (the memory check's 66 MiB per image at 224, times 21), so a larger side is a typo, not a setting.
     */
    public static final int MAX_INPUT_SIZE = 1024;

    /** A recipe field with a value it may not have: the field, the value and what is allowed. */
    public static final class BadField extends IllegalArgumentException {
        private final String field;
        private final transient Object value;
        private final String allowed;

        BadField(String field, Object value, String allowed) {
            super("recipe field " + field + " = " + value + " is not allowed; allowed: " + allowed);
            this.field = field;
            this.value = value;
            this.allowed = allowed;
        }

        public String field() {
            return field;
        }

        public Object value() {
            return value;
        }

        public String allowed() {
            return allowed;
        }
    }
    public static final List<String> SCHEDULES = List.of("exponential", "step", "cosine", "constant");

    /** The field names, in declaration order (the keys {@link #with} accepts). */
    public static List<String> fields() {
        List<String> out = new ArrayList<>();
        for (var c : Recipe.class.getRecordComponents()) {
            out.add(c.getName());
        }
        return out;
    }

    /**
     * This recipe with {@code overrides} (field name to value, as JSON would hold it) applied and checked.
     *
     * @throws IllegalArgumentException for an unknown field, a value of the wrong type, or a value out of range
     */
    public Recipe with(Map<String, ?> overrides) {
        if (overrides.isEmpty()) {
            return this;
        }
        ObjectNode tree = Json.MAPPER.valueToTree(this);
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            if (!tree.has(e.getKey()) || e.getKey().equals("name") || e.getKey().equals("description")) {
                throw new IllegalArgumentException("Unknown recipe field '" + e.getKey() + "'; a recipe has "
                        + fields().subList(2, fields().size()));
            }
            tree.set(e.getKey(), Json.MAPPER.valueToTree(e.getValue()));
        }
        Recipe r;
        try {
            r = Json.MAPPER.treeToValue(tree, Recipe.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("Bad recipe override " + overrides + ": " + e.getMessage(), e);
        }
        return r.checked();
    }

    /** The fields whose values differ between {@code base} and {@code changed}: field -> [base value, new value]. */
    public static Map<String, String[]> differences(Recipe base, Recipe changed) {
        JsonNode a = Json.MAPPER.valueToTree(base), b = Json.MAPPER.valueToTree(changed);
        Map<String, String[]> out = new LinkedHashMap<>();
        for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!a.get(f).equals(b.get(f))) {
                out.put(f, new String[]{a.get(f).asText(), b.get(f).asText()});
            }
        }
        return out;
    }

    /**
     * This recipe, checked.
     *
     * @throws IllegalArgumentException naming the field, the bad value and what is allowed
     */
    public Recipe checked() {
        FerModels.builder(model); // throws with the list of models
        require(inputSize >= MIN_INPUT_SIZE && inputSize <= MAX_INPUT_SIZE, "inputSize", inputSize, MIN_INPUT_SIZE + " to "
                + MAX_INPUT_SIZE + " pixels (FER images are 48-224 px; one 1024x1024 training image needs ~1.4 GB)");
        require(OPTIMIZERS.contains(optimizer), "optimizer", optimizer, OPTIMIZERS.toString());
        require(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate, "a finite number > 0");
        require(momentum >= 0 && momentum < 1, "momentum", momentum, "a number in [0, 1)");
        require(SCHEDULES.contains(lrSchedule), "lrSchedule", lrSchedule, SCHEDULES.toString());
        require(lrDecay > 0 && lrDecay <= 1, "lrDecay", lrDecay, "a number in (0, 1]");
        require(lrStep >= 1, "lrStep", lrStep, "an integer >= 1 (epochs)");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, "a finite number >= 0");
        require(weightDecayMode != null, "weightDecayMode", null, "coupled, decoupled, none");
        require(!optimizer.equals("adamw") || weightDecayMode != WeightDecayMode.COUPLED, "weightDecayMode", "coupled",
                "decoupled or none with optimizer adamw (AdamW's weight decay is decoupled; coupled decay is adam's)");
        require(epochs >= 1, "epochs", epochs, ">= 1");
        require(batchSize >= 1, "batchSize", batchSize, ">= 1");
        require(accumulate >= 1 && batchSize % accumulate == 0, "accumulate", accumulate,
                "a divisor of batchSize " + batchSize + " (micro-batches of batchSize / accumulate examples)");
        require(augmentation != null, "augmentation", null, "none, reference, independent, rarn, despam, vtnr");
        require(valFraction > 0 && valFraction < 1, "valFraction", valFraction, "a number in (0, 1)");
        return this;
    }

    private static void require(boolean ok, String field, Object value, String allowed) {
        if (!ok) {
            throw new BadField(field, value instanceof String t ? org.armfer.io.Excerpt.of(t) : value, allowed);
        }
    }

    /** Examples per micro-batch: what the iterators yield and one forward/backward pass holds. */
    public int microBatch() {
        return batchSize / accumulate;
    }

    /** The learning-rate schedule over epochs. */
    public ISchedule schedule() {
        return switch (lrSchedule) {
            case "constant" -> new FixedSchedule(learningRate);
            case "step" -> new StepSchedule(ScheduleType.EPOCH, learningRate, lrDecay, lrStep);
            case "cosine" -> new CosineSchedule(learningRate, epochs);
            default -> new ExponentialSchedule(ScheduleType.EPOCH, learningRate, lrDecay);
        };
    }

    /** The learning rate of epoch {@code epoch} (0-based). */
    public double learningRate(int epoch) {
        return schedule().valueAt(0, epoch);
    }

    /** The DL4J updater: the optimizer with the schedule. */
    public IUpdater updater() {
        return switch (optimizer) {
            case "adam", "adamw" -> new Adam(schedule());
            case "sgd" -> momentum > 0 ? new MomentumSgd(schedule(), momentum) : new Sgd(schedule());
            case "nesterovs" -> new Nesterovs(schedule(), momentum);
            default -> throw new IllegalStateException("optimizer " + optimizer);
        };
    }

    /** One line for listings. */
    public String summary() {
        return String.format(Locale.ROOT, "%s %dx%d, %s lr %s %s%s, weight decay %s %s, %d epochs, batch %d%s, %s augmentation%s%s",
                model, inputSize, inputSize, optimizer, num(learningRate), lrSchedule,
                switch (lrSchedule) {
                    case "exponential" -> " " + num(lrDecay) + "/epoch";
                    case "step" -> " x" + num(lrDecay) + " every " + lrStep + " epochs";
                    default -> "";
                } + (optimizer.equals("sgd") || optimizer.equals("nesterovs") ? ", momentum " + num(momentum) : ""), num(weightDecay),
                weightDecayMode.cliName(), epochs, batchSize, accumulate > 1 ? " (" + accumulate + " x " + microBatch() + ")" : "",
                augmentation.cliName(), mrr ? ", MRR" : "", pretrained ? ", ImageNet backbone" : "");
    }

    private static String num(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
