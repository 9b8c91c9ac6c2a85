package org.armfer.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The three blocks of ARM, in the order they are applied. Sets of them name the ablation variants of the paper's
 * Table 2: "none", "DA", "SA", "FA+DA", "FA+SA", "DA+SA", "FA+DA+SA".
 */
public enum ArmBlock {
    /** Feature Arrangement. */
    FA,
    /** De-albino kernel (followed by BatchNorm when enabled). */
    DA,
    /** Sharing Affinity. */
    SA;

    /** The paper's Table 2 variants, baseline first. */
    public static final List<String> TABLE2 = List.of("none", "DA", "SA", "FA+DA", "FA+SA", "DA+SA", "FA+DA+SA");

    /**
     * Parses "FA+DA+SA", "fa+sa", "none" (also "" or "gap") into a set; throws naming the bad token and the allowed ones.
     */
    public static Set<ArmBlock> parseSet(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("ARM block set is null; allowed: " + TABLE2 + " or any '+'-joined subset of "
                    + Arrays.toString(values()));
        }
        String s = spec.trim();
        EnumSet<ArmBlock> set = EnumSet.noneOf(ArmBlock.class);
        if (s.isEmpty() || s.equalsIgnoreCase("none") || s.equalsIgnoreCase("gap")) {
            return set;
        }
        for (String token : s.split("\\+")) {
            String t = token.trim().toUpperCase(Locale.ROOT);
            try {
                if (!set.add(ArmBlock.valueOf(t))) {
                    throw new IllegalArgumentException("ARM block set '" + spec + "' names " + t + " twice");
                }
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().contains("twice")) {
                    throw e;
                }
                throw new IllegalArgumentException("Unknown ARM block '" + token.trim() + "' in '" + spec + "'; allowed blocks: "
                        + Arrays.toString(values()) + " joined with '+', or 'none'; Table 2 variants: " + TABLE2);
            }
        }
        return set;
    }

    /** The canonical name of a set: blocks in FA, DA, SA order joined with '+', or "none". */
    public static String format(Set<ArmBlock> blocks) {
        if (blocks.isEmpty()) {
            return "none";
        }
        List<String> names = new ArrayList<>();
        for (ArmBlock b : values()) {
            if (blocks.contains(b)) {
                names.add(b.name());
            }
        }
        return String.join("+", names);
    }
}
