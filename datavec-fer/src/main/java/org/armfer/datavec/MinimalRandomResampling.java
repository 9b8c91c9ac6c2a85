package org.armfer.datavec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The paper's minimal random resampling (MRR): each epoch draws, for every class, as many examples as the smallest
 * class has, without replacement inside the epoch, freshly each epoch, reproducible from (seed, epoch). With
 * AffectNet's Table 1 counts an epoch has 8 x 3,750 examples.
 */
public final class MinimalRandomResampling {

    private final int[] labels;
    private final int numClasses;
    private final long seed;
    private final int perClass;

    /**
     * @param labels     the label of every example (0 .. numClasses-1)
     * @param numClasses classes of the task; every one must have at least one example
     */
    public MinimalRandomResampling(int[] labels, int numClasses, long seed) {
        this.labels = labels.clone();
        this.numClasses = numClasses;
        this.seed = seed;
        int[] counts = new int[numClasses];
        for (int l : labels) {
            if (l < 0 || l >= numClasses) {
                throw new IllegalArgumentException("label " + l + " out of range 0-" + (numClasses - 1));
            }
            counts[l]++;
        }
        int min = Arrays.stream(counts).min().orElse(0);
        if (min == 0) {
            throw new IllegalArgumentException("MRR needs every class present; counts per class: " + Arrays.toString(counts));
        }
        this.perClass = min;
    }

    /** Examples drawn per class each epoch (the smallest class's count). */
    public int perClass() {
        return perClass;
    }

    /** Examples per epoch: {@code numClasses x perClass}. */
    public int epochSize() {
        return perClass * numClasses;
    }

    /** The indices (into the label array) of epoch {@code epoch}, shuffled. */
    public int[] epoch(long epoch) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < labels.length; i++) byClass.get(labels[i]).add(i);
        List<Integer> chosen = new ArrayList<>(epochSize());
        for (List<Integer> members : byClass) {
            Collections.shuffle(members, r);
            chosen.addAll(members.subList(0, perClass));
        }
        Collections.shuffle(chosen, r);
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }
}
