package org.armfer.datavec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * AffectNet's newer release: {@code train_set/images/N.jpg} with {@code train_set/annotations/N_exp.npy} (the
 * expression code, one value), the same under {@code val_set/}; the images are already cropped.
 */
final class AffectNetNpyLayout implements DatasetLayout {

    @Override
    public boolean present(Path root) {
        return Files.isDirectory(root.resolve("train_set")) || Files.isDirectory(root.resolve("val_set"));
    }

    @Override
    public List<Path> expected(Path root) {
        return List.of(root.resolve("train_set").resolve("images").resolve("N.jpg"),
                root.resolve("train_set").resolve("annotations").resolve("N_exp.npy"),
                root.resolve("val_set").resolve("images").resolve("N.jpg"),
                root.resolve("val_set").resolve("annotations").resolve("N_exp.npy"));
    }

    @Override
    public Found index(Path root, IndexContext context) {
        read(root.resolve("train_set"), Split.TRAIN, context);
        read(root.resolve("val_set"), Split.VALIDATION, context);
        return new Found("train_set/val_set with images/ and annotations/*_exp.npy", EnumSet.of(Split.TRAIN, Split.VALIDATION));
    }

    private static void read(Path setDir, Split split, IndexContext context) {
        Path images = setDir.resolve("images"), annotations = setDir.resolve("annotations");
        if (!Files.isDirectory(images) || !Files.isDirectory(annotations)) {
            throw new FerDataException("AffectNet: expected " + images + " and " + annotations);
        }
        for (Path img : DatasetFiles.list(images, p -> !Files.isDirectory(p), AffectNetNpyLayout::byNumber)) {
            if (!DatasetFiles.isImageName(img)) {
                context.problem(img, 0, "not an image file (expected " + DatasetFiles.IMAGE_EXTENSIONS + ")");
                continue;
            }
            Path realImage = context.files.check(img, images, "image", why -> context.problem(img, 0, why));
            if (realImage == null) {
                continue;
            }
            String name = img.getFileName().toString();
            Path exp = annotations.resolve(name.substring(0, name.lastIndexOf('.')) + "_exp.npy");
            if (!Files.exists(exp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                context.problem(img, 0, "no annotation " + exp);
                continue;
            }
            Path realExp = context.files.check(exp, annotations, "annotation", why -> context.problem(exp, 0, why));
            if (realExp == null) {
                continue;
            }
            long code;
            try {
                code = Npy.readLong(realExp, exp);
            } catch (IOException | IllegalArgumentException e) {
                context.problem(exp, 0, e.getMessage());
                continue;
            }
            if (code < 0 || code > 10) {
                context.problem(exp, 0, "expression " + code + " out of range 0-10");
                continue;
            }
            int label = context.affectNetLabel((int) code);
            if (label >= 0) {
                context.add(split, new Sample(exp, 0, label, new FileSource(img, realImage, null)));
            }
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
}
