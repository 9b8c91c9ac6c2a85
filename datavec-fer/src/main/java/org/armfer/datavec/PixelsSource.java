package org.armfer.datavec;

import java.nio.file.Path;

/** A FER2013 row's 48x48 gray pixels. */
record PixelsSource(Path file, byte[] pixels) implements Sample.ImageSource {

    @Override
    public Sample.RawImage load() {
        float[] f = new float[pixels.length];
        for (int i = 0; i < f.length; i++) f[i] = pixels[i] & 0xFF;
        return new Sample.RawImage(1, FerCsv.SIDE, FerCsv.SIDE, f);
    }
}
