package org.armfer.datavec;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An image file, optionally cropped to a face box {x, y, w, h}: {@code file} as the dataset names it (for messages),
 * {@code real} the checked real path it is read from ({@link DatasetFiles#check}).
 */
record FileSource(Path file, Path real, int[] box) implements Sample.ImageSource {

    @Override
    public Sample.RawImage load() {
        BufferedImage img = Images.read(real, file);
        if (box != null && (box[0] + box[2] > img.getWidth() || box[1] + box[3] > img.getHeight())) {
            throw new FerDataException(new Problem(file, 0, "face box x=" + box[0] + " y=" + box[1] + " w=" + box[2] + " h=" + box[3]
                    + " lies outside the " + img.getWidth() + "x" + img.getHeight() + " image"));
        }
        return Images.raw(img, box);
    }

    /** The same real file with the same crop is the same example. */
    String key() {
        return real + (box == null ? "" : Arrays.toString(box));
    }

    @Override
    public String toString() {
        return file + (box == null ? "" : " box " + Arrays.toString(box));
    }
}
