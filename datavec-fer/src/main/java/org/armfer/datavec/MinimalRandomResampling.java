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

    /** Over a list of labels (see {@link #MinimalRandomResampling(int[], int, long)}). */
    public MinimalRandomResampling(List<Integer> labels, int numClasses, long seed) {
        this(labels.stream().mapToInt(Integer::intValue).toArray(), numClasses, seed);
    }

    /**
     * @param labels     the label of every example (0 .. numClasses-1)
     * @param numClasses classes of the task; every one must have at least one example
     */
    public MinimalRandomResampling(int[] labels, int numClasses, long seed) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1; got " + numClasses);
        }
        this.labels = labels.clone();
        this.numClasses = numClasses;
        this.seed = seed;
        int[] counts = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            int l = labels[i];
            if (l < 0 || l >= numClasses) {
                throw new IllegalArgumentException("label " + l + " of example " + i + " out of range 0-" + (numClasses - 1));
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

    public int numClasses() {
        return numClasses;
    }

    /**
     * The indices (into the label array) of epoch {@code epoch} (0, 1, ...), shuffled: for every class
     * {@link #perClass()} of its examples, drawn without replacement; a function of (seed, epoch) only.
     */
    public int[] epoch(long epoch) {
        Random r = new Random(Seeds.mix(seed, Seeds.MRR, epoch));
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
