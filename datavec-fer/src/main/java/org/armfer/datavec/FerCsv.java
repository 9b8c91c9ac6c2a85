package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.armfer.io.LineReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rows of a FER2013-style CSV ({@code fer2013.csv} {@code emotion,pixels,Usage}, {@code icml_face_data.csv}
 * {@code emotion, Usage, pixels}, Kaggle's {@code train.csv} {@code emotion,pixels}): columns found by name in the
 * header (any order, blanks and a BOM allowed), fields optionally quoted, 2304 pixel values 0-255 a row.
 */
final class FerCsv {

    static final int SIDE = 48;
    static final int PIXELS = SIDE * SIDE;

    /** One good data row: its line, split, canonical label and pixels. */
    record Row(long line, Split split, int label, PixelsSource image) {
    }

    private FerCsv() {
    }

    /** Lines of a FER2013-style CSV, size-limited. */
    static LineReader open(Path file) {
        return DatasetFiles.lines(file, DatasetFiles.MAX_CSV_BYTES, "a FER2013 CSV file");
    }

    /** Header columns, trimmed and lower-cased, to their index. */
    static Map<String, Integer> header(String line) {
        Map<String, Integer> cols = new HashMap<>();
        String[] h = line.split(",", -1);
        for (int i = 0; i < h.length; i++) cols.put(unquote(h[i]).toLowerCase(Locale.ROOT), i);
        return cols;
    }

    /** A CSV field without surrounding blanks and double quotes (some exports quote the pixels). */
    static String unquote(String field) {
        String s = field.strip();
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"' ? s.substring(1, s.length() - 1).strip() : s;
    }

    /** FER2013's Usage values; null for any other. */
    static Split usage(String u) {
        return switch (u) {
            case "Training" -> Split.TRAIN;
            case "PublicTest" -> Split.VALIDATION;
            case "PrivateTest" -> Split.TEST;
            default -> null;
        };
    }

    /**
     * Every data row of {@code file} in order, null for a blank or bad row (reported); {@code fixed}: the split of
     * every row (Kaggle's train.csv has no Usage column), null to read it from Usage.
     */
    static List<Row> read(Path file, Split fixed, Problems problems) {
        List<Row> rows = new ArrayList<>();
        try (LineReader r = open(file)) {
            String head = r.readLine();
            if (head == null) {
                throw new FerDataException(file + " is empty; expected a header emotion,pixels,Usage");
            }
            Map<String, Integer> cols = header(head);
            Integer ce = cols.get("emotion"), cp = cols.get("pixels"), cu = cols.get("usage");
            if (r.lastLineCut() || ce == null || cp == null || (cu == null && fixed == null)) {
                throw new FerDataException(file + ":1: header '" + Excerpt.of(head) + "' lacks " + (ce == null ? "emotion " : "")
                        + (cp == null ? "pixels " : "") + (cu == null && fixed == null ? "Usage" : "").strip()
                        + "; expected emotion,pixels,Usage (any order)");
            }
            int width = head.split(",", -1).length;
            String line;
            while ((line = r.readLine()) != null) {
                long lineNo = r.lineNumber();
                rows.add(row(file, lineNo, line, r.lastLineCut() ? r.lastLineLength() : -1, width, head, ce, cp, cu, fixed, problems));
            }
        } catch (IOException e) {
            throw DatasetFiles.cannotRead(file, e);
        }
        return rows;
    }

    /** One line as a row, or null after reporting why not; {@code cutLength}: the full length of a cut line, else -1. */
    private static Row row(Path file, long lineNo, String line, long cutLength, int width, String head, int ce, int cp,
                           Integer cu, Split fixed, Problems problems) {
        if (cutLength >= 0) {
            problems.add(file, lineNo, "line of " + cutLength + " characters, more than the " + DatasetFiles.MAX_LINE_CHARS
                    + " a FER2013 row can have");
            return null;
        }
        if (line.isBlank()) {
            return null;
        }
        String[] f = line.split(",", -1);
        if (f.length != width) {
            problems.add(file, lineNo, f.length + " fields, expected " + width + " (" + Excerpt.of(head.strip()) + ")");
            return null;
        }
        Split split = fixed;
        if (split == null) {
            split = usage(unquote(f[cu]));
            if (split == null) {
                problems.add(file, lineNo, "Usage '" + Excerpt.of(unquote(f[cu])) + "' is not Training, PublicTest or PrivateTest");
                return null;
            }
        }
        String e = unquote(f[ce]);
        int emotion;
        try {
            emotion = Integer.parseInt(e);
        } catch (NumberFormatException ex) {
            problems.add(file, lineNo, "emotion '" + Excerpt.of(e) + "' is not a number 0-6");
            return null;
        }
        if (emotion < 0 || emotion > 6) {
            problems.add(file, lineNo, "emotion " + emotion + " out of range 0-6");
            return null;
        }
        byte[] px = pixels(f[cp], file, lineNo, problems);
        if (px == null) {
            return null;
        }
        return new Row(lineNo, split, DatasetLabels.FER2013_TO_CANONICAL[emotion], new PixelsSource(file, px));
    }

    /** 2304 space-separated values 0-255, or null after reporting the problem. */
    static byte[] pixels(String field, Path file, long line, Problems problems) {
        String s = unquote(field);
        byte[] px = new byte[PIXELS];
        int n = 0, i = 0, len = s.length();
        while (i < len) {
            while (i < len && s.charAt(i) == ' ') i++;
            if (i >= len) break;
            int start = i, v = 0;
            while (i < len && s.charAt(i) != ' ') {
                char ch = s.charAt(i);
                if (ch < '0' || ch > '9' || i - start > 2) {
                    int end = s.indexOf(' ', start);
                    String tok = s.substring(start, end < 0 ? len : end);
                    problems.add(file, line, "pixel " + (n + 1) + " '" + Excerpt.of(tok) + "' is not a number 0-255");
                    return null;
                }
                v = v * 10 + (ch - '0');
                i++;
            }
            if (v > 255) {
                problems.add(file, line, "pixel " + (n + 1) + " value " + v + " is out of range 0-255");
                return null;
            }
            if (n < PIXELS) px[n] = (byte) v;
            n++;
        }
        if (n != PIXELS) {
            problems.add(file, line, n + " pixel values, expected " + PIXELS + " (48x48)");
            return null;
        }
        return px;
    }
}
