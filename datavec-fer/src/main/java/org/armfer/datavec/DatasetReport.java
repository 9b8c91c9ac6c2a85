package org.armfer.datavec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What {@link DatasetCheck} found: the layout, split sizes, images per canonical class, and every problem. */
public final class DatasetReport {

    private final FerDataset dataset;
    private final Path root;
    private final boolean layoutOk;
    private final String layout;
    private final Map<Split, int[]> counts;
    private final List<Problem> problems;
    private final Map<String, Integer> excluded;
    private final Set<Split> splitsInFiles;
    private final Set<Split> emptySplits;

    DatasetReport(FerDataset dataset, Path root, boolean layoutOk, String layout, Map<Split, int[]> counts,
                  List<Problem> problems, Map<String, Integer> excluded, Set<Split> splitsInFiles, Set<Split> emptySplits) {
        this.dataset = dataset;
        this.root = root;
        this.layoutOk = layoutOk;
        this.layout = layout;
        this.counts = new EnumMap<>(Split.class);
        this.counts.putAll(counts);
        this.problems = List.copyOf(problems);
        this.excluded = new LinkedHashMap<>(excluded);
        this.splitsInFiles = splitsInFiles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(splitsInFiles));
        this.emptySplits = emptySplits.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(emptySplits));
    }

    /**
     * The dataset's splits that the files hold (Kaggle's {@code train.csv}: train only; a folder copy: its split
     * folders). A split missing here is no error: a dataset without a validation split in its files is validated on a
     * hold-out from train. Empty when the layout was not found.
     */
    public Set<Split> splitsInFiles() {
        return splitsInFiles;
    }

    /**
     * Splits the files hold but with no usable example (every row bad, or none there): the layout is then not usable
     * ({@link #layoutOk()} false), and {@link #problems()} says why each row was refused.
     */
    public Set<Split> emptySplits() {
        return emptySplits;
    }

    /**
     * False when the root does not hold the dataset in any known layout ({@link #layout()} then says what was
     * expected), or when a split its files hold has no usable example ({@link #emptySplits()}).
     */
    public boolean layoutOk() {
        return layoutOk;
    }

    /** The layout found, or the error that says which files were expected where. */
    public String layout() {
        return layout;
    }

    public List<Problem> problems() {
        return problems;
    }

    /** Images per canonical class, per split present. */
    public Map<Split, int[]> countsPerClass() {
        return Collections.unmodifiableMap(counts);
    }

    /** Rows left out by documented rules (FER+ majority, AffectNet codes 8-10, contempt in 7-class tasks). */
    public Map<String, Integer> excludedByRule() {
        return Collections.unmodifiableMap(excluded);
    }

    /** Usable: the layout is right and, under STRICT, no row or image is bad. */
    public boolean passes(SkipPolicy policy) {
        return layoutOk && (policy == SkipPolicy.SKIP || problems.isEmpty()) && counts.values().stream()
                .anyMatch(c -> java.util.Arrays.stream(c).sum() > 0);
    }

    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(dataset.cliName()).append(" at ").append(root).append('\n');
        if (counts.isEmpty()) {
            return sb.append("LAYOUT: ").append(layout).append('\n').toString();
        }
        sb.append(layoutOk ? "layout: " : "LAYOUT: ").append(layout).append("\n\n");
        List<String> labels = FerLabel.names(dataset.numClasses());
        sb.append(String.format(Locale.ROOT, "%-12s", "class"));
        for (Split s : counts.keySet()) sb.append(String.format(Locale.ROOT, "%12s", s.cliName()));
        sb.append('\n');
        for (int c = 0; c < labels.size(); c++) {
            sb.append(String.format(Locale.ROOT, "%-12s", labels.get(c)));
            for (int[] n : counts.values()) sb.append(String.format(Locale.ROOT, "%12d", n[c]));
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%-12s", "total"));
        for (int[] n : counts.values()) sb.append(String.format(Locale.ROOT, "%12d", java.util.Arrays.stream(n).sum()));
        sb.append('\n');
        excluded.forEach((rule, n) -> sb.append("left out by rule: ").append(n).append(" rows, ").append(rule).append('\n'));
        sb.append('\n').append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append(problems.isEmpty() ? "" : ":").append('\n');
        int shown = 0;
        for (Problem p : problems) {
            if (shown++ == 50) {
                sb.append("  ... and ").append(problems.size() - 50).append(" more (--json lists all)\n");
                break;
            }
            sb.append("  ").append(p).append('\n');
        }
        return sb.toString();
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"dataset\": ").append(q(dataset.cliName())).append(",\n");
        sb.append("  \"root\": ").append(q(String.valueOf(root))).append(",\n");
        sb.append("  \"layoutOk\": ").append(layoutOk).append(",\n");
        sb.append("  \"layout\": ").append(q(layout)).append(",\n");
        sb.append("  \"splitsInFiles\": [");
        List<String> names = new ArrayList<>();
        for (Split s : splitsInFiles) names.add(q(s.cliName()));
        sb.append(String.join(", ", names)).append("],\n");
        sb.append("  \"labels\": [");
        List<String> labels = FerLabel.names(dataset.numClasses());
        for (int i = 0; i < labels.size(); i++) sb.append(i > 0 ? ", " : "").append(q(labels.get(i)));
        sb.append("],\n  \"countsPerClass\": {");
        List<String> parts = new ArrayList<>();
        counts.forEach((s, n) -> parts.add(q(s.cliName()) + ": " + java.util.Arrays.toString(n)));
        sb.append(String.join(", ", parts)).append("},\n  \"excludedByRule\": {");
        parts.clear();
        excluded.forEach((r, n) -> parts.add(q(r) + ": " + n));
        sb.append(String.join(", ", parts)).append("},\n  \"problems\": [");
        parts.clear();
        for (Problem p : problems) {
            parts.add("\n    {\"file\": " + q(String.valueOf(p.file())) + ", \"line\": " + p.line() + ", \"reason\": " + q(p.reason()) + "}");
        }
        sb.append(String.join(",", parts)).append(problems.isEmpty() ? "" : "\n  ").append("]\n}");
        return sb.toString();
    }

    private static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
