package org.armfer.datavec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the caller chose about the layout: which one ({@link FerLayout#AUTO}: detect), class-folder names, and which
 * splits it reads ({@code strictSplits}, null: all; under STRICT a bad row of another split is held back, not fatal).
 */
record LayoutOptions(FerLayout layout, Map<String, FerLabel> folderLabels, java.util.Set<Split> strictSplits) {

    static final LayoutOptions AUTO = new LayoutOptions(FerLayout.AUTO, null, null);

    LayoutOptions(FerLayout layout, Map<String, FerLabel> folderLabels) {
        this(layout, folderLabels, null);
    }

    LayoutOptions {
        layout = layout == null ? FerLayout.AUTO : layout;
        if (strictSplits != null) {
            java.util.Set<Split> s = java.util.EnumSet.noneOf(Split.class);
            s.addAll(strictSplits);
            strictSplits = Collections.unmodifiableSet(s);
        }
        if (folderLabels != null) {
            Map<String, FerLabel> m = new LinkedHashMap<>();
            folderLabels.forEach((k, v) -> m.put(k.strip().toLowerCase(Locale.ROOT), v));
            folderLabels = Collections.unmodifiableMap(m);
        }
    }

    boolean tries(FerLayout l) {
        return layout == FerLayout.AUTO || layout == l;
    }

    /** For cache keys. */
    String key() {
        return layout + "|" + (folderLabels == null ? "default" : new TreeMap<>(folderLabels).toString()) + "|"
                + (strictSplits == null ? "all" : strictSplits.toString());
    }
}
