package org.armfer.datavec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What the caller chose about the layout: which one ({@link FerLayout#AUTO}: detect), and class-folder names. */
record LayoutOptions(FerLayout layout, Map<String, FerLabel> folderLabels) {

    static final LayoutOptions AUTO = new LayoutOptions(FerLayout.AUTO, null);

    LayoutOptions {
        layout = layout == null ? FerLayout.AUTO : layout;
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
        return layout + "|" + (folderLabels == null ? "default" : new TreeMap<>(folderLabels).toString());
    }
}
