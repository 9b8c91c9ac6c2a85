package org.armfer.datavec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * Kaggle's FER2013 challenge files: {@code train.csv} ({@code emotion,pixels}), the training split only. Its
 * {@code test.csv} has no labels ({@link FerCsvImages} reads it for prediction).
 */
final class KaggleCsvLayout implements DatasetLayout {

    @Override
    public boolean present(Path root) {
        return Files.isRegularFile(root.resolve("train.csv"));
    }

    @Override
    public List<Path> expected(Path root) {
        return List.of(root.resolve("train.csv"));
    }

    @Override
    public String note() {
        return "Kaggle: emotion,pixels";
    }

    @Override
    public String hintWhenAbsent(Path root) {
        Path test = root.resolve("test.csv");
        return Files.isRegularFile(test) ? test + " is Kaggle's unlabelled test set: it can be predicted (FerCsvImages), not"
                + " trained or evaluated on" : "";
    }

    @Override
    public Found index(Path root, IndexContext context) {
        Path file = root.resolve("train.csv");
        for (FerCsv.Row row : FerCsv.read(file, Split.TRAIN, context.problems)) {
            if (row != null) context.add(Split.TRAIN, new Sample(file, row.line(), row.label(), row.image()));
        }
        return new Found("Kaggle train.csv (training split only; Kaggle's test.csv has no labels)", EnumSet.of(Split.TRAIN));
    }
}
