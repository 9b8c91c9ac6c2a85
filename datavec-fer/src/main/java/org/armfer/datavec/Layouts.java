package org.armfer.datavec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds and indexes each dataset's real on-disk layouts (see DATASETS.md and this module's README). A wrong root
 * says which files were expected where.
 */
final class Layouts {

    private static final Logger log = LoggerFactory.getLogger(Layouts.class);

    static final int FER_SIDE = 48;
    static final int FER_PIXELS = FER_SIDE * FER_SIDE;
    static final String KAGGLE_LAYOUT = "Kaggle train.csv";
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private Layouts() {
    }

    /** Collects problems under the policy: STRICT throws on the first. */
    static final class Problems {
        final SkipPolicy policy;
        final List<Problem> list = new ArrayList<>();
        final Map<String, Integer> excluded = new LinkedHashMap<>();

        Problems(SkipPolicy policy) {
            this.policy = policy;
        }

        void add(Path file, long line, String reason) {
            Problem p = new Problem(file, line, reason);
            if (policy == SkipPolicy.STRICT) {
                throw new FerDataException(p);
            }
            list.add(p);
        }

        void exclude(String rule) {
            excluded.merge(rule, 1, Integer::sum);
        }
    }

    /** What the caller chose about the layout: which one ({@link FerLayout#AUTO}: detect), and class-folder names. */
    record Options(FerLayout layout, Map<String, FerLabel> folderLabels) {
        static final Options AUTO = new Options(FerLayout.AUTO, null);

        Options {
            layout = layout == null ? FerLayout.AUTO : layout;
            if (folderLabels != null) {
                Map<String, FerLabel> m = new LinkedHashMap<>();
                folderLabels.forEach((k, v) -> m.put(k.strip().toLowerCase(Locale.ROOT), v));
                folderLabels = java.util.Collections.unmodifiableMap(m);
            }
        }

        boolean tries(FerLayout l) {
            return layout == FerLayout.AUTO || layout == l;
        }

        /** For cache keys. */
        String key() {
            return layout + "|" + (folderLabels == null ? "default" : new java.util.TreeMap<>(folderLabels).toString());
        }
    }

