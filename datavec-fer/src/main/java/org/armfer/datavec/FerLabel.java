package org.armfer.datavec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * armfer's canonical expression labels, in AffectNet's order (the most common):
 * {@code 0 neutral, 1 happiness, 2 sadness, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt}. A 7-class task drops
 * contempt. Every reader maps its dataset's own numbering to this order ({@link DatasetLabels}).
 */
public enum FerLabel {
    NEUTRAL, HAPPINESS, SADNESS, SURPRISE, FEAR, DISGUST, ANGER, CONTEMPT;

    /** The lower-case name, e.g. {@code "happiness"}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The names of the first {@code numClasses} labels: 7 (no contempt) or 8. */
    public static List<String> names(int numClasses) {
        if (numClasses != 7 && numClasses != 8) {
            throw new IllegalArgumentException("numClasses must be 7 or 8 (canonical labels " + names8() + "); got " + numClasses);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            out.add(values()[i].label());
        }
        return out;
    }

    private static List<String> names8() {
        List<String> out = new ArrayList<>();
        for (FerLabel l : values()) out.add(l.ordinal() + " " + l.label());
        return out;
    }
}
