package org.armfer.datavec;

import java.util.Locale;

/** A dataset split. FER2013: Training / PublicTest (validation) / PrivateTest (test). AffectNet's validation set is its test set. */
public enum Split {
    TRAIN, VALIDATION, TEST;

    /** {@code train}, {@code val}/{@code validation}, {@code test} (case-insensitive). */
    public static Split parse(String s) {
        switch (s == null ? "" : s.strip().toLowerCase(Locale.ROOT)) {
            case "train":
            case "training":
                return TRAIN;
            case "val":
            case "valid":
            case "validation":
                return VALIDATION;
            case "test":
                return TEST;
            default:
                throw new IllegalArgumentException("Unknown split '" + s + "'; allowed: train, validation (val), test");
        }
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