    static DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy) {
        return index(dataset, root, policy, Options.AUTO);
    }

    static DatasetIndex index(FerDataset dataset, Path root, SkipPolicy policy, Options options) {
        if (root == null || !Files.isDirectory(root)) {
            throw new FerDataException("Dataset root " + root + " is not a directory" + (root != null && Files.exists(root)
                    ? "" : " (it does not exist)") + "; " + dataset.cliName() + " expects " + expectedAnyLayout(dataset,
                    root == null ? Path.of("<root>") : root, options));
        }
        if (!options.layout().appliesTo(dataset)) {
            throw new IllegalArgumentException("Layout " + options.layout() + " does not hold " + dataset.cliName()
                    + "; its layouts: " + FerLayout.forDataset(dataset));
        }
        Problems problems = new Problems(policy);
        Map<Split, List<Sample>> samples = new EnumMap<>(Split.class);
        for (Split s : Split.values()) samples.put(s, new ArrayList<>());
        String layout = switch (dataset) {
            case DEMO, FER2013 -> fer2013(dataset, root, samples, problems, options);
            case FERPLUS -> ferPlus(root, samples, problems, options);
            case RAFDB -> rafDb(root, samples, problems, options);
            case AFFECTNET7, AFFECTNET8 -> affectNet(dataset, root, samples, problems, options);
        };
        DatasetIndex index = new DatasetIndex(dataset, root, layout, samples, problems.list, problems.excluded);
        if (!problems.list.isEmpty()) {
            log.warn("{} at {}: {} bad rows or files skipped, by kind {} (first: {}); DatasetCheck lists them all",
                    dataset.cliName(), root, problems.list.size(), kinds(problems.list), problems.list.get(0));
        }
        if (!problems.excluded.isEmpty()) {
            log.info("{} at {}: rows left out by rule: {}", dataset.cliName(), root, problems.excluded);
        }
        return index;
    }

    /** Problems counted by the first words of their reason (e.g. "image file missing": 3). */
    static Map<String, Integer> kinds(List<Problem> problems) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (Problem p : problems) {
            String r = p.reason().replaceAll("'[^']*'", "''").replaceAll("[0-9]+", "N");
            String[] w = r.split("\\s+");
            out.merge(String.join(" ", Arrays.copyOf(w, Math.min(w.length, 4))), 1, Integer::sum);
        }
        return out;
    }

    /** What a layout expects where, for messages. */
    static String expected(FerLayout layout, FerDataset dataset, Path root) {
        return switch (layout) {
            case FER2013_CSV -> root.resolve("fer2013.csv") + " (or " + root.resolve("icml_face_data.csv") + ")";
            case KAGGLE_CSV -> root.resolve("train.csv") + " (Kaggle: emotion,pixels)";
            case FERPLUS_CSV -> root.resolve("fer2013.csv") + " together with " + root.resolve("fer2013new.csv");
            case RAFDB_LIST -> root.resolve("EmoLabel").resolve("list_patition_label.txt") + " with images "
                    + root.resolve("Image").resolve("aligned").resolve("<name>_aligned.jpg");
            case AFFECTNET_CSV -> root.resolve("Manually_Annotated_file_lists").resolve("training.csv") + " and validation.csv"
                    + " there, with images under " + root.resolve("Manually_Annotated_Images");
            case AFFECTNET_NPY -> root.resolve("train_set") + "/{images/N.jpg, annotations/N_exp.npy} and "
                    + root.resolve("val_set") + "/...";
            case FOLDERS -> "folders " + root.resolve("train") + "/<class>/<image> and " + root.resolve(
                    dataset.splits().contains(Split.TEST) ? "test" : "val") + "/<class>/... (class = " + folderClassHelp(dataset) + ")";
            case AUTO -> expectedAnyLayout(dataset, root, Options.AUTO);
        };
    }

    private static String expectedAnyLayout(FerDataset dataset, Path root, Options options) {
        List<String> parts = new ArrayList<>();
        for (FerLayout l : FerLayout.forDataset(dataset)) {
            if (l != FerLayout.AUTO && options.tries(l)) parts.add(expected(l, dataset, root));
        }
        return String.join("; or ", parts);
    }

    private static String folderClassHelp(FerDataset dataset) {
        String numbers = switch (dataset) {
            case DEMO, FER2013 -> "0-6 in FER2013's order";
            case FERPLUS -> "0-7 in FER+'s column order";
            case RAFDB -> "1-7 in RAF-DB's order";
            case AFFECTNET7, AFFECTNET8 -> "0-7 in AffectNet's order";
        };
        return "a class name such as angry, disgust, fear, happy, sad, surprise, neutral, contempt, or " + numbers;
    }

    // ---------------------------------------------------------------------------------------------- FER2013

    private static String fer2013(FerDataset dataset, Path root, Map<Split, List<Sample>> out, Problems problems, Options o) {
        if (o.tries(FerLayout.FER2013_CSV)) {
            for (String name : new String[]{"fer2013.csv", "icml_face_data.csv"}) {
                Path f = root.resolve(name);
                if (Files.isRegularFile(f)) {
                    readFerCsv(f, out, problems, null);
                    return name;
                }
            }
        }
        if (o.tries(FerLayout.KAGGLE_CSV)) {
            Path kaggle = root.resolve("train.csv");
            if (Files.isRegularFile(kaggle)) {
                readFerCsv(kaggle, out, problems, Split.TRAIN);
                return KAGGLE_LAYOUT + " (training split only; Kaggle's test.csv has no labels)";
            }
        }
        if (o.tries(FerLayout.FOLDERS) && folderLayout(dataset, root, out, problems, o)) {
            return "folder per class";
        }
        String hint = Files.isRegularFile(root.resolve("test.csv"))
                ? ". " + root.resolve("test.csv") + " is Kaggle's unlabelled test set: it can be predicted (FerCsvImages), not trained or evaluated on"
                : "";
        throw new FerDataException("No " + dataset.cliName() + " data under " + root + ": expected " + expectedAnyLayout(dataset, root, o) + hint);
    }

    /** Header columns of a FER2013-style CSV, trimmed and lower-cased, to their index. */
    private static Map<String, Integer> header(String line) {
        Map<String, Integer> cols = new HashMap<>();
        String[] h = line.split(",", -1);
        for (int i = 0; i < h.length; i++) cols.put(h[i].strip().toLowerCase(Locale.ROOT), i);
        return cols;
    }

    /** Reads fer2013.csv / icml_face_data.csv / Kaggle train.csv rows into samples; {@code fixed}: split of every row. */
    static List<int[]> readFerCsv(Path file, Map<Split, List<Sample>> out, Problems problems, Split fixed) {
        List<int[]> rowInfo = new ArrayList<>(); // per data row: {split ordinal or -1, canonical label or -1}
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String head = r.readLine();
            if (head == null) {
                throw new FerDataException(file + " is empty; expected a header emotion,pixels,Usage");
            }
            Map<String, Integer> cols = header(head.replace("\uFEFF", ""));
            Integer ce = cols.get("emotion"), cp = cols.get("pixels"), cu = cols.get("usage");
            if (ce == null || cp == null || (cu == null && fixed == null)) {
                throw new FerDataException(file + ":1: header '" + head + "' lacks " + (ce == null ? "emotion " : "")
                        + (cp == null ? "pixels " : "") + (cu == null && fixed == null ? "Usage" : "").strip()
                        + "; expected emotion,pixels,Usage (any order)");
            }
            int width = cols.size();
            String line;
            long lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    rowInfo.add(new int[]{-1, -1});
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != width) {
                    problems.add(file, lineNo, f.length + " fields, expected " + width + " (" + head.strip() + ")");
                    rowInfo.add(new int[]{-1, -1});
                    continue;
                }
                Split split = fixed;
                if (split == null) {
                    split = usage(unquote(f[cu]));
                    if (split == null) {
                        problems.add(file, lineNo, "Usage '" + unquote(f[cu]) + "' is not Training, PublicTest or PrivateTest");
                        rowInfo.add(new int[]{-1, -1});
                        continue;
                    }
                }
                int emotion;
                try {
                    emotion = Integer.parseInt(unquote(f[ce]));
                } catch (NumberFormatException e) {
                    problems.add(file, lineNo, "emotion '" + unquote(f[ce]) + "' is not a number 0-6");
                    rowInfo.add(new int[]{split.ordinal(), -1});
                    continue;
                }
                if (emotion < 0 || emotion > 6) {
                    problems.add(file, lineNo, "emotion " + emotion + " out of range 0-6");
                    rowInfo.add(new int[]{split.ordinal(), -1});
                    continue;
                }
                byte[] px = pixels(f[cp], file, lineNo, problems);
                if (px == null) {
                    rowInfo.add(new int[]{split.ordinal(), -1});
                    continue;
                }
                int label = DatasetLabels.FER2013_TO_CANONICAL[emotion];
                out.get(split).add(new Sample(file, lineNo, label, new PixelsSource(file, px)));
                rowInfo.add(new int[]{split.ordinal(), label, out.get(split).size() - 1});
            }
        } catch (IOException e) {
            throw new FerDataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return rowInfo;
    }

    private static Split usage(String u) {
        switch (u) {
            case "Training":
                return Split.TRAIN;
            case "PublicTest":
                return Split.VALIDATION;
            case "PrivateTest":
                return Split.TEST;
            default:
                return null;
        }
    }

    /** A CSV field without surrounding blanks and double quotes (some exports quote the pixels). */
    static String unquote(String field) {
        String s = field.strip();
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"' ? s.substring(1, s.length() - 1).strip() : s;
    }

    /** 2304 space-separated values 0-255, or null after reporting the problem. */
    static byte[] pixels(String field, Path file, long line, Problems problems) {
        String s = unquote(field);
        byte[] px = new byte[FER_PIXELS];
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
                    problems.add(file, line, "pixel " + (n + 1) + " '" + tok + "' is not a number 0-255");
                    return null;
                }
                v = v * 10 + (ch - '0');
                i++;
            }
            if (v > 255) {
                problems.add(file, line, "pixel " + (n + 1) + " value " + v + " is out of range 0-255");
                return null;
            }
            if (n < FER_PIXELS) px[n] = (byte) v;
            n++;
        }
        if (n != FER_PIXELS) {
            problems.add(file, line, n + " pixel values, expected " + FER_PIXELS + " (48x48)");
            return null;
        }
        return px;
    }

    /** A FER2013 row's 48x48 gray pixels. */
    record PixelsSource(Path file, byte[] pixels) implements Sample.ImageSource {
        @Override
        public Sample.RawImage load() {
            float[] f = new float[pixels.length];
            for (int i = 0; i < f.length; i++) f[i] = pixels[i] & 0xFF;
            return new Sample.RawImage(1, FER_SIDE, FER_SIDE, f);
        }
    }

    // ---------------------------------------------------------------------------------------------- FER+

    /** FER+'s vote columns in fer2013new.csv: 8 emotions, unknown, NF. */
    static final int FERPLUS_VOTES = 10;

    private static String ferPlus(Path root, Map<Split, List<Sample>> out, Problems problems, Options o) {
        Path votes = root.resolve("fer2013new.csv");
        Path images = Files.isRegularFile(root.resolve("fer2013.csv")) ? root.resolve("fer2013.csv") : root.resolve("icml_face_data.csv");
        boolean csvLayout = o.tries(FerLayout.FERPLUS_CSV) && (Files.isRegularFile(votes) || Files.isRegularFile(images));
        if (!csvLayout) {
            if (o.tries(FerLayout.FOLDERS) && folderLayout(FerDataset.FERPLUS, root, out, problems, o)) {
                return "folder per class";
            }
            throw new FerDataException("No ferplus data under " + root + ": expected " + expectedAnyLayout(FerDataset.FERPLUS, root, o));
        }
        if (!Files.isRegularFile(votes) || !Files.isRegularFile(images)) {
            throw new FerDataException("FER+ needs both " + root.resolve("fer2013.csv") + " (the images) and "
                    + votes + " (FER+'s votes, same row order)" + (Files.isRegularFile(votes) ? "; fer2013.csv is missing"
                    : "; fer2013new.csv is missing"));
        }
        Map<Split, List<Sample>> fer = new EnumMap<>(Split.class);
        for (Split s : Split.values()) fer.put(s, new ArrayList<>());
        List<int[]> rows = readFerCsv(images, fer, problems, null);
        List<double[]> voteRows = readVotes(votes, problems);
        if (voteRows.size() != rows.size()) {
            throw new FerDataException(votes + " has " + voteRows.size() + " data rows but " + images + " has " + rows.size()
                    + "; FER+ labels rows by position, so both must come from the same release");
        }
        for (int i = 0; i < rows.size(); i++) {
            int[] row = rows.get(i);
            double[] v = voteRows.get(i);
            if (row[0] < 0 || row.length < 3 || v == null) {
                continue; // a bad image row or vote row, already reported
            }
            int label = majority(v);
            if (label < 0) {
                problems.exclude("FER+ majority rule (no majority, or unknown / not a face)");
                continue;
            }
            Sample s = fer.get(Split.values()[row[0]]).get(row[2]);
            out.get(Split.values()[row[0]]).add(new Sample(votes, i + 2L, label, s.image()));
        }
        return "fer2013.csv + fer2013new.csv";
    }

    /** Vote rows of fer2013new.csv (null for a bad row, reported). */
    static List<double[]> readVotes(Path file, Problems problems) {
        List<double[]> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String head = r.readLine();
            if (head == null || !head.toLowerCase(Locale.ROOT).contains("neutral")) {
                throw new FerDataException(file + ":1: expected the header Usage,Image name,neutral,happiness,surprise,"
                        + "sadness,anger,disgust,fear,contempt,unknown,NF; got '" + head + "'");
            }
            int first = header(head).getOrDefault("neutral", 2);
            String line;
            long lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String[] f = line.split(",", -1);
                if (f.length < first + FERPLUS_VOTES) {
                    problems.add(file, lineNo, f.length + " fields, expected " + (first + FERPLUS_VOTES));
                    out.add(null);
                    continue;
                }
                double[] v = new double[FERPLUS_VOTES];
                boolean ok = true;
                for (int k = 0; k < FERPLUS_VOTES && ok; k++) {
                    try {
                        v[k] = Double.parseDouble(f[first + k].strip());
                        if (v[k] < 0) {
                            problems.add(file, lineNo, "negative vote count " + f[first + k].strip());
                            ok = false;
                        }
                    } catch (NumberFormatException e) {
                        problems.add(file, lineNo, "vote '" + f[first + k].strip() + "' is not a number");
                        ok = false;
                    }
                }
                out.add(ok ? v : null);
            }
        } catch (IOException e) {
            throw new FerDataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
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

    // ---------------------------------------------------------------------------------------------- RAF-DB

    private static String rafDb(Path root, Map<Split, List<Sample>> out, Problems problems, Options o) {
        Path labels = root.resolve("EmoLabel").resolve("list_patition_label.txt");
        Path images = root.resolve("Image").resolve("aligned");
        if (o.tries(FerLayout.RAFDB_LIST) && Files.isRegularFile(labels)) {
            if (!Files.isDirectory(images)) {
                throw new FerDataException("RAF-DB: " + labels + " found but no image folder " + images);
            }
            try (BufferedReader r = Files.newBufferedReader(labels, StandardCharsets.UTF_8)) {
                String line;
                long lineNo = 0;
                while ((line = r.readLine()) != null) {
                    lineNo++;
                    if (line.isBlank()) continue;
                    String[] f = line.strip().split("\\s+");
                    if (f.length != 2) {
                        problems.add(labels, lineNo, "expected '<name>.jpg <label 1-7>', got '" + line.strip() + "'");
                        continue;
                    }
                    String name = f[0];
                    if (name.contains("/") || name.contains("\\") || name.contains("..")) {
                        problems.add(labels, lineNo, "image name '" + name + "' escapes " + images);
                        continue;
                    }
                    int label;
                    try {
                        label = Integer.parseInt(f[1]);
                    } catch (NumberFormatException e) {
                        problems.add(labels, lineNo, "label '" + f[1] + "' is not a number 1-7");
                        continue;
                    }
                    if (label < 1 || label > 7) {
                        problems.add(labels, lineNo, "label " + label + " out of range 1-7");
                        continue;
                    }
                    Split split = name.startsWith("train") ? Split.TRAIN : name.startsWith("test") ? Split.TEST : null;
                    if (split == null) {
                        problems.add(labels, lineNo, "image name '" + name + "' starts with neither train nor test");
                        continue;
                    }
                    int dot = name.lastIndexOf('.');
                    String aligned = (dot < 0 ? name : name.substring(0, dot)) + "_aligned" + (dot < 0 ? ".jpg" : name.substring(dot));
                    Path img = images.resolve(aligned);
                    if (!Files.isRegularFile(img)) {
                        problems.add(labels, lineNo, "image file missing: " + img);
                        continue;
                    }
                    out.get(split).add(new Sample(labels, lineNo, DatasetLabels.RAFDB_TO_CANONICAL[label], new FileSource(img, null)));
                }
            } catch (IOException e) {
                throw new FerDataException("Cannot read " + labels + ": " + e.getMessage(), e);
            }
            return "EmoLabel/list_patition_label.txt + Image/aligned";
        }
        if (o.tries(FerLayout.FOLDERS) && folderLayout(FerDataset.RAFDB, root, out, problems, o)) {
            return "folder per class";
        }
        throw new FerDataException("No rafdb data under " + root + ": expected " + expectedAnyLayout(FerDataset.RAFDB, root, o));
    }

    // ---------------------------------------------------------------------------------------------- AffectNet

    private static String affectNet(FerDataset dataset, Path root, Map<Split, List<Sample>> out, Problems problems, Options o) {
        Path lists = root.resolve("Manually_Annotated_file_lists");
        Path imageRoot = root.resolve("Manually_Annotated_Images");
        if (o.tries(FerLayout.AFFECTNET_CSV) && Files.isDirectory(lists)) {
            Path train = lists.resolve("training.csv"), val = lists.resolve("validation.csv");
            if (!Files.isRegularFile(train) || !Files.isRegularFile(val) || !Files.isDirectory(imageRoot)) {
                throw new FerDataException("AffectNet (Manually_Annotated): expected " + train + ", " + val + " and the image folder "
                        + imageRoot);
            }
            affectNetCsv(dataset, train, imageRoot, out.get(Split.TRAIN), problems);
            affectNetCsv(dataset, val, imageRoot, out.get(Split.VALIDATION), problems);
            return "Manually_Annotated_file_lists + Manually_Annotated_Images";
        }
        if (o.tries(FerLayout.AFFECTNET_NPY) && (Files.isDirectory(root.resolve("train_set")) || Files.isDirectory(root.resolve("val_set")))) {
            affectNetNpy(dataset, root.resolve("train_set"), out.get(Split.TRAIN), problems);
            affectNetNpy(dataset, root.resolve("val_set"), out.get(Split.VALIDATION), problems);
            return "train_set/val_set with images/ and annotations/*_exp.npy";
        }
        if (o.tries(FerLayout.FOLDERS) && folderLayout(dataset, root, out, problems, o)) {
            return "folder per class";
        }
        throw new FerDataException("No " + dataset.cliName() + " data under " + root + ": expected " + expectedAnyLayout(dataset, root, o));
    }

    /** Keeps an AffectNet expression code per the task, counting what a rule leaves out; -1 when not kept. */
    private static int affectNetLabel(FerDataset dataset, int code) {
        if (code >= 8) {
            return -2;
        }
        if (code == 7 && dataset.numClasses() == 7) {
            return -3;
        }
        return code;
    }

    /** The official column order (validation.csv may come without its header, then this order is assumed). */
    static final String[] AFFECTNET_COLUMNS = {"subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
            "facial_landmarks", "expression", "valence", "arousal"};
    private static final String[] AFFECTNET_USED = {"subDirectory_filePath", "face_x", "face_y", "face_width", "face_height", "expression"};

    /** A first line naming any of the official columns is the header (validation.csv may come without one). */
    private static boolean isAffectNetHeader(String[] fields) {
        for (String f : fields) {
            String n = f.strip().replace("\uFEFF", "");
            for (String c : AFFECTNET_COLUMNS) {
                if (c.equalsIgnoreCase(n)) return true;
            }
        }
        return false;
    }

    private static void affectNetCsv(FerDataset dataset, Path file, Path imageRoot, List<Sample> out, Problems problems) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            // column of path, x, y, w, h, expression: from the header when there is one
            int[] col = {0, 1, 2, 3, 4, 6};
            int need = 7;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                if (lineNo == 1 && isAffectNetHeader(f)) {
                    Map<String, Integer> h = header(line.replace("\uFEFF", ""));
                    need = 0;
                    for (int k = 0; k < AFFECTNET_USED.length; k++) {
                        Integer c = h.get(AFFECTNET_USED[k].toLowerCase(Locale.ROOT));
                        if (c == null) {
                            throw new FerDataException(file + ":1: header lacks " + AFFECTNET_USED[k] + "; expected "
                                    + String.join(",", AFFECTNET_COLUMNS));
                        }
                        col[k] = c;
                        need = Math.max(need, c + 1);
                    }
                    continue;
                }
                if (f.length < need) {
                    problems.add(file, lineNo, f.length + " fields, expected " + String.join(",", AFFECTNET_COLUMNS));
                    continue;
                }
                int code;
                String expression = f[col[5]].strip();
                try {
                    code = Integer.parseInt(expression);
                } catch (NumberFormatException e) {
                    problems.add(file, lineNo, "expression '" + expression + "' is not a number 0-10");
                    continue;
                }
                if (code < 0 || code > 10) {
                    problems.add(file, lineNo, "expression " + code + " out of range 0-10");
                    continue;
                }
                int label = affectNetLabel(dataset, code);
                if (label == -2) {
                    problems.exclude("AffectNet expression codes 8-10 (None, Uncertain, No-Face)");
                    continue;
                }
                if (label == -3) {
                    problems.exclude("contempt (7-class task)");
                    continue;
                }
                String rel = f[col[0]].strip();
                Path img = inside(imageRoot, rel);
                if (img == null) {
                    problems.add(file, lineNo, "image path '" + rel + "' escapes the dataset root (absolute or ..)");
                    continue;
                }
                int[] box = new int[4];
                String bad = null;
                for (int k = 0; k < 4 && bad == null; k++) {
                    String v = f[col[1 + k]].strip();
                    String name = AFFECTNET_USED[1 + k];
                    try {
                        double d = Double.parseDouble(v);
                        if (!Double.isFinite(d) || Math.abs(d) > 1e7) throw new NumberFormatException(v);
                        box[k] = (int) Math.round(d);
                        if (box[k] < 0 || (k >= 2 && box[k] == 0)) {
                            bad = "face box " + name + " '" + v + "' is " + (box[k] < 0 ? "negative" : "zero");
                        }
                    } catch (NumberFormatException e) {
                        bad = "face box " + name + " '" + v + "' is not a number";
                    }
                }
                if (bad != null) {
                    problems.add(file, lineNo, bad);
                    continue;
                }
                if (!Files.isRegularFile(img)) {
                    problems.add(file, lineNo, "image file missing: " + img);
                    continue;
                }
                out.add(new Sample(file, lineNo, label, new FileSource(img, box)));
            }
        } catch (IOException e) {
            throw new FerDataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code root.resolve(rel)} when it stays inside root, else null. */
    static Path inside(Path root, String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.startsWith("\\") || rel.matches("^[A-Za-z]:.*")) {
            return null;
        }
        Path p = root.resolve(rel).normalize();
        return p.startsWith(root.normalize()) ? p : null;
    }

    private static void affectNetNpy(FerDataset dataset, Path setDir, List<Sample> out, Problems problems) {
        Path images = setDir.resolve("images"), annotations = setDir.resolve("annotations");
        if (!Files.isDirectory(images) || !Files.isDirectory(annotations)) {
            throw new FerDataException("AffectNet: expected " + images + " and " + annotations);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted(Layouts::byNumber).toList();
        } catch (IOException e) {
            throw new FerDataException("Cannot list " + images + ": " + e.getMessage(), e);
        }
        for (Path img : files) {
            String name = img.getFileName().toString();
            int dot = name.lastIndexOf('.');
            String stem = dot < 0 ? name : name.substring(0, dot);
            if (!IMAGE_EXTENSIONS.contains(dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
                problems.add(img, 0, "not an image file (expected " + IMAGE_EXTENSIONS + ")");
                continue;
            }
            Path exp = annotations.resolve(stem + "_exp.npy");
            if (!Files.isRegularFile(exp)) {
                problems.add(img, 0, "no annotation " + exp);
                continue;
            }
            int code;
            try {
                code = Npy.readInt(exp);
            } catch (IOException | IllegalArgumentException e) {
                problems.add(exp, 0, e.getMessage());
                continue;
            }
            if (code < 0 || code > 10) {
                problems.add(exp, 0, "expression " + code + " out of range 0-10");
                continue;
            }
            int label = affectNetLabel(dataset, code);
            if (label == -2) {
                problems.exclude("AffectNet expression codes 8-10 (None, Uncertain, No-Face)");
                continue;
            }
            if (label == -3) {
                problems.exclude("contempt (7-class task)");
                continue;
            }
            out.add(new Sample(exp, 0, label, new FileSource(img, null)));
        }
    }

    /** Numeric file names in numeric order (10.jpg after 9.jpg), others after, by name. */
    private static int byNumber(Path a, Path b) {
        String x = a.getFileName().toString(), y = b.getFileName().toString();
        String nx = x.replaceAll("\\..*$", ""), ny = y.replaceAll("\\..*$", "");
        boolean dx = nx.matches("\\d{1,18}"), dy = ny.matches("\\d{1,18}");
        if (dx && dy) return Long.compare(Long.parseLong(nx), Long.parseLong(ny));
        if (dx != dy) return dx ? -1 : 1;
        return x.compareTo(y);
    }

    // ---------------------------------------------------------------------------------------------- folders

    /** Split folder names per split, in the order tried. */
    static final Map<Split, List<String>> SPLIT_FOLDERS = Map.of(
            Split.TRAIN, List.of("train", "Training", "training"),
            Split.VALIDATION, List.of("val", "valid", "validation", "PublicTest"),
            Split.TEST, List.of("test", "PrivateTest"));

    /**
     * Folder-per-class copies: {@code <root>/<split>/<class>/<image>}, class = a name of
     * {@link DatasetLabels#FOLDER_NAMES} or a number in the dataset's own numbering. False when there is no train folder.
     */
    static boolean folderLayout(FerDataset dataset, Path root, Map<Split, List<Sample>> out, Problems problems, Options o) {
        boolean any = false;
        for (Split split : Split.values()) {
            for (String name : SPLIT_FOLDERS.get(split)) {
                Path dir = root.resolve(name);
                if (!Files.isDirectory(dir)) continue;
                // RAF-DB's and AffectNet's folder copies call their held-out split "valid"/"val"; it is their test split
                Split target = split;
                if (split == Split.VALIDATION && !dataset.splits().contains(Split.VALIDATION)) target = Split.TEST;
                if (split == Split.TEST && !dataset.splits().contains(Split.TEST)) target = Split.VALIDATION;
                if (!out.get(target).isEmpty()) continue;
                any |= split == Split.TRAIN;
                readClassFolders(dataset, dir, out.get(target), problems, o);
                break;
            }
        }
        return any;
    }

    private static void readClassFolders(FerDataset dataset, Path splitDir, List<Sample> out, Problems problems, Options o) {
        List<Path> classes;
        try (Stream<Path> s = Files.list(splitDir)) {
            classes = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new FerDataException("Cannot list " + splitDir + ": " + e.getMessage(), e);
        }
        for (Path c : classes) {
            String folder = c.getFileName().toString();
            int label;
            if (o.folderLabels() != null) {
                FerLabel l = o.folderLabels().get(folder.strip().toLowerCase(Locale.ROOT));
                label = l == null ? -1 : l.ordinal();
            } else {
                label = DatasetLabels.folderLabel(dataset, folder);
            }
            if (label < 0) {
                throw new FerDataException("Class folder " + c + " names no class of " + dataset.cliName() + "; allowed: "
                        + (o.folderLabels() != null ? "the given folder mapping " + new java.util.TreeMap<>(o.folderLabels())
                        : folderClassHelp(dataset) + " (all names: " + new java.util.TreeSet<>(DatasetLabels.FOLDER_NAMES.keySet()) + ")"));
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(c)) {
                files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            } catch (IOException e) {
                throw new FerDataException("Cannot list " + c + ": " + e.getMessage(), e);
            }
            for (Path f : files) {
                String n = f.getFileName().toString();
                int dot = n.lastIndexOf('.');
                if (!IMAGE_EXTENSIONS.contains(dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT))) {
                    problems.add(f, 0, "not an image file (expected " + IMAGE_EXTENSIONS + ")");
                    continue;
                }
                if (label >= dataset.numClasses()) {
                    problems.exclude("contempt (7-class task)");
                    continue;
                }
                out.add(new Sample(f, 0, label, new FileSource(f, null)));
            }
        }
    }

    /** An image file, optionally cropped to a face box {x, y, w, h}. */
    record FileSource(Path file, int[] box) implements Sample.ImageSource {
        @Override
        public Sample.RawImage load() {
            java.awt.image.BufferedImage img = Images.read(file);
            if (box != null && (box[0] + box[2] > img.getWidth() || box[1] + box[3] > img.getHeight())) {
                throw new FerDataException(new Problem(file, 0, "face box x=" + box[0] + " y=" + box[1] + " w=" + box[2] + " h=" + box[3]
                        + " lies outside the " + img.getWidth() + "x" + img.getHeight() + " image"));
            }
            return Images.raw(img, box);
        }

        @Override
        public String toString() {
            return file + (box == null ? "" : " box " + Arrays.toString(box));
        }
    }
}
