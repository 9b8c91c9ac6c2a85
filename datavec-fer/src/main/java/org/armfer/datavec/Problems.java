package org.armfer.datavec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects bad rows and files under a policy ({@link SkipPolicy#STRICT} throws on the first) and rule exclusions.
 * Under STRICT with {@code strictSplits} (the splits the caller reads; null: all), a problem of a row of another split
 * is held back for that split instead ({@link DatasetIndex#requireReadable}): reading that split later fails on it,
 * and a run that never reads it (a search reads train and validation, never test) is not stopped by it.
 */
final class Problems {

    final SkipPolicy policy;
    private final java.util.Set<Split> strictSplits;
    final List<Problem> list = new ArrayList<>();
    final Map<String, Integer> excluded = new LinkedHashMap<>();
    final Map<Split, List<Problem>> heldBack = new java.util.EnumMap<>(Split.class);

    Problems(SkipPolicy policy) {
        this(policy, null);
    }

    Problems(SkipPolicy policy, java.util.Set<Split> strictSplits) {
        this.policy = policy;
        this.strictSplits = strictSplits;
    }

    void add(Path file, long line, String reason) {
        Problem p = new Problem(file, line, reason);
        if (policy == SkipPolicy.STRICT) {
            throw new FerDataException(p);
        }
        list.add(p);
    }

    /** A bad row of {@code split} (null: not known): held back under STRICT for a split not read, else as {@link #add}. */
    void add(Split split, Path file, long line, String reason) {
        if (split == null || policy != SkipPolicy.STRICT || strictSplits == null || strictSplits.contains(split)) {
            add(file, line, reason);
            return;
        }
        heldBack.computeIfAbsent(split, s -> new ArrayList<>()).add(new Problem(file, line, reason));
    }

    /** A row left out by a documented rule (not a problem): counted per rule. */
    void exclude(String rule) {
        excluded.merge(rule, 1, Integer::sum);
    }
}
