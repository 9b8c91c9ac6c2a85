package org.armfer.hyperparam;

import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

import java.io.Serializable;
import java.util.List;

/**
 * The two accuracies FER papers report (the ARM paper's Table 3 among them), from one evaluation pass.
 *
 * @param weightedAccuracy   correct / total
 * @param unweightedAccuracy mean over the classes present in the data of each class's recall
 * @param examples           number of examples evaluated
 * @param classesPresent     number of classes with at least one example (the mean's denominator)
 */
public record ValidationScores(double weightedAccuracy, double unweightedAccuracy, long examples, int classesPresent)
        implements Serializable {

    /**
     * @throws IllegalStateException when the evaluation saw no example
     */
    public static ValidationScores of(Evaluation eval) {
        ConfusionMatrix<Integer> cm = eval.getConfusionMatrix();
        if (cm == null) {
            throw new IllegalStateException("The validation data yielded no examples; cannot score the candidate");
        }
        List<Integer> classes = cm.getClasses();
        long total = 0;
        long correct = 0;
        double recallSum = 0;
        int present = 0;
        for (Integer c : classes) {
            int actual = cm.getActualTotal(c);
            int hit = cm.getCount(c, c);
            total += actual;
            correct += hit;
            if (actual > 0) {
                recallSum += (double) hit / actual;
                present++;
            }
        }
        if (total == 0) {
            throw new IllegalStateException("The validation data yielded no examples; cannot score the candidate");
        }
        return new ValidationScores((double) correct / total, recallSum / present, total, present);
    }
}
