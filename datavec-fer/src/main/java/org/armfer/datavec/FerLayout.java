package org.armfer.datavec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The on-disk layouts the readers know (this module's README says where each file goes). {@link #AUTO}, the default,
 * takes the first layout found under the root in the order of the constants below; naming one makes the reader use
 * only that one, which matters when a root holds several (say {@code fer2013.csv} and a folder copy). Each layout is
 * read by one class ({@code Fer2013CsvLayout}, ..., {@code FolderLayout}, behind the package's {@code DatasetLayout}
 * interface): adding a layout is adding such a class and a constant here.
 */
public enum FerLayout {
    /** Detect from what exists under the root. */
    AUTO("auto", EnumSet.allOf(FerDataset.class)),
    /** {@code fer2013.csv} or {@code icml_face_data.csv} with a Usage column (Training / PublicTest / PrivateTest). */
    FER2013_CSV("fer2013-csv", EnumSet.of(FerDataset.DEMO, FerDataset.FER2013)),
    /** Kaggle's {@code train.csv} ({@code emotion,pixels}): the training split only. */
    KAGGLE_CSV("kaggle-csv", EnumSet.of(FerDataset.DEMO, FerDataset.FER2013)),
    /** {@code fer2013.csv} (the images) + {@code fer2013new.csv} (FER+'s votes, same row order). */
    FERPLUS_CSV("ferplus-csv", EnumSet.of(FerDataset.FERPLUS)),
    /** {@code EmoLabel/list_patition_label.txt} + {@code Image/aligned/*_aligned.jpg}. */
    RAFDB_LIST("rafdb-list", EnumSet.of(FerDataset.RAFDB)),
    /** {@code Manually_Annotated_file_lists/{training,validation}.csv} + {@code Manually_Annotated_Images/}. */
    AFFECTNET_CSV("affectnet-csv", EnumSet.of(FerDataset.AFFECTNET7, FerDataset.AFFECTNET8)),
    /** {@code train_set|val_set/images/N.jpg} + {@code annotations/N_exp.npy}. */
    AFFECTNET_NPY("affectnet-npy", EnumSet.of(FerDataset.AFFECTNET7, FerDataset.AFFECTNET8)),
    /** Folder-per-class copies {@code <split>/<class>/<image>}. */
    FOLDERS("folders", EnumSet.allOf(FerDataset.class));

    private final String cliName;
    private final Set<FerDataset> datasets;

    FerLayout(String cliName, Set<FerDataset> datasets) {
        this.cliName = cliName;
        this.datasets = datasets;
    }

    public String cliName() {
        return cliName;
    }

    /** The class that reads this layout of {@code dataset} ({@link #AUTO} has none). */
    DatasetLayout reader(FerDataset dataset) {
        return switch (this) {
            case AUTO -> throw new IllegalStateException("AUTO is not a layout; DatasetIndexer tries the others");
            case FER2013_CSV -> new Fer2013CsvLayout(dataset);
            case KAGGLE_CSV -> new KaggleCsvLayout();
            case FERPLUS_CSV -> new FerPlusCsvLayout();
            case RAFDB_LIST -> new RafDbListLayout();
            case AFFECTNET_CSV -> new AffectNetCsvLayout();
            case AFFECTNET_NPY -> new AffectNetNpyLayout();
            case FOLDERS -> new FolderLayout(dataset);
        };
    }

    /** Whether this layout can hold {@code dataset}. */
    public boolean appliesTo(FerDataset dataset) {
        return datasets.contains(dataset);
    }

    /** The layouts that can hold {@code dataset}, {@link #AUTO} first. */
    public static List<FerLayout> forDataset(FerDataset dataset) {
        List<FerLayout> out = new ArrayList<>();
        for (FerLayout l : values()) {
            if (l.appliesTo(dataset)) out.add(l);
        }
        return out;
    }

    /** By name ({@code auto}, {@code fer2013-csv}, ..., {@code folders}; case-insensitive, {@code _} or {@code -}). */
    public static FerLayout parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (FerLayout l : values()) {
            if (l.cliName.equals(n)) return l;
        }
        List<String> allowed = new ArrayList<>();
        for (FerLayout l : values()) allowed.add(l.cliName);
        throw new IllegalArgumentException("Unknown layout '" + name + "'; allowed: " + String.join(", ", allowed));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
