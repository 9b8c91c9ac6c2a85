package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** Image decoding and the pixel arithmetic of preprocessing, on plain float arrays. */
public final class Images {

    /** ImageNet mean and standard deviation per RGB channel, as the reference training normalises. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};

    private static final Logger log = LoggerFactory.getLogger(Images.class);

    private Images() {
    }

    /** Images with more pixels (2^25, 33.5 million) are refused before decoding; a 24-megapixel photo passes. */
    public static final long MAX_PIXELS = 1L << 25;
    /** Images wider or higher are refused before decoding. */
    public static final int MAX_SIDE = 1 << 14;
    /** Image files larger than this are refused before reading. */
    public static final long MAX_FILE_BYTES = 256L << 20;

    /**
     * Decodes an image file; the error names the file when it is missing, too large, not decodable, corrupt or cut
     * short. The width and height are read from the header and checked against {@link #MAX_SIDE} and
     * {@link #MAX_PIXELS} before any pixel memory is allocated (a 3 KB JPEG can claim 20000x20000), and a decoder
     * warning that image data is missing (a JPEG cut short, whose missing part ImageIO would fill with gray) makes the
     * file corrupt. Errors are {@link FerDataException}s with a {@link Problem}, so readers skip them under
     * {@link SkipPolicy#SKIP} as any bad row.
     */
    public static BufferedImage read(Path file) {
        return read(file, file);
    }

