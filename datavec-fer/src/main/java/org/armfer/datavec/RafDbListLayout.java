package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.armfer.io.LineReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * RAF-DB basic: {@code EmoLabel/list_patition_label.txt} (sic; lines {@code train_00001.jpg 5}, labels 1-7, a BOM
 * allowed) and the aligned images {@code Image/aligned/train_00001_aligned.jpg}; the split is the name's prefix
 * ({@code train} / {@code test}).
 */
final class RafDbListLayout implements DatasetLayout {

    private static Path list(Path root) {
        return root.resolve("EmoLabel").resolve("list_patition_label.txt");
    }

    private static Path images(Path root) {
        return root.resolve("Image").resolve("aligned");
    }

    @Override
    public boolean present(Path root) {
        return Files.isRegularFile(list(root));
    }

    @Override
    public List<Path> expected(Path root) {
        return List.of(list(root), images(root).resolve("<name>_aligned.jpg"));
    }

    @Override
    public Found index(Path root, IndexContext context) {
        Path labels = list(root), images = images(root);
        if (!Files.isDirectory(images)) {
            throw new FerDataException("RAF-DB: " + labels + " found but no image folder " + images);
        }
        try (LineReader r = DatasetFiles.lines(labels, DatasetFiles.MAX_LIST_BYTES, "RAF-DB's label list")) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!context.cut(labels, r) && !line.isBlank()) {
                    row(line, r.lineNumber(), labels, images, context);
                }
            }
        } catch (IOException e) {
            throw DatasetFiles.cannotRead(labels, e);
        }
        return new Found("EmoLabel/list_patition_label.txt + Image/aligned", EnumSet.of(Split.TRAIN, Split.TEST));
    }

    private static void row(String line, long lineNo, Path labels, Path images, IndexContext context) {
        String[] f = line.strip().split("\\s+");
        if (f.length != 2) {
            context.problem(labels, lineNo, "expected '<name>.jpg <label 1-7>', got '" + Excerpt.of(line.strip()) + "'");
            return;
        }
        String name = f[0];
        if (name.contains("/") || name.contains("\\") || name.contains("..")) {
            context.problem(labels, lineNo, "image name '" + Excerpt.of(name) + "' escapes " + images);
            return;
        }
        int label;
        try {
            label = Integer.parseInt(f[1]);
        } catch (NumberFormatException e) {
            context.problem(labels, lineNo, "label '" + Excerpt.of(f[1]) + "' is not a number 1-7");
            return;
        }
        if (label < 1 || label > 7) {
            context.problem(labels, lineNo, "label " + label + " out of range 1-7");
            return;
        }
        Split split = name.startsWith("train") ? Split.TRAIN : name.startsWith("test") ? Split.TEST : null;
        if (split == null) {
            context.problem(labels, lineNo, "image name '" + Excerpt.of(name) + "' starts with neither train nor test");
            return;
        }
        int dot = name.lastIndexOf('.');
        String aligned = (dot < 0 ? name : name.substring(0, dot)) + "_aligned" + (dot < 0 ? ".jpg" : name.substring(dot));
        Path img = images.resolve(aligned);
        // a missing test image fails whoever reads the test split, not a search that reads train and validation
        Path real = context.files.check(img, images, "image", why -> context.problem(split, labels, lineNo, why));
        if (real != null) {
            context.add(split, new Sample(labels, lineNo, DatasetLabels.RAFDB_TO_CANONICAL[label], new FileSource(img, real, null)));
        }
    }
}
