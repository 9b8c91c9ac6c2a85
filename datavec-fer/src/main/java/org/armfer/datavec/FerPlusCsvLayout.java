package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.armfer.io.LineReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * FER+: the images of {@code fer2013.csv} (or {@code icml_face_data.csv}) with the votes of {@code fer2013new.csv}
 * ({@code Usage,Image name,neutral,...,contempt,unknown,NF}), row by row; the label is FER+'s majority
 * ({@link #majority}). The two files' Usage columns must agree row by row: a disagreement means the files are from
 * different releases or in a different order, and the row is reported.
 */
final class FerPlusCsvLayout implements DatasetLayout {

    /** FER+'s vote columns in fer2013new.csv: 8 emotions, unknown, NF. */
    static final int VOTES = 10;
    static final String HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF";
    static final String MAJORITY_RULE = "FER+ majority rule (no majority, or unknown / not a face)";

    /** One good row of fer2013new.csv: its line, Usage (null when the file has no Usage column) and votes. */
    record VoteRow(long line, Split usage, double[] votes) {
    }

    @Override
    public boolean present(Path root) {
        return Files.isRegularFile(root.resolve("fer2013new.csv")) || Fer2013CsvLayout.file(root) != null;
    }

    @Override
    public List<Path> expected(Path root) {
        return List.of(root.resolve("fer2013.csv"), root.resolve("fer2013new.csv"));
    }

    @Override
    public String expectation(Path root) {
        return root.resolve("fer2013.csv") + " together with " + root.resolve("fer2013new.csv");
    }

    @Override
    public Found index(Path root, IndexContext context) {
        Path votes = root.resolve("fer2013new.csv");
        Path images = Fer2013CsvLayout.file(root);
        if (!Files.isRegularFile(votes) || images == null) {
            throw new FerDataException("FER+ needs both " + root.resolve("fer2013.csv") + " (the images) and "
                    + votes + " (FER+'s votes, same row order)" + (images != null ? "; fer2013new.csv is missing"
                    : "; fer2013.csv is missing"));
        }
        List<FerCsv.Row> rows = FerCsv.read(images, null, context.problems);
        List<VoteRow> voteRows = readVotes(votes, context.problems);
        if (voteRows.size() != rows.size()) {
            throw new FerDataException(votes + " has " + voteRows.size() + " data rows but " + images + " has " + rows.size()
                    + "; FER+ labels rows by position, so both must come from the same release");
        }
        for (int i = 0; i < rows.size(); i++) {
            FerCsv.Row row = rows.get(i);
            VoteRow v = voteRows.get(i);
            if (row == null || v == null) {
                continue; // a bad image row or vote row, already reported
            }
            if (v.usage() != null && v.usage() != row.split()) {
                context.problem(votes, v.line(), "Usage " + usageName(v.usage()) + " here but " + usageName(row.split()) + " at "
                        + images + ":" + row.line() + ": FER+ labels fer2013.csv by row, so both files must come from the same"
                        + " release, in the same order");
                continue;
            }
            int label = majority(v.votes());
            if (label < 0) {
                context.exclude(MAJORITY_RULE);
                continue;
            }
            context.add(row.split(), new Sample(votes, v.line(), label, row.image()));
        }
        return new Found(images.getFileName() + " + fer2013new.csv", EnumSet.allOf(Split.class));
    }

    private static String usageName(Split s) {
        return switch (s) {
            case TRAIN -> "Training";
            case VALIDATION -> "PublicTest";
            case TEST -> "PrivateTest";
        };
    }

    /** Vote rows of fer2013new.csv in order (null for a bad row, reported). */
    static List<VoteRow> readVotes(Path file, Problems problems) {
        List<VoteRow> out = new ArrayList<>();
        try (LineReader r = DatasetFiles.lines(file, DatasetFiles.MAX_LIST_BYTES, "FER+'s fer2013new.csv")) {
            String head = r.readLine();
            if (head == null || r.lastLineCut() || !head.toLowerCase(Locale.ROOT).contains("neutral")) {
                throw new FerDataException(file + ":1: expected the header " + HEADER + "; got '" + Excerpt.of(head) + "'");
            }
            Map<String, Integer> cols = FerCsv.header(head);
            int first = cols.getOrDefault("neutral", 2);
            Integer cu = cols.get("usage");
            String line;
            while ((line = r.readLine()) != null) {
                long lineNo = r.lineNumber();
                if (r.lastLineCut()) {
                    problems.add(file, lineNo, "line of " + r.lastLineLength() + " characters, more than the "
                            + r.maxChars() + " a fer2013new.csv row can have");
                    out.add(null);
                    continue;
                }
                out.add(voteRow(file, lineNo, line.split(",", -1), first, cu, problems));
            }
        } catch (IOException e) {
            throw DatasetFiles.cannotRead(file, e);
        }
        return out;
    }

    private static VoteRow voteRow(Path file, long lineNo, String[] f, int first, Integer cu, Problems problems) {
        if (f.length < first + VOTES || (cu != null && f.length <= cu)) {
            problems.add(file, lineNo, f.length + " fields, expected " + (first + VOTES) + " (" + HEADER + ")");
            return null;
        }
        Split usage = null;
        if (cu != null) {
            String u = FerCsv.unquote(f[cu]);
            usage = FerCsv.usage(u);
            if (usage == null) {
                problems.add(file, lineNo, "Usage '" + Excerpt.of(u) + "' is not Training, PublicTest or PrivateTest");
                return null;
            }
        }
        double[] v = new double[VOTES];
        for (int k = 0; k < VOTES; k++) {
            String s = f[first + k].strip();
            try {
                v[k] = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                problems.add(file, lineNo, "vote '" + Excerpt.of(s) + "' is not a number");
                return null;
            }
            if (!(v[k] >= 0) || Double.isInfinite(v[k])) {
                problems.add(file, lineNo, "vote count " + Excerpt.of(s) + " is not a count (negative, infinite or NaN)");
                return null;
            }
        }
        return new VoteRow(lineNo, usage, v);
    }

    /**
     * FER+'s majority label (canonical), or -1: votes of 1 or fewer are set to 0; a class wins if its count is more
     * than half of the remaining total; rows whose winner is unknown or NF, or without a winner, are dropped.
     */
    static int majority(double[] votes) {
        double[] v = votes.clone();
        double total = 0;
        for (int k = 0; k < v.length; k++) {
            if (v[k] <= 1) v[k] = 0;
            total += v[k];
        }
        if (total <= 0) return -1;
        for (int k = 0; k < v.length; k++) {
            if (v[k] > total / 2) {
                return k < 8 ? DatasetLabels.FERPLUS_COLUMNS_TO_CANONICAL[k] : -1;
            }
        }
        return -1;
    }
}
