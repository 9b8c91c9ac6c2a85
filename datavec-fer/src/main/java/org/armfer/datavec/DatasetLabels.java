package org.armfer.datavec;

import java.util.Locale;
import java.util.Map;

/**
 * Each dataset's own label numbering mapped, once, to the canonical order of {@link FerLabel}
 * (0 neutral, 1 happiness, 2 sadness, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt).
 */
public final class DatasetLabels {

    private DatasetLabels() {
    }

    /** FER2013 {@code emotion}: 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral. */
    public static final int[] FER2013_TO_CANONICAL = {6, 5, 4, 1, 2, 3, 0};

    /** FER+ vote columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt (then unknown, NF). */
    public static final int[] FERPLUS_COLUMNS_TO_CANONICAL = {0, 1, 3, 2, 6, 5, 4, 7};

    /** RAF-DB basic, 1-based: 1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger, 7 Neutral (index 0 unused). */
    public static final int[] RAFDB_TO_CANONICAL = {-1, 3, 4, 5, 1, 2, 6, 0};

    /** AffectNet expression codes 0-7 are the canonical order; 8 None, 9 Uncertain, 10 No-Face are never classes. */
    public static final int AFFECTNET_LAST_EXPRESSION = 7;

    /**
     * Class-folder names of folder-per-class copies, case-insensitive: FER2013's Kaggle names (angry, disgust, fear,
     * happy, sad, surprise, neutral), the canonical names, and contempt.
     */
    public static final Map<String, Integer> FOLDER_NAMES = Map.ofEntries(
            Map.entry("neutral", 0), Map.entry("happy", 1), Map.entry("happiness", 1), Map.entry("sad", 2),
            Map.entry("sadness", 2), Map.entry("surprise", 3), Map.entry("surprised", 3), Map.entry("fear", 4),
            Map.entry("fearful", 4), Map.entry("disgust", 5), Map.entry("disgusted", 5), Map.entry("angry", 6),
            Map.entry("anger", 6), Map.entry("contempt", 7));

    /**
     * Folder numbers of AffectNet copies that number the classes alphabetically (0 anger, 1 contempt, 2 disgust, 3 fear,
     * 4 happy, 5 neutral, 6 sad, 7 surprise) instead of by AffectNet's codes; pass it as
     * {@link FerDataConfig.Builder#folderLabels(Map)}, since the two cannot be told apart from the folders.
     */
    public static final Map<String, FerLabel> AFFECTNET_ALPHABETICAL_FOLDERS = Map.of(
            "0", FerLabel.ANGER, "1", FerLabel.CONTEMPT, "2", FerLabel.DISGUST, "3", FerLabel.FEAR,
            "4", FerLabel.HAPPINESS, "5", FerLabel.NEUTRAL, "6", FerLabel.SADNESS, "7", FerLabel.SURPRISE);

    /**
     * The canonical label of a class folder: a name from {@link #FOLDER_NAMES}, or a number in the dataset's own
     * numbering (FER2013 0-6 = its emotion codes, FER+ 0-7 = its vote-column order, RAF-DB 1-7, AffectNet 0-7 = its
     * expression codes). Returns -1 for a folder that names no class. Never derived from the listing order.
     */
    public static int folderLabel(FerDataset dataset, String folder) {
        String f = folder.strip().toLowerCase(Locale.ROOT);
        Integer named = FOLDER_NAMES.get(f);
        if (named != null) {
            return named;
        }
        if (!f.matches("\\d{1,2}")) {
            return -1;
        }
        int n = Integer.parseInt(f);
        switch (dataset) {
            case FER2013:
            case DEMO:
                return n < FER2013_TO_CANONICAL.length ? FER2013_TO_CANONICAL[n] : -1;
            case RAFDB:
                return n >= 1 && n <= 7 ? RAFDB_TO_CANONICAL[n] : -1;
            case FERPLUS:
                return n < FERPLUS_COLUMNS_TO_CANONICAL.length ? FERPLUS_COLUMNS_TO_CANONICAL[n] : -1;
            case AFFECTNET7:
            case AFFECTNET8:
                return n <= AFFECTNET_LAST_EXPRESSION ? n : -1;
            default:
                return -1;
        }
    }
}
