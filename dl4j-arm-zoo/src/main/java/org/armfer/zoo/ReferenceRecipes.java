package org.armfer.zoo;

import org.armfer.zoo.ReferenceRecipe.Augmentation;
import org.armfer.zoo.ReferenceRecipe.Optimizer;
import org.armfer.zoo.ReferenceRecipe.Schedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training recipes of the seed papers' CNN systems, as named records ({@link ReferenceRecipe}): what RARN's paper and
 * DeSpaM's public code do, for the training library's recipes to adopt. The registry links each model to its recipe
 * ({@link ModelEntry#recipe()}).
 */
public final class ReferenceRecipes {

    /**
     * RARN on FER2013 (Zhu, "RARN: Lightweight Deep Residual Learning with Attention for Human Emotions Recognition",
     * arXiv 2402.15457, §4.2 Table 1 and §4.3): ResNet-152 backbone, SGD lr 0.01 decayed x0.9 every 3 epochs, 33 epochs,
     * batch 64, cross-entropy, the augmentation of Table 1.
     */
    public static final ReferenceRecipe RARN_FER2013 = new ReferenceRecipe(
            "rarn-fer2013",
            "Zhu, RARN (arXiv 2402.15457), section 4.2 Table 1 (augmentation) and section 4.3 (training)",
            "fer2013", "resnet152-rarn", 48, Optimizer.SGD, 0.01, 0.9, 0.0, Schedule.step(3, 0.9), 33, 64,
            "cross-entropy", PretrainedWeights.IMAGENET_MEAN, PretrainedWeights.IMAGENET_STD,
            List.of(
                    new Augmentation("RandomHorizontalFlip", 0.5, Map.of()),
                    new Augmentation("RandomVerticalFlip", 0.5, Map.of()),
                    new Augmentation("RandomGrayscale", 0.2, Map.of()),
                    new Augmentation("RandomShift", 1.0, Map.of("height_fraction", 0.28, "width_fraction", 0.75)),
                    new Augmentation("RandomRotation", 1.0, Map.of("degrees", 90.0)),
                    new Augmentation("ColorJitter", 1.0, Map.of("brightness", 0.2, "contrast", 0.2, "hue", 0.2)),
                    new Augmentation("Normalize", 1.0, Map.of())),
            List.of("accuracy", "balanced-accuracy"),
            "the model after the last epoch; the paper reports its accuracy on FER2013's test set (57.51%)",
            List.of("momentum 0.9: the paper names SGD without a momentum; 0.9 is torchvision's reference recipe's",
                    "weight decay 0: the paper names none",
                    "'a decay rate of 0.9 after three epochs of repetition' read as StepLR(step_size=3, gamma=0.9)",
                    "Table 1's 'Horizontal Flip 1' and 'Vertical Flip 1' are Keras-style switches: each flip with"
                            + " probability 0.5",
                    "height/width shift 0.28/0.75: Keras' ranges, a shift by a uniform fraction in [-0.28, 0.28] of the"
                            + " height and [-0.75, 0.75] of the width, filled from the nearest edge (Keras' default fill_mode)",
                    "rotation range 90: a uniform angle in [-90, 90] degrees",
                    "input 48x48, FER2013's size (the paper resizes nothing it mentions), gray replicated to 3 channels",
                    "'Normalisation 1': ImageNet's mean and std (the backbone is a torchvision ResNet-152)",
                    "the paper trains from scratch or from ImageNet without saying; armfer's recipe leaves it to --weights",
                    "armfer selects on a validation split (FER2013's PublicTest), never on the test set"));

    /**
     * DeSpaM's network on RAF-DB as its public code trains it ("DeSpaM_for_FER", main.py, experiment.py, dataset.py):
     * AdamW 1e-3 (weight decay 1e-4), cosine schedule over 100 epochs, batch 64, 112x112, horizontal flip and random
     * erasing (scale 0.02-0.25); accuracy and balanced accuracy reported.
     */
    public static final ReferenceRecipe DESPAM_RAFDB = new ReferenceRecipe(
            "despam-rafdb",
            "DeSpaM_for_FER: main.py (rafdb, 100 epochs), experiment.py (create_args, run_experiment), dataset.py (get_transforms)",
            "rafdb", "despam", 112, Optimizer.ADAMW, 1e-3, 0.9, 1e-4, Schedule.cosine(100), 100, 64,
            "cross-entropy", PretrainedWeights.IMAGENET_MEAN, PretrainedWeights.IMAGENET_STD,
            List.of(
                    new Augmentation("Resize", 1.0, Map.of("height", 112.0, "width", 112.0)),
                    new Augmentation("RandomHorizontalFlip", 0.5, Map.of()),
                    new Augmentation("Normalize", 1.0, Map.of()),
                    new Augmentation("RandomErasing", 0.5, Map.of("scale_min", 0.02, "scale_max", 0.25, "ratio_min", 0.3,
                            "ratio_max", 3.3, "value", 0.0))),
            List.of("accuracy", "balanced-accuracy"),
            "the epoch of best validation accuracy (a checkpoint each time it improves); early stopping after 30 epochs"
                    + " without a lower validation loss; test evaluated once, on the re-parameterised model",
            List.of("balanced accuracy is sklearn's balanced_accuracy_score: the mean of per-class recall, the ARM paper's UA",
                    "RandomErasing with torchvision's defaults besides the scale: p 0.5, ratio 0.3-3.3, value 0, after"
                            + " normalisation",
                    "the reference splits RAF-DB itself (test 20% of all images, validation 25% of the rest, seeds 1-5),"
                            + " not along RAF-DB's own train/test lists; armfer keeps the official test list and holds out"
                            + " validation from train",
                    "CosineAnnealingLR(T_max = epochs) stepped once per epoch, eta_min 0"));

    private static final Map<String, ReferenceRecipe> RECIPES = new LinkedHashMap<>();

    static {
        for (ReferenceRecipe r : List.of(RARN_FER2013, DESPAM_RAFDB)) {
            RECIPES.put(r.name(), r);
        }
    }

    private ReferenceRecipes() {
    }

    /** The recipes' names. */
    public static List<String> names() {
        return List.copyOf(RECIPES.keySet());
    }

    /** The recipe named {@code name}; IllegalArgumentException listing the names for an unknown one. */
    public static ReferenceRecipe get(String name) {
        ReferenceRecipe r = name == null ? null : RECIPES.get(name.strip().toLowerCase(Locale.ROOT));
        if (r == null) {
            throw new IllegalArgumentException("Unknown reference recipe '" + name + "'; allowed: " + names());
        }
        return r;
    }
}