    /** {@link #read(Path)} of {@code source}, naming the file {@code named} (the path the dataset gave) in errors. */
    static BufferedImage read(Path source, Path named) {
        if (!Files.isRegularFile(source)) {
            throw new FerDataException(new Problem(named, 0, "image file missing"));
        }
        try {
            long size = Files.size(source);
            if (size > MAX_FILE_BYTES) {
                throw bad(named, "image file of " + size + " bytes, more than the " + MAX_FILE_BYTES + " allowed");
            }
            // from the File: ImageIO then reads the file directly instead of through a temporary cache file
            try (ImageInputStream in = ImageIO.createImageInputStream(source.toFile())) {
                Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
                if (readers == null || !readers.hasNext()) {
                    throw bad(named, "not a decodable image (JPEG, PNG, BMP or GIF; " + size + " bytes)");
                }
                ImageReader reader = readers.next();
                try {
                    reader.setInput(in, true, true);
                    return decode(reader, named);
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof FerDataException f) {
                throw f;
            }
            throw bad(named, "corrupt image: " + Excerpt.of(String.valueOf(e.getMessage()), 200));
        }
    }

    private static BufferedImage decode(ImageReader reader, Path named) throws IOException {
        int w = reader.getWidth(0), h = reader.getHeight(0);
        if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS) {
            throw bad(named, "image header says " + w + "x" + h + " pixels; allowed: 1 to " + MAX_SIDE + " a side and at most "
                    + MAX_PIXELS + " pixels (" + reader.getFormatName() + ")");
        }
        List<String> missingData = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> {
            if (meansMissingData(warning)) {
                missingData.add(warning);
            } else {
                log.debug("{}: decoder warning, image kept: {}", named, warning);
            }
        });
        BufferedImage img = reader.read(0, reader.getDefaultReadParam());
        if (!missingData.isEmpty()) {
            throw bad(named, "corrupt image (" + reader.getFormatName() + "): " + String.join("; ", missingData));
        }
        return img;
    }

    /**
     * Whether a decoder warning means pixels are missing or garbled: the JPEG decoder's "Premature end of JPEG file",
     * "Truncated File - Missing EOI marker", "premature end of data segment", a bad Huffman code, a lost restart
     * marker. "Extraneous bytes before marker" (common in photo collections, the image intact) and warnings about
     * metadata are not.
     */
    static boolean meansMissingData(String warning) {
        String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
        return w.contains("premature end") || w.contains("truncated") || w.contains("missing eoi") || w.contains("huffman")
                || w.contains("instead of rst") || (w.contains("corrupt") && !w.contains("extraneous bytes"));
    }

    private static FerDataException bad(Path file, String reason) {
        return new FerDataException(new Problem(file, 0, reason));
    }

    /** The image's pixels (gray when it has one colour band, else RGB), optionally cropped to [x, x+w) x [y, y+h). */
    public static Sample.RawImage raw(BufferedImage img, int[] box) {
        int x0 = 0, y0 = 0, w = img.getWidth(), h = img.getHeight();
        if (box != null) {
            x0 = box[0];
            y0 = box[1];
            w = box[2];
            h = box[3];
        }
        boolean gray = img.getRaster().getNumBands() == 1 && img.getColorModel().getNumColorComponents() == 1;
        int c = gray ? 1 : 3;
        float[] px = new float[c * h * w];
        if (gray) {
            // 8-bit gray as is; 16-bit gray PNGs scaled to 0-255
            int bits = img.getSampleModel().getSampleSize(0);
            float toByte = bits <= 8 ? 1f : 255f / ((1 << Math.min(bits, 16)) - 1);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRaster().getSamples(x0, y0 + y, w, 1, 0, row);
                for (int x = 0; x < w; x++) px[y * w + x] = row[x] * toByte;
            }
        } else {
            int[] rgb = img.getRGB(x0, y0, w, h, null, 0, w);
            int plane = h * w;
            for (int i = 0; i < plane; i++) {
                int v = rgb[i];
                px[i] = (v >> 16) & 0xFF;
                px[plane + i] = (v >> 8) & 0xFF;
                px[2 * plane + i] = v & 0xFF;
            }
        }
        return new Sample.RawImage(c, h, w, px);
    }

    /**
     * {@code raw} as {@code channels x size x size} floats in [0, 1]: bilinearly resized, gray replicated to 3 channels
     * or RGB reduced to gray (ITU-R 601 luma) as asked.
     * <p>
     * The resampling is PIL's {@code Image.resize(BILINEAR)}, which torchvision's {@code Resize} calls on the reference
     * training's PIL images: a triangle filter whose support widens with the reduction factor, so that a large AffectNet
     * image shrunk to 224 is averaged, not aliased. Enlarging (FER2013's 48 to 224) it is exactly plain bilinear
     * interpolation with half-pixel centres (PyTorch's {@code interpolate(align_corners=False)}).
     */
    public static float[] resize01(Sample.RawImage raw, int channels, int size) {
        int h = raw.height(), w = raw.width(), inPlane = h * w, plane = size * size;
        Filter fx = Filter.of(w, size), fy = Filter.of(h, size);
        float[] p = raw.pixels();
        float[] resized = new float[raw.channels() * plane];
        float[] tmp = new float[h * size];
        for (int c = 0; c < raw.channels(); c++) {
            // horizontal pass: h x w -> h x size
            for (int y = 0; y < h; y++) {
                int in = c * inPlane + y * w;
                for (int x = 0; x < size; x++) {
                    int k0 = x * fx.stride, s0 = fx.start[x];
                    float v = 0;
                    for (int j = 0; j < fx.count[x]; j++) v += fx.weights[k0 + j] * p[in + s0 + j];
                    tmp[y * size + x] = v;
                }
            }
            // vertical pass: h x size -> size x size
            for (int y = 0; y < size; y++) {
                int k0 = y * fy.stride, s0 = fy.start[y], out = c * plane + y * size;
                for (int x = 0; x < size; x++) resized[out + x] = 0;
                for (int j = 0; j < fy.count[y]; j++) {
                    float wgt = fy.weights[k0 + j];
                    int row = (s0 + j) * size;
                    for (int x = 0; x < size; x++) resized[out + x] += wgt * tmp[row + x];
                }
            }
        }
        float[] out = new float[channels * plane];
        if (raw.channels() == channels) {
            for (int i = 0; i < out.length; i++) out[i] = resized[i] / 255f;
        } else if (raw.channels() == 1) {
            // gray replicated to every channel, as the paper does for FER2013
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < plane; i++) out[c * plane + i] = resized[i] / 255f;
            }
        } else {
            for (int i = 0; i < plane; i++) {
                out[i] = (0.299f * resized[i] + 0.587f * resized[plane + i] + 0.114f * resized[2 * plane + i]) / 255f;
            }
        }
        return out;
    }

    /** PIL's bilinear resampling coefficients for one axis ({@code ImagingResample}'s {@code precompute_coeffs}). */
    private static final class Filter {
        final int[] start;
        final int[] count;
        final float[] weights;
        final int stride;

        private Filter(int[] start, int[] count, float[] weights, int stride) {
            this.start = start;
            this.count = count;
            this.weights = weights;
            this.stride = stride;
        }

        static Filter of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle's support is 1, widened by the reduction factor
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[out], count = new int[out];
            float[] weights = new float[out * stride];
            double[] k = new double[stride];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(in, (int) (center + support + 0.5));
                int n = Math.min(stride, max - min);
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    double t = Math.abs((j + min - center + 0.5) / filterScale);
                    k[j] = t < 1 ? 1 - t : 0;
                    sum += k[j];
                }
                for (int j = 0; j < n; j++) weights[o * stride + j] = (float) (sum == 0 ? 0 : k[j] / sum);
                start[o] = min;
                count[o] = n;
            }
            return new Filter(start, count, weights, stride);
        }
    }

    /** In place: {@code (v - mean[c]) / std[c]}; one channel uses the means of the RGB values. */
    public static void normalise(float[] img, int channels, int size) {
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            float mean = channels == 3 ? MEAN[c] : (MEAN[0] + MEAN[1] + MEAN[2]) / 3f;
            float std = channels == 3 ? STD[c] : (STD[0] + STD[1] + STD[2]) / 3f;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                img[i] = (img[i] - mean) / std;
            }
        }
    }
}
