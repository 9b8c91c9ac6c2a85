package org.armfer.datavec;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Image decoding and the pixel arithmetic of preprocessing, on plain float arrays. */
public final class Images {

    /** ImageNet mean and standard deviation per RGB channel, as the reference training normalises. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};

    private Images() {
    }

    /** Decodes an image file; the error names the file when it is missing or cannot be decoded. */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FerDataException(new Problem(file, 0, "image file missing"));
        }
        try (InputStream in = Files.newInputStream(file)) {
            BufferedImage img = ImageIO.read(in);
            if (img == null) {
                throw new FerDataException(new Problem(file, 0, "not a decodable image (JPEG, PNG, BMP or GIF)"));
            }
            return img;
        } catch (IOException | RuntimeException e) {
            if (e instanceof FerDataException f) {
                throw f;
            }
            throw new FerDataException(new Problem(file, 0, "corrupt image: " + e.getMessage()));
        }
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
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRaster().getSamples(x0, y0 + y, w, 1, 0, row);
                for (int x = 0; x < w; x++) px[y * w + x] = row[x] & 0xFF;
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
     * {@code raw} as {@code channels x size x size} floats in [0, 1]: bilinearly resized (half-pixel centres, as
     * PyTorch's {@code interpolate(align_corners=False)}), gray replicated to 3 channels or RGB reduced to gray
     * (ITU-R 601 luma) as asked.
     */
    public static float[] resize01(Sample.RawImage raw, int channels, int size) {
        float[] out = new float[channels * size * size];
        int h = raw.height(), w = raw.width();
        float sy = (float) h / size, sx = (float) w / size;
        int[] x0 = new int[size], x1 = new int[size];
        float[] fx = new float[size];
        for (int x = 0; x < size; x++) {
            float src = Math.max(0f, (x + 0.5f) * sx - 0.5f);
            x0[x] = Math.min((int) src, w - 1);
            x1[x] = Math.min(x0[x] + 1, w - 1);
            fx[x] = src - x0[x];
        }
        int plane = size * size;
        int inPlane = h * w;
        float[] p = raw.pixels();
        for (int y = 0; y < size; y++) {
            float srcY = Math.max(0f, (y + 0.5f) * sy - 0.5f);
            int ya = Math.min((int) srcY, h - 1);
            int yb = Math.min(ya + 1, h - 1);
            float fy = srcY - ya;
            for (int x = 0; x < size; x++) {
                for (int oc = 0; oc < channels; oc++) {
                    float v;
                    if (raw.channels() == channels) {
                        v = bilinear(p, oc * inPlane, w, ya, yb, x0[x], x1[x], fy, fx[x]);
                    } else if (raw.channels() == 1) {
                        v = bilinear(p, 0, w, ya, yb, x0[x], x1[x], fy, fx[x]);
                    } else {
                        v = 0.299f * bilinear(p, 0, w, ya, yb, x0[x], x1[x], fy, fx[x])
                                + 0.587f * bilinear(p, inPlane, w, ya, yb, x0[x], x1[x], fy, fx[x])
                                + 0.114f * bilinear(p, 2 * inPlane, w, ya, yb, x0[x], x1[x], fy, fx[x]);
                    }
                    out[oc * plane + y * size + x] = v / 255f;
                }
            }
        }
        return out;
    }

    private static float bilinear(float[] p, int off, int w, int ya, int yb, int xa, int xb, float fy, float fx) {
        float top = p[off + ya * w + xa] * (1 - fx) + p[off + ya * w + xb] * fx;
        float bottom = p[off + yb * w + xa] * (1 - fx) + p[off + yb * w + xb] * fx;
        return top * (1 - fy) + bottom * fy;
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
