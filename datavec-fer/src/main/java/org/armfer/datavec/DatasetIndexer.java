package org.armfer.datavec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Indexes a dataset root: tries the dataset's layouts ({@link FerLayout#forDataset}) in order and reads the first one
 * present with its {@link DatasetLayout}; then, for every layout, reports an image listed twice (a duplicate, the same
 * image in two splits, or the same image with two labels: conflicting labels). A root that holds none of the
 * layouts fails naming every file it looked for.
 */
final class DatasetIndexer {

    private static final Logger log = LoggerFactory.getLogger(DatasetIndexer.class);

    private DatasetIndexer() {
    }

    static DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy) {
        return index(dataset, root, policy, LayoutOptions.AUTO);
    }

    static DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy, LayoutOptions options) {
        if (!options.layout().appliesTo(dataset)) {
            throw new IllegalArgumentException("Layout " + options.layout() + " does not hold " + dataset.cliName()
                    + "; its layouts: " + FerLayout.forDataset(dataset));
        }
        if (root == null || !Files.isDirectory(root)) {
            throw new FerDataException("Dataset root " + root + " is not a directory" + (root != null && Files.exists(root)
                    ? "" : " (it does not exist)") + "; " + dataset.cliName() + " expects " + expectation(dataset,
                    root == null ? Path.of("<root>") : root, options));
        }
        List<String> hints = new ArrayList<>();
        for (FerLayout l : tried(dataset, options)) {
            DatasetLayout layout = l.reader(dataset);
            if (!layout.present(root)) {
                if (!layout.hintWhenAbsent(root).isEmpty()) hints.add(layout.hintWhenAbsent(root));
                continue;
            }
            IndexContext context = new IndexContext(dataset, root, policy, options);
            DatasetLayout.Found found = layout.index(root, context);
            listedTwice(context);
            DatasetIndex index = new DatasetIndex(dataset, root, found.description(), found.splits(), context.samples(),
                    context.problems.list, context.problems.excluded, context.problems.heldBack);
            logSummary(index);
            return index;
        }
        throw new FerDataException("No " + dataset.cliName() + " data under " + root + ": expected " + expectation(dataset, root, options)
                + (hints.isEmpty() ? "" : ". " + String.join(". ", hints)));
    }

    /** The layouts {@code options} lets us try for {@code dataset}, in order. */
    private static List<FerLayout> tried(FerDataset dataset, LayoutOptions options) {
        return FerLayout.forDataset(dataset).stream().filter(l -> l != FerLayout.AUTO && options.tries(l)).toList();
    }

    /** Every tried layout's expected files, for messages. */
    static String expectation(FerDataset dataset, Path root, LayoutOptions options) {
        List<String> parts = new ArrayList<>();
        for (FerLayout l : tried(dataset, options)) parts.add(l.reader(dataset).expectation(root));
        return String.join("; or ", parts);
    }

    /**
     * Reports image files (the same real file, with the same crop) that the layout lists more than once: with two
     * labels both are left out (conflicting labels); otherwise the first listing is kept and the others left out (a
     * duplicate, or the same image in two splits, which would leak test images into training).
     */
    private static void listedTwice(IndexContext context) {
        Map<String, Sample> first = new HashMap<>();
        Map<String, Split> firstSplit = new HashMap<>();
        Set<String> conflicting = new HashSet<>();
        Set<Sample> drop = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Split split : Split.values()) {
            for (Sample s : context.samples(split)) {
                if (!(s.image() instanceof FileSource f)) continue;
                Sample prev = first.putIfAbsent(f.key(), s);
                if (prev == null) {
                    firstSplit.put(f.key(), split);
                    continue;
                }
                String image = "image " + f + (prev.image().file().equals(f.file()) ? "" : " (the same file as " + prev.image()
                        + ", " + f.real() + ")");
                Split prevSplit = firstSplit.get(f.key());
                if (prev.label() != s.label()) {
                    conflicting.add(f.key());
                    context.problem(s.file(), s.line(), "conflicting labels: " + image + " is " + name(s) + " here but "
                            + name(prev) + " at " + prev.origin() + "; both are left out");
                } else if (prevSplit != split) {
                    context.problem(s.file(), s.line(), image + " is in the " + split.cliName() + " split here and in the "
                            + prevSplit.cliName() + " split at " + prev.origin() + "; left out of the " + split.cliName() + " split");
                } else {
                    context.problem(s.file(), s.line(), "duplicate: " + image + " is listed already at " + prev.origin()
                            + "; left out here");
                }
                drop.add(s);
            }
        }
        if (drop.isEmpty()) return;
        for (Split split : Split.values()) {
            context.samples(split).removeIf(s -> drop.contains(s)
                    || (s.image() instanceof FileSource f && conflicting.contains(f.key())));
        }
    }

    private static String name(Sample s) {
        return FerLabel.values()[s.label()].label();
    }

    private static void logSummary(DatasetIndex index) {
        if (!index.problems().isEmpty()) {
            log.warn("{} at {}: {} bad rows or files skipped, by kind {} (first: {}); DatasetCheck lists them all",
                    index.dataset().cliName(), index.root(), index.problems().size(), kinds(index.problems()), index.problems().get(0));
        }
        if (!index.excludedByRule().isEmpty()) {
            log.info("{} at {}: rows left out by rule: {}", index.dataset().cliName(), index.root(), index.excludedByRule());
        }
    }

    /** Problems counted by the first words of their reason (e.g. "image file missing": 3). */
    static Map<String, Integer> kinds(List<Problem> problems) {
        Map<String, Integer> out = new TreeMap<>();
        for (Problem p : problems) {
            String r = p.reason().replaceAll("'[^']*'", "''").replaceAll("[0-9]+", "N");
            String[] w = r.split("\\s+");
            out.merge(String.join(" ", Arrays.copyOf(w, Math.min(w.length, 4))), 1, Integer::sum);
        }
        return out;
    }
}
