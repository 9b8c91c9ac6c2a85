package org.armfer.vision;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The expression of one face: where it is ({@link #box()}, and the square {@link #crop()} the model saw) and the
 * model's probability for each label, in the model's label order.
 */
public record FacePrediction(FaceBox box, Rectangle crop, List<String> labels, double[] probabilities) {

    /** A label with its probability. */
    public record Label(String label, double probability) {
    }

    public FacePrediction {
        if (labels.size() != probabilities.length) {
            throw new IllegalArgumentException(labels.size() + " labels but " + probabilities.length + " probabilities");
        }
        labels = List.copyOf(labels);
        probabilities = probabilities.clone();
    }

    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    /** The {@code k} most probable labels, most probable first (ties in label order). */
    public List<Label> top(int k) {
        Integer[] order = new Integer[probabilities.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, order.length); i++) {
            out.add(new Label(labels.get(order[i]), probabilities[order[i]]));
        }
        return out;
    }

    /** The most probable label. */
    public Label best() {
        return top(1).get(0);
    }

    /** Index of the most probable label. */
    public int bestIndex() {
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
        return best;
    }
}
