package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.armfer.io.LineReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * AffectNet's "Manually_Annotated" release: {@code Manually_Annotated_file_lists/training.csv} and
 * {@code validation.csv} (header optional; columns found by name when there is one), images under
 * {@code Manually_Annotated_Images/<subDirectory_filePath>}, each cropped to its face box.
 */
final class AffectNetCsvLayout implements DatasetLayout {

    /** The official column order (validation.csv may come without its header, then this order is assumed). */
    static final String[] COLUMNS = {"subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
            "facial_landmarks", "expression", "valence", "arousal"};
    private static final String[] USED = {"subDirectory_filePath", "face_x", "face_y", "face_width", "face_height", "expression"};

    private static Path lists(Path root) {
        return root.resolve("Manually_Annotated_file_lists");
    }

    private static Path images(Path root) {
        return root.resolve("Manually_Annotated_Images");
    }

    @Override
    public boolean present(Path root) {
        return Files.isDirectory(lists(root));
    }

    @Override
    public List<Path> expected(Path root) {
        return List.of(lists(root).resolve("training.csv"), lists(root).resolve("validation.csv"), images(root));
    }

    @Override
    public Found index(Path root, IndexContext context) {
        Path train = lists(root).resolve("training.csv"), val = lists(root).resolve("validation.csv");
        if (!Files.isRegularFile(train) || !Files.isRegularFile(val) || !Files.isDirectory(images(root))) {
            throw new FerDataException("AffectNet (Manually_Annotated): expected " + train + ", " + val + " and the image folder "
                    + images(root));
        }
        read(train, images(root), Split.TRAIN, context);
        read(val, images(root), Split.VALIDATION, context);
        return new Found("Manually_Annotated_file_lists + Manually_Annotated_Images", EnumSet.of(Split.TRAIN, Split.VALIDATION));
    }

    /** A first line naming any of the official columns is the header (validation.csv may come without one). */
    private static boolean isHeader(String[] fields) {
        for (String f : fields) {
            for (String c : COLUMNS) {
                if (c.equalsIgnoreCase(f.strip())) return true;
            }
        }
        return false;
    }

    private static void read(Path file, Path imageRoot, Split split, IndexContext context) {
        try (LineReader r = DatasetFiles.lines(file, DatasetFiles.MAX_CSV_BYTES, "an AffectNet file list")) {
            // column of path, x, y, w, h, expression: from the header when there is one
            int[] col = {0, 1, 2, 3, 4, 6};
            String line;
            while ((line = r.readLine()) != null) {
                long lineNo = r.lineNumber();
                if (context.cut(file, r) || line.isBlank()) continue;
                String[] f = line.split(",", -1);
                if (lineNo == 1 && isHeader(f)) {
                    col = columns(file, FerCsv.header(line));
                    continue;
                }
                row(file, lineNo, f, col, imageRoot, split, context);
            }
        } catch (IOException e) {
            throw DatasetFiles.cannotRead(file, e);
        }
    }

    private static int[] columns(Path file, Map<String, Integer> header) {
        int[] col = new int[USED.length];
        for (int k = 0; k < USED.length; k++) {
            Integer c = header.get(USED[k].toLowerCase(Locale.ROOT));
            if (c == null) {
                throw new FerDataException(file + ":1: header lacks " + USED[k] + "; expected " + String.join(",", COLUMNS));
            }
            col[k] = c;
        }
        return col;
    }

    private static void row(Path file, long lineNo, String[] f, int[] col, Path imageRoot, Split split, IndexContext context) {
        int need = 0;
        for (int c : col) need = Math.max(need, c + 1);
        if (f.length < need) {
            context.problem(file, lineNo, f.length + " fields, expected " + String.join(",", COLUMNS));
            return;
        }
        String expression = f[col[5]].strip();
        int code;
        try {
            code = Integer.parseInt(expression);
        } catch (NumberFormatException e) {
            context.problem(file, lineNo, "expression '" + Excerpt.of(expression) + "' is not a number 0-10");
            return;
        }
        if (code < 0 || code > 10) {
            context.problem(file, lineNo, "expression " + code + " out of range 0-10");
            return;
        }
        int label = context.affectNetLabel(code);
        if (label < 0) {
            return;
        }
        String rel = f[col[0]].strip();
        Path img = inside(imageRoot, rel);
        if (img == null) {
            context.problem(file, lineNo, "image path '" + Excerpt.of(rel) + "' escapes the dataset root (absolute or ..)");
            return;
        }
        int[] box = new int[4];
        for (int k = 0; k < 4; k++) {
            String v = f[col[1 + k]].strip();
            String bad = null;
            try {
                double d = Double.parseDouble(v);
                if (!Double.isFinite(d) || Math.abs(d) > 1e7) throw new NumberFormatException(v);
                box[k] = (int) Math.round(d);
                if (box[k] < 0 || (k >= 2 && box[k] == 0)) {
                    bad = "is " + (box[k] < 0 ? "negative" : "zero");
                }
            } catch (NumberFormatException e) {
                bad = "is not a number";
            }
            if (bad != null) {
                context.problem(file, lineNo, "face box " + USED[1 + k] + " '" + Excerpt.of(v) + "' " + bad);
                return;
            }
        }
        Path real = context.files.check(img, imageRoot, "image", why -> context.problem(file, lineNo, why));
        if (real != null) {
            context.add(split, new Sample(file, lineNo, label, new FileSource(img, real, box)));
        }
    }

    /** {@code root.resolve(rel)} when it stays inside root (by name; links are checked later), else null. */
    static Path inside(Path root, String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.startsWith("\\") || rel.matches("^[A-Za-z]:.*")) {
            return null;
        }
        Path p = root.resolve(rel).normalize();
        return p.startsWith(root.normalize()) ? p : null;
    }
}
