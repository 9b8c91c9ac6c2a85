package org.armfer.datavec;

import java.nio.file.Path;

/**
 * One labelled example as indexed from a dataset: where it comes from (file and 1-based line of the label file, 0
 * for a folder-per-class image), its canonical label, and how to load its pixels.
 */
public record Sample(Path file, long line, int label, ImageSource image) {

    /** Where the example's pixels come from. */
    public interface ImageSource {
        /** The image as 8-bit values, [channels][height][width] flattened, channels 1 (gray) or 3 (RGB). */
        RawImage load();

        /** The file the pixels are in (for messages). */
        Path file();
    }

    /** Pixels as stored: {@code channels x height x width} values 0-255, row-major per channel. */
    public record RawImage(int channels, int height, int width, float[] pixels) {
    }

    public String origin() {
        return file + (line > 0 ? ":" + line : "");
    }
}
