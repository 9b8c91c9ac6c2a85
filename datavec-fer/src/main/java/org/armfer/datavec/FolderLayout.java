package org.armfer.datavec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Folder-per-class copies of any dataset: {@code <root>/<split>/<class>/<image>}, class = a name of
 * {@link DatasetLabels#FOLDER_NAMES} or a number in the dataset's own numbering (or the caller's explicit mapping).
 * Labels never come from the order of a directory listing. The splits are the split folders present.
 */
final class FolderLayout implements DatasetLayout {

    /** Split folder names per split, in the order tried. */
    static final Map<Split, List<String>> SPLIT_FOLDERS = Map.of(
            Split.TRAIN, List.of("train", "Training", "training"),
            Split.VALIDATION, List.of("val", "valid", "validation", "PublicTest"),
            Split.TEST, List.of("test", "PrivateTest"));

    private final FerDataset dataset;

    FolderLayout(FerDataset dataset) {
        this.dataset = dataset;
    }

    @Override
    public boolean present(Path root) {
        return SPLIT_FOLDERS.get(Split.TRAIN).stream().anyMatch(n -> Files.isDirectory(root.resolve(n)));
    }

    @Override
    public List<Path> expected(Path root) {
        String held = dataset.splits().contains(Split.TEST) ? "test" : "val";
        return List.of(root.resolve("train").resolve("<class>").resolve("<image>"), root.resolve(held).resolve("<class>").resolve("<image>"));
    }

    @Override
    public String note() {
        return "class = " + classHelp(dataset);
    }

    static String classHelp(FerDataset dataset) {
        String numbers = switch (dataset) {
            case DEMO, FER2013 -> "0-6 in FER2013's order";
            case FERPLUS -> "0-7 in FER+'s column order";
            case RAFDB -> "1-7 in RAF-DB's order";
            case AFFECTNET7, AFFECTNET8 -> "0-7 in AffectNet's order";
        };
        return "a class name such as angry, disgust, fear, happy, sad, surprise, neutral, contempt, or " + numbers;
    }

    @Override
    public Found index(Path root, IndexContext context) {
        Set<Split> found = EnumSet.noneOf(Split.class);
        for (Split split : Split.values()) {
            for (String name : SPLIT_FOLDERS.get(split)) {
                Path dir = root.resolve(name);
                if (!Files.isDirectory(dir)) continue;
                // RAF-DB's and AffectNet's folder copies call their held-out split "valid"/"val"; it is their test split
                Split target = split;
                if (split == Split.VALIDATION && !dataset.splits().contains(Split.VALIDATION)) target = Split.TEST;
                if (split == Split.TEST && !dataset.splits().contains(Split.TEST)) target = Split.VALIDATION;
                if (found.contains(target)) continue;
                found.add(target);
                readClassFolders(dir, target, context);
                break;
            }
        }
        return new Found("folder per class", found);
    }

    private void readClassFolders(Path splitDir, Split split, IndexContext context) {
        for (Path c : DatasetFiles.list(splitDir, Files::isDirectory, Comparator.naturalOrder())) {
            int label = label(c, context.folderLabels);
            for (Path f : DatasetFiles.list(c, p -> !Files.isDirectory(p), Comparator.naturalOrder())) {
                if (!DatasetFiles.isImageName(f)) {
                    context.problem(f, 0, "not an image file (expected " + DatasetFiles.IMAGE_EXTENSIONS + ")");
                    continue;
                }
                if (label >= dataset.numClasses()) {
                    context.exclude("contempt (7-class task)");
                    continue;
                }
                Path real = context.files.check(f, splitDir, "image", why -> context.problem(f, 0, why));
                if (real != null) {
                    context.add(split, new Sample(f, 0, label, new FileSource(f, real, null)));
                }
            }
        }
    }

    private int label(Path classDir, Map<String, FerLabel> explicit) {
        String folder = classDir.getFileName().toString();
        int label;
        if (explicit != null) {
            FerLabel l = explicit.get(folder.strip().toLowerCase(Locale.ROOT));
            label = l == null ? -1 : l.ordinal();
        } else {
            label = DatasetLabels.folderLabel(dataset, folder);
        }
        if (label < 0) {
            throw new FerDataException("Class folder " + classDir + " names no class of " + dataset.cliName() + "; allowed: "
                    + (explicit != null ? "the given folder mapping " + new TreeMap<>(explicit)
                    : classHelp(dataset) + " (all names: " + new TreeSet<>(DatasetLabels.FOLDER_NAMES.keySet()) + ")"));
        }
        return label;
    }
}
