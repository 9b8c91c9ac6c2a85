package org.armfer.vision;

import java.awt.Rectangle;
import java.util.Arrays;

/**
 * A detected face: its box in the image's pixels ({@code x, y} the top-left corner), the detector's score (OpenCV
 * cascades: the number of neighbouring detections merged into the box; YuNet: a confidence in [0, 1]; NaN when
 * there is none, as for a whole image given as the face) and, where the detector finds them, five landmarks as
 * {@code x, y} pairs (right eye, left eye, nose tip, right and left mouth corner), else an empty array.
 */
public record FaceBox(int x, int y, int width, int height, double score, float[] landmarks) {

    public FaceBox {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("face box must have a positive size; got " + width + "x" + height);
        }
        landmarks = landmarks == null ? new float[0] : landmarks.clone();
    }

    public FaceBox(int x, int y, int width, int height, double score) {
        this(x, y, width, height, score, null);
    }

    /** The whole of a {@code width x height} image as one box (no detector score). */
    public static FaceBox whole(int width, int height) {
        return new FaceBox(0, 0, width, height, Double.NaN);
    }

    public Rectangle rectangle() {
        return new Rectangle(x, y, width, height);
    }

    public long area() {
        return (long) width * height;
    }

    /** Intersection over union with {@code o}: 1 for the same box, 0 for disjoint ones. */
    public double iou(FaceBox o) {
        long ix = Math.max(0, Math.min(x + width, o.x + o.width) - Math.max(x, o.x));
        long iy = Math.max(0, Math.min(y + height, o.y + o.height) - Math.max(y, o.y));
        long inter = ix * iy;
        return inter == 0 ? 0 : (double) inter / (area() + o.area() - inter);
    }

    /** The box scaled by {@code s} (from a resized image back to the original), clipped to {@code w x h}. */
    FaceBox scaled(double s, int w, int h) {
        int x0 = clamp((int) Math.round(x * s), 0, w - 1), y0 = clamp((int) Math.round(y * s), 0, h - 1);
        int x1 = clamp((int) Math.round((x + width) * s), x0 + 1, w), y1 = clamp((int) Math.round((y + height) * s), y0 + 1, h);
        float[] l = landmarks.clone();
        for (int i = 0; i < l.length; i++) l[i] *= (float) s;
        return new FaceBox(x0, y0, x1 - x0, y1 - y0, score, l);
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaceBox f && f.x == x && f.y == y && f.width == width && f.height == height
                && Double.compare(f.score, score) == 0 && Arrays.equals(f.landmarks, landmarks);
    }

    @Override
    public int hashCode() {
        return ((x * 31 + y) * 31 + width) * 31 + height;
    }

    @Override
    public String toString() {
        return "FaceBox[" + x + "," + y + " " + width + "x" + height + (Double.isNaN(score) ? "" : ", score " + score) + "]";
    }
}
