package org.armfer.datavec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The datasets armfer reads, as the command line names them. */
public enum FerDataset {
    /** The embedded synthetic demo data, FER2013's format ({@link DemoDataset}). */
    DEMO("demo", 7, 1, 48, EnumSet.allOf(Split.class)),
    FER2013("fer2013", 7, 1, 48, EnumSet.allOf(Split.class)),
    /** FER2013's images with FER+'s majority labels (8 classes). */
    FERPLUS("ferplus", 8, 1, 48, EnumSet.allOf(Split.class)),
    /** RAF-DB basic, aligned images. */
    RAFDB("rafdb", 7, 3, 100, EnumSet.of(Split.TRAIN, Split.TEST)),
    AFFECTNET7("affectnet7", 7, 3, 224, EnumSet.of(Split.TRAIN, Split.VALIDATION)),
    AFFECTNET8("affectnet8", 8, 3, 224, EnumSet.of(Split.TRAIN, Split.VALIDATION));

    private final String cliName;
    private final int numClasses;
    private final int nativeChannels;
    private final int nativeSize;
    private final Set<Split> splits;

    FerDataset(String cliName, int numClasses, int nativeChannels, int nativeSize, Set<Split> splits) {
        this.cliName = cliName;
        this.numClasses = numClasses;
        this.nativeChannels = nativeChannels;
        this.nativeSize = nativeSize;
        this.splits = splits;
    }

    public String cliName() {
        return cliName;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Channels of the images on disk (1: gray). */
    public int nativeChannels() {
        return nativeChannels;
    }

    /** Typical side of the images on disk (RAF-DB's is not documented; images are always resized). */
    public int nativeSize() {
        return nativeSize;
    }

    public Set<Split> splits() {
        return splits;
    }

    /** By command-line name, case-insensitive. */
    public static FerDataset parse(String name) {
        for (FerDataset d : values()) {
            if (d.cliName.equalsIgnoreCase(name == null ? "" : name.strip())) {
                return d;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (FerDataset d : values()) allowed.add(d.cliName);
        throw new IllegalArgumentException("Unknown dataset '" + name + "'; allowed: " + String.join(", ", allowed));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
