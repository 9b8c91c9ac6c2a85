package org.armfer.datavec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Checks a dataset root before anyone trains on it (the {@code armfer data} command): finds the layout, indexes every
 * split, and decodes every image (so corrupt, truncated or oversized files and face boxes outside their image are
 * found now, not in epoch 3). Never throws for a bad dataset: everything found is in the {@link DatasetReport}.
 */
public final class DatasetCheck {

    private DatasetCheck() {
    }

    /** Checks {@code root} as {@code dataset} (layout detected, documented class-folder names). */
    public static DatasetReport check(FerDataset dataset, Path root, SkipPolicy policy) {
        return check(dataset, root, policy, LayoutOptions.AUTO);
    }

    /** Checks the dataset, root, layout and folder names of {@code config} (its split and image options do not matter). */
    public static DatasetReport check(FerDataConfig config) {
        return check(config.dataset(), config.root(), config.skipPolicy(), config.options());
    }

    /** Null when the sample's image decodes (CSV pixel rows were checked when indexed), else why not. */
    private static Problem tryLoad(Sample sample) {
        if (sample.image() instanceof PixelsSource) {
            return null;
        }
        try {
            sample.image().load();
            return null;
        } catch (FerDataException e) {
            return new Problem(sample.file(), sample.line(), e.problem() != null
                    ? e.problem().reason() + " (" + e.problem().file() + ")" : e.getMessage());
        }
    }

    static DatasetReport check(FerDataset dataset, Path root, SkipPolicy policy, LayoutOptions options) {
        DatasetIndex index;
        try {
            // index with SKIP so that every bad row is listed, not only the first; the policy judges the result
            Path r = dataset == FerDataset.DEMO ? FerIterators.resolveRoot(dataset, root) : root;
            index = DatasetIndexer.index(dataset, r, SkipPolicy.SKIP, options);
        } catch (FerDataException | IllegalArgumentException e) {
            return new DatasetReport(dataset, root, false, e.getMessage(), Map.of(), List.of(), Map.of(), Set.of(), Set.of());
        }
        List<Problem> problems = new ArrayList<>(index.problems());
        Map<Split, int[]> counts = new EnumMap<>(Split.class);
        for (Split s : dataset.splits()) {
            int[] n = new int[dataset.numClasses()];
            List<Sample> samples = index.samples(s);
            // decode every image file (in parallel; problems listed in file order)
            Problem[] bad = new Problem[samples.size()];
            IntStream.range(0, samples.size()).parallel().forEach(i -> bad[i] = tryLoad(samples.get(i)));
            for (int i = 0; i < bad.length; i++) {
                if (bad[i] == null) {
                    n[samples.get(i).label()]++;
                } else {
                    problems.add(bad[i]);
                }
            }
            counts.put(s, n);
        }
        String layout = index.layout();
        Set<Split> inFiles = EnumSet.noneOf(Split.class);
        Set<Split> empty = EnumSet.noneOf(Split.class);
        for (Split s : dataset.splits()) {
            boolean provided = index.layoutSplits().contains(s);
            if (provided) inFiles.add(s);
            if (Arrays.stream(counts.get(s)).sum() == 0) {
                // a split the files do not have (Kaggle's train.csv) is said; an empty split they should have is wrong
                if (provided) empty.add(s);
                layout = layout + (provided ? "; but the " + s.cliName() + " split is empty" : "; no " + s.cliName() + " split");
            }
        }
        return new DatasetReport(dataset, root, empty.isEmpty(), layout, counts, problems, index.excludedByRule(), inFiles, empty);
    }
}
