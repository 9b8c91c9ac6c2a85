package org.armfer.datavec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a dataset root holds, indexed once: the examples of each split (in file order), every problem found, and the
 * rows a documented rule leaves out (FER+ rows without a majority, AffectNet codes 8-10, contempt in 7-class
 * tasks), counted per rule so nothing disappears unaccounted.
 */
public final class DatasetIndex {

    private final FerDataset dataset;
    private final Path root;
    private final String layout;
    private final Map<Split, List<Sample>> samples;
    private final List<Problem> problems;
    private final Map<String, Integer> excludedByRule;
    private final java.util.Set<Split> layoutSplits;
    private final Map<Split, List<Problem>> heldBack;

    DatasetIndex(FerDataset dataset, Path root, String layout, java.util.Set<Split> layoutSplits, Map<Split, List<Sample>> samples,
                 List<Problem> problems, Map<String, Integer> excludedByRule) {
        this(dataset, root, layout, layoutSplits, samples, problems, excludedByRule, Map.of());
    }

    DatasetIndex(FerDataset dataset, Path root, String layout, java.util.Set<Split> layoutSplits, Map<Split, List<Sample>> samples,
                 List<Problem> problems, Map<String, Integer> excludedByRule, Map<Split, List<Problem>> heldBack) {
        Map<Split, List<Problem>> heldByRow = new EnumMap<>(Split.class);
        heldBack.forEach((s, l) -> heldByRow.put(s, List.copyOf(l)));
        this.heldBack = Collections.unmodifiableMap(heldByRow);
        this.dataset = dataset;
        this.root = root;
        this.layout = layout;
        this.samples = new EnumMap<>(samples);
        this.problems = List.copyOf(problems);
        this.excludedByRule = Collections.unmodifiableMap(new LinkedHashMap<>(excludedByRule));
        java.util.Set<Split> held = java.util.EnumSet.noneOf(Split.class);
        held.addAll(layoutSplits);
        this.layoutSplits = Collections.unmodifiableSet(held);
    }

    /**
     * The splits the files hold: the dataset's, except where the layout found has fewer (Kaggle's {@code train.csv}
     * holds the training split only, a folder copy the split folders it has). A split missing here gets no examples.
     */
    public java.util.Set<Split> layoutSplits() {
        return layoutSplits;
    }

    public FerDataset dataset() {
        return dataset;
    }

    public Path root() {
        return root;
    }

    /** Which on-disk layout was found, e.g. {@code "fer2013.csv"}. */
    public String layout() {
        return layout;
    }

    /** The examples of {@code split}; empty when the layout has none. */
    public List<Sample> samples(Split split) {
        return samples.getOrDefault(split, List.of());
    }

    public Map<Split, List<Sample>> allSamples() {
        return Collections.unmodifiableMap(samples);
    }

    /** Bad rows and missing files found while indexing (under SKIP; STRICT throws on the first). */
    public List<Problem> problems() {
        return problems;
    }

    /**
     * The bad rows of {@code split} that a STRICT index held back (an image missing from a split that indexing alone
     * does not read); empty under SKIP, where they are in {@link #problems()}.
     */
    public List<Problem> heldBack(Split split) {
        return heldBack.getOrDefault(split, List.of());
    }

    /** Every split's held-back problems. */
    Map<Split, List<Problem>> heldBack() {
        return heldBack;
    }

    /**
     * Fails (as STRICT indexing would have, naming the first bad row) when {@code split} has held-back problems:
     * called by whoever reads the split (the iterators, the record reader, a training run for every split it uses).
     *
     * @throws FerDataException naming the first bad row of the split and how many there are
     */
    public void requireReadable(Split split) {
        List<Problem> bad = heldBack(split);
        if (!bad.isEmpty()) {
            Problem first = bad.get(0);
            throw new FerDataException(bad.size() == 1 ? first : new Problem(first.file(), first.line(), first.reason()
                    + " (and " + (bad.size() - 1) + " more bad rows in the " + split.cliName() + " split)"));
        }
    }

    /** Rows left out by a documented rule, per rule. */
    public Map<String, Integer> excludedByRule() {
        return excludedByRule;
    }
}
