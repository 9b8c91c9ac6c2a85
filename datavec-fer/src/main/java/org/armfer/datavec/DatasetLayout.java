package org.armfer.datavec;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One on-disk layout of a dataset (the files of FER2013's {@code fer2013.csv}, RAF-DB's label list and aligned images,
 * a folder-per-class copy, ...), read by one small class. {@link FerLayout} names each and says which datasets it can
 * hold; {@link DatasetIndexer} tries a dataset's layouts in order and indexes the first {@link #present present} one.
 * Adding a layout is adding a class that implements this and a {@link FerLayout} constant that returns it.
 * <p>
 * Contract for {@link #index}: every sample goes through {@link IndexContext#add}; every bad row or file through
 * {@link IndexContext#problem} (which throws under STRICT) naming its file and line, with values from the file cut by
 * {@link org.armfer.io.Excerpt}; every image file through {@link DatasetFiles#check} (a regular file inside the
 * dataset root); every text file through a size-limited reader ({@link DatasetFiles#lines}). Duplicate images and
 * conflicting labels are found afterwards, for all layouts at once, by {@link DatasetIndexer}.
 */
interface DatasetLayout {

    /** What {@link #index} found: how to name the layout to a user, and the splits its files hold. */
    record Found(String description, Set<Split> splits) {
    }

    /**
     * Whether {@code root} holds this layout's marker files. A present layout is the one read: when its other files
     * are missing, {@link #index} fails naming them rather than another layout being tried.
     */
    boolean present(Path root);

    /** The paths a user must have for this layout (a {@code <name>} part stands for any file name), for messages. */
    List<Path> expected(Path root);

    /** What else a user should know about the expected files ("Kaggle: emotion,pixels"); may be empty. */
    default String note() {
        return "";
    }

    /** {@link #expected} as one phrase for messages. */
    default String expectation(Path root) {
        String paths = expected(root).stream().map(Path::toString).collect(Collectors.joining(" and "));
        return note().isEmpty() ? paths : paths + " (" + note() + ")";
    }

    /** Something in {@code root} worth saying when no layout was found (a file that looks right but is not); may be empty. */
    default String hintWhenAbsent(Path root) {
        return "";
    }

    /** Indexes every split under {@code root} into {@code context}. */
    Found index(Path root, IndexContext context);
}
