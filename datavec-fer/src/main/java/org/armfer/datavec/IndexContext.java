package org.armfer.datavec;

import org.armfer.io.LineReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What a {@link DatasetLayout} indexes into: the dataset, the samples per split, the problems, the root's files. */
final class IndexContext {

    final FerDataset dataset;
    final Problems problems;
    /** Explicit class-folder names, or null for the documented defaults. */
    final Map<String, FerLabel> folderLabels;
    final DatasetFiles files;
    private final Map<Split, List<Sample>> samples = new EnumMap<>(Split.class);

    IndexContext(FerDataset dataset, Path root, SkipPolicy policy, LayoutOptions options) {
        this.dataset = dataset;
        this.problems = new Problems(policy, options.strictSplits());
        this.folderLabels = options.folderLabels();
        this.files = new DatasetFiles(root);
        for (Split s : Split.values()) samples.put(s, new ArrayList<>());
    }

    void add(Split split, Sample sample) {
        samples.get(split).add(sample);
    }

    List<Sample> samples(Split split) {
        return samples.get(split);
    }

    Map<Split, List<Sample>> samples() {
        return samples;
    }

    /** A bad row or file: fails under STRICT, else is listed. */
    void problem(Path file, long line, String reason) {
        problems.add(file, line, reason);
    }

    /**
     * A bad row or file of {@code split}: under STRICT it fails the indexing when the caller reads that split
     * ({@link LayoutOptions#strictSplits}), else whoever reads the split later ({@link DatasetIndex#requireReadable});
     * under SKIP it is listed.
     */
    void problem(Split split, Path file, long line, String reason) {
        problems.add(split, file, line, reason);
    }

    /** A row left out by a documented rule. */
    void exclude(String rule) {
        problems.exclude(rule);
    }

    /** True, after reporting the line as a problem, when the line {@code reader} returned last was longer than its limit. */
    boolean cut(Path file, LineReader reader) {
        if (!reader.lastLineCut()) {
            return false;
        }
        problem(file, reader.lineNumber(), "line of " + reader.lastLineLength() + " characters, more than the "
                + reader.maxChars() + " a row of this file can have");
        return true;
    }

    /**
     * The kept label of an AffectNet expression code (0-7 in the 8-class task, 0-6 in the 7-class one), or -1 after
     * counting the rule that leaves it out (codes 8-10, contempt in 7 classes). The code must be in 0-10.
     */
    int affectNetLabel(int code) {
        if (code > DatasetLabels.AFFECTNET_LAST_EXPRESSION) {
            exclude("AffectNet expression codes 8-10 (None, Uncertain, No-Face)");
            return -1;
        }
        if (code >= dataset.numClasses()) {
            exclude("contempt (7-class task)");
            return -1;
        }
        return code;
    }
}
