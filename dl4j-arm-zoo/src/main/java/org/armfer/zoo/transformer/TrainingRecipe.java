package org.armfer.zoo.transformer;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.List;

/**
 * A training recipe written down as data: optimiser, learning-rate schedule, batch, epochs, seed, loss constants and
 * augmentation, with where they come from. {@link #VT_NR_REFERENCE} is the VT_with_NR_for_FER reference's FER+ run
 * (config.json, test.py, utils/tools.py, utils/dataloaders.py of github.com/hbin0701/VT_with_NR_for_FER). A recipe
 * system for the command line is being built elsewhere; this record is its input until then.
 *
 * @param name          short name
 * @param source        where the values come from
 * @param learningRate  initial learning rate (Adam, PyTorch's default betas 0.9/0.999, eps 1e-8, no weight decay)
 * @param stepEpochs    StepLR step size in epochs
 * @param stepGamma     StepLR factor
 * @param batchSize     minibatch size
 * @param epochs        epochs
 * @param seed          random seed
 * @param fpdlsAlpha    F-PDLS α
 * @param fpdlsGamma    F-PDLS γ
 * @param augmentation  the reference's training transforms, in order (torchvision names and arguments)
 */
public record TrainingRecipe(String name, String source, double learningRate, int stepEpochs, double stepGamma, int batchSize,
                             int epochs, long seed, double fpdlsAlpha, double fpdlsGamma, List<String> augmentation) {

    /**
     * The reference's FER+ recipe: Adam(lr 1e-4), StepLR(step_size 15, gamma 0.25), batch 64, 100 epochs, seed 1111,
     * F-PDLS α 0.8, γ 2 with the reference's prior, 8 classes; images super-resolved ×8 offline (DIC), STN + resizer to
     * 224, Swin-B (timm's swin_base_patch4_window7_224, ImageNet-pretrained). The reference also applies its random
     * augmentation to the test images; armfer's evaluation does not.
     */
    public static final TrainingRecipe VT_NR_REFERENCE = new TrainingRecipe("vt-nr-reference",
            "github.com/hbin0701/VT_with_NR_for_FER (config.json, utils/tools.py, utils/train_model.py, utils/dataloaders.py)",
            1e-4, 15, 0.25, 64, 100, 1111, 0.8, 2.0,
            List.of("RandomHorizontalFlip()", "RandomRotation(45)", "RandomAffine(degrees=15, scale=[1.2, 1.2])",
                    "ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4)", "ToTensor()",
                    "Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])"));

    public TrainingRecipe {
        augmentation = List.copyOf(augmentation);
        if (!(learningRate > 0) || stepEpochs < 1 || !(stepGamma > 0) || batchSize < 1 || epochs < 1) {
            throw new IllegalArgumentException("TrainingRecipe " + name + ": learningRate, stepEpochs, stepGamma, batchSize and"
                    + " epochs must be positive");
        }
    }

    /**
     * The learning rate of epoch e (0-based) as the reference gets it: its loop calls {@code scheduler.step()} at the
     * start of every epoch, before training it, so epoch e runs at {@code lr · γ^floor((e + 1) / step)} (the first
     * drop after 14 epochs, not 15).
     */
    public double learningRate(int epoch) {
        return learningRate * Math.pow(stepGamma, Math.floor((epoch + 1) / (double) stepEpochs));
    }

    /** That schedule as a DL4J epoch schedule. */
    public ISchedule schedule() {
        MapSchedule.Builder b = new MapSchedule.Builder(ScheduleType.EPOCH).add(0, learningRate(0));
        for (int e = 1; e < epochs; e++) {
            if (learningRate(e) != learningRate(e - 1)) {
                b.add(e, learningRate(e));
            }
        }
        return b.build();
    }

    /** Adam with the schedule (PyTorch's defaults for betas and epsilon). */
    public IUpdater updater() {
        return Adam.builder().learningRateSchedule(schedule()).beta1(0.9).beta2(0.999).epsilon(1e-8).build();
    }
}
