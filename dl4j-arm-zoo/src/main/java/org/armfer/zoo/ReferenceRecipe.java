package org.armfer.zoo;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A training recipe as a paper or its public code states it: optimiser, schedule, epochs, batch, loss, input size,
 * normalisation, augmentation, metrics and model selection, with the choices armfer made where the source is silent or
 * ambiguous in {@link #notes()}. It is a record of what the reference does, for a training library to adopt (the named
 * records are in {@link ReferenceRecipes}); it runs nothing itself.
 *
 * @param name          the recipe's name ({@code rarn-fer2013})
 * @param source        where it comes from: paper and section, or repository and file
 * @param dataset       the dataset it was written for ({@code fer2013}, {@code rafdb})
 * @param model         the registry model it trains ({@link FerModels})
 * @param inputSize     the square input side the images are resized to
 * @param optimizer     the optimiser
 * @param learningRate  its initial learning rate
 * @param momentum      SGD's momentum, or Adam's β1 (0.9 by default)
 * @param weightDecay   the weight decay as the optimiser applies it (coupled for SGD/Adam, decoupled for AdamW)
 * @param schedule      the learning-rate schedule
 * @param epochs        training epochs
 * @param batchSize     examples per step
 * @param loss          the loss ({@code cross-entropy})
 * @param mean          per-channel normalisation mean (RGB, after scaling to [0, 1])
 * @param std           per-channel normalisation standard deviation
 * @param augmentations the training augmentations, in the order they are applied
 * @param metrics       what is reported ({@code accuracy}; {@code balanced-accuracy} is UA, the mean of per-class recall)
 * @param selection     how the reported model is chosen (which epoch, which split)
 * @param notes         choices made where the source is silent or ambiguous
 */
public record ReferenceRecipe(String name, String source, String dataset, String model, int inputSize, Optimizer optimizer,
                              double learningRate, double momentum, double weightDecay, Schedule schedule, int epochs,
                              int batchSize, String loss, List<Double> mean, List<Double> std,
                              List<Augmentation> augmentations, List<String> metrics, String selection, List<String> notes) {

    public ReferenceRecipe {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        if (!(learningRate > 0) || epochs < 1 || batchSize < 1 || inputSize < 1 || weightDecay < 0 || momentum < 0) {
            throw new IllegalArgumentException(name + ": need learningRate > 0, epochs, batchSize, inputSize >= 1,"
                    + " weightDecay, momentum >= 0");
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        augmentations = List.copyOf(augmentations);
        metrics = List.copyOf(metrics);
        notes = List.copyOf(notes);
    }

    /** The optimisers of the reference recipes, as PyTorch names them. */
    public enum Optimizer {
        /** {@code torch.optim.SGD(momentum=...)}, weight decay coupled (added to the gradient). */
        SGD,
        /** {@code torch.optim.Adam}, weight decay coupled. */
        ADAM,
        /** {@code torch.optim.AdamW}, weight decay decoupled (applied to the weights directly, times the learning rate). */
        ADAMW
    }

    /**
     * A learning-rate schedule, stepped once per epoch as PyTorch's schedulers are there.
     *
     * @param kind       which schedule
     * @param stepEpochs STEP: epochs between decays ({@code StepLR(step_size)}); otherwise 0
     * @param gamma      STEP and EXPONENTIAL: the factor per decay; otherwise 0
     * @param tMax       COSINE: epochs of the half period ({@code CosineAnnealingLR(T_max)}), to a minimum of 0; otherwise 0
     */
    public record Schedule(Kind kind, int stepEpochs, double gamma, int tMax) {

        public enum Kind {
            /** lr · gamma^floor(epoch / stepEpochs) ({@code StepLR}). */
            STEP,
            /** lr · gamma^epoch ({@code ExponentialLR}). */
            EXPONENTIAL,
            /** lr · (1 + cos(π · epoch / tMax)) / 2 ({@code CosineAnnealingLR}, eta_min 0). */
            COSINE
        }

        public static Schedule step(int stepEpochs, double gamma) {
            return new Schedule(Kind.STEP, stepEpochs, gamma, 0);
        }

        public static Schedule cosine(int tMax) {
            return new Schedule(Kind.COSINE, 0, 0, tMax);
        }

        /** The learning rate in (0-based) {@code epoch} for an initial rate {@code lr}. */
        public double at(double lr, int epoch) {
            switch (kind) {
                case STEP: return lr * Math.pow(gamma, Math.floorDiv(epoch, stepEpochs));
                case EXPONENTIAL: return lr * Math.pow(gamma, epoch);
                case COSINE: return lr * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
                default: throw new IllegalStateException("Unhandled schedule " + kind);
            }
        }
    }

    /**
     * One training augmentation.
     *
     * @param name        what it does, in torchvision's terms ({@code RandomHorizontalFlip}, {@code RandomErasing}, ...)
     * @param probability the probability that it is applied to an image
     * @param parameters  its parameters by torchvision's names ({@code scale_min}, {@code brightness}, {@code degrees})
     */
    public record Augmentation(String name, double probability, Map<String, Double> parameters) {
        public Augmentation {
            if (!(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException(name + ": probability must be in [0, 1], got " + probability);
            }
            parameters = Map.copyOf(parameters);
        }
    }
}
