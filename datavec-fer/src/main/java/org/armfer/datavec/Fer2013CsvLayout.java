package org.armfer.datavec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * FER2013 as released: {@code fer2013.csv} ({@code emotion,pixels,Usage}) or the ICML copy {@code icml_face_data.csv}
 * ({@code emotion, Usage, pixels}); Usage {@code Training} / {@code PublicTest} (validation) / {@code PrivateTest}
 * (test). The demo dataset is this layout too.
 */
final class Fer2013CsvLayout implements DatasetLayout {

    static final List<String> FILES = List.of("fer2013.csv", "icml_face_data.csv");

    private final FerDataset dataset;

    Fer2013CsvLayout(FerDataset dataset) {
        this.dataset = dataset;
    }

    /** The first of {@link #FILES} under root, or null. */
    static Path file(Path root) {
        for (String name : FILES) {
            if (Files.isRegularFile(root.resolve(name))) return root.resolve(name);
        }
        return null;
    }

    @Override
    public boolean present(Path root) {
        return file(root) != null;
    }

    @Override
    public List<Path> expected(Path root) {
        return FILES.stream().map(root::resolve).toList();
    }

    @Override
    public String expectation(Path root) {
        return root.resolve(FILES.get(0)) + " (or " + root.resolve(FILES.get(1)) + ")";
    }

    @Override
    public Found index(Path root, IndexContext context) {
        Path file = file(root);
        for (FerCsv.Row row : FerCsv.read(file, null, context.problems)) {
            if (row != null) context.add(row.split(), new Sample(file, row.line(), row.label(), row.image()));
        }
        return new Found(file.getFileName().toString(), dataset.splits());
    }
}
