package org.armfer.datavec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a dataset root before anyone trains on it (the {@code armfer data} command): finds the layout, indexes every
 * split, and decodes every image (so corrupt files and face boxes outside their image are found now, not in epoch 3).
 * Never throws for a bad dataset: everything found is in the {@link DatasetReport}.
 */
public final class DatasetCheck {

    private DatasetCheck() {
    }

    public static DatasetReport check(FerDataset dataset, Path root, SkipPolicy policy) {
        DatasetIndex index;
        try {
            // index with SKIP so that every bad row is listed, not only the first; the policy judges the result
            index = Layouts.index(dataset, root, SkipPolicy.SKIP);
        } catch (FerDataException e) {
            return new DatasetReport(dataset, root, false, e.getMessage(), Map.of(), List.of(), Map.of());
        }
        List<Problem> problems = new ArrayList<>(index.problems());
        Map<Split, int[]> counts = new EnumMap<>(Split.class);
        for (Split s : dataset.splits()) {
            int[] n = new int[dataset.numClasses()];
            for (Sample sample : index.samples(s)) {
                try {
                    if (!(sample.image() instanceof Layouts.PixelsSource)) {
                        sample.image().load();
                    }
                    n[sample.label()]++;
                } catch (FerDataException e) {
                    problems.add(new Problem(sample.file(), sample.line(), e.problem() != null
                            ? e.problem().reason() + " (" + e.problem().file() + ")" : e.getMessage()));
                }
            }
            counts.put(s, n);
        }
        boolean layoutOk = true;
        String layout = index.layout();
        for (Split s : dataset.splits()) {
            if (java.util.Arrays.stream(counts.get(s)).sum() == 0) {
                layoutOk = false;
                layout = layout + "; but the " + s.cliName() + " split is empty";
            }
        }
        return new DatasetReport(dataset, root, layoutOk, layout, counts, problems, index.excludedByRule());
    }
}
