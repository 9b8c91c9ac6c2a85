package org.armfer.vision;

import org.bytedeco.javacpp.Loader;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.objdetect.FaceDetectorYN;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * OpenCV's YuNet face detector ({@code cv::FaceDetectorYN}, OpenCV 4.5.4+) from its ONNX file, which you download
 * yourself (opencv_zoo's {@code face_detection_yunet_2022mar.onnx} or later; armfer does not ship it). YuNet is a small
 * CNN: more accurate than the cascades on turned, tilted and small faces, and it gives five landmarks and a
 * confidence per face. Images whose longer side exceeds {@code maxSide} are detected at that size (the network's
 * input is set to the image's size, as OpenCV's sample does) and the boxes scaled back.
 */
public final class YuNetFaceDetector implements FaceDetector {

    private static final Logger log = LoggerFactory.getLogger(YuNetFaceDetector.class);

    static {
        // the org.opencv Java API of the bytedeco jar, backed by libopencv_java
        Loader.load(org.bytedeco.opencv.opencv_java.class);
    }

    private final FaceDetectorYN detector;
    private final Path model;
    private final int maxSide;

    private YuNetFaceDetector(Builder b) {
        if (b.model == null || !Files.isRegularFile(b.model)) {
            throw new IllegalArgumentException("YuNet model " + b.model + " does not exist (the ONNX file of opencv_zoo's"
                    + " face_detection_yunet, e.g. face_detection_yunet_2022mar.onnx)");
        }
        this.model = b.model;
        this.maxSide = b.maxSide;
        try {
            detector = FaceDetectorYN.create(b.model.toString(), "", new org.opencv.core.Size(320, 320),
                    (float) b.scoreThreshold, (float) b.nmsThreshold, b.topK);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(b.model + " is not a YuNet model OpenCV can load: " + e.getMessage(), e);
        }
    }

    public static Builder builder(Path onnx) {
        return new Builder(onnx);
    }

    @Override
    public synchronized List<FaceBox> detect(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        int sw = Math.max(1, (int) Math.round(w * scale)), sh = Math.max(1, (int) Math.round(h * scale));
        BufferedImage input = scale < 1 ? Pixels.resized(image, sw, sh) : image;
        List<FaceBox> out = new ArrayList<>();
        Mat bgr = new Mat(sh, sw, CvType.CV_8UC3);
        Mat faces = new Mat();
        try {
            bgr.put(0, 0, Pixels.bgr(input));
            detector.setInputSize(new org.opencv.core.Size(sw, sh));
            try {
                detector.detect(bgr, faces);
            } catch (RuntimeException e) {
                throw new IllegalStateException("YuNet (" + model + ") failed on a " + sw + "x" + sh + " image: " + e.getMessage(), e);
            }
            float[] row = new float[15];
            for (int i = 0; i < faces.rows(); i++) {
                faces.get(i, 0, row);
                // x, y, w, h, five landmarks (x, y), score; boxes may reach past the image: clip them
                int x0 = FaceBox.clamp(Math.round(row[0]), 0, sw - 1), y0 = FaceBox.clamp(Math.round(row[1]), 0, sh - 1);
                int x1 = FaceBox.clamp(Math.round(row[0] + row[2]), x0 + 1, sw), y1 = FaceBox.clamp(Math.round(row[1] + row[3]), y0 + 1, sh);
                float[] landmarks = java.util.Arrays.copyOfRange(row, 4, 14);
                FaceBox box = new FaceBox(x0, y0, x1 - x0, y1 - y0, row[14], landmarks);
                out.add(scale < 1 ? box.scaled(1 / scale, w, h) : box);
            }
        } finally {
            bgr.release();
            faces.release();
        }
        out.sort(Comparator.comparingLong(FaceBox::area).reversed());
        log.debug("yunet: {} face(s) in {}x{}", out.size(), w, h);
        return out;
    }

    @Override
    public String describe() {
        return "yunet:" + model.getFileName();
    }

    /** Settings of {@link YuNetFaceDetector}. */
    public static final class Builder {
        private final Path model;
        private double scoreThreshold = 0.9;
        private double nmsThreshold = 0.3;
        private int topK = 5000;
        private int maxSide = 640;

        private Builder(Path model) {
            this.model = model;
        }

        /** Faces below this confidence are dropped, in (0, 1] (default 0.9, as OpenCV's sample). */
        public Builder scoreThreshold(double t) {
            if (!(t > 0 && t <= 1)) {
                throw new IllegalArgumentException("scoreThreshold must be in (0, 1]; got " + t);
            }
            this.scoreThreshold = t;
            return this;
        }

        /** Overlap above which non-maximum suppression drops the weaker box, in (0, 1] (default 0.3). */
        public Builder nmsThreshold(double t) {
            if (!(t > 0 && t <= 1)) {
                throw new IllegalArgumentException("nmsThreshold must be in (0, 1]; got " + t);
            }
            this.nmsThreshold = t;
            return this;
        }

        /** Candidates kept before non-maximum suppression (default 5000). */
        public Builder topK(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("topK must be >= 1; got " + k);
            }
            this.topK = k;
            return this;
        }

        /** Images whose longer side exceeds this are detected reduced to it (default 640). */
        public Builder maxSide(int px) {
            if (px < 32) {
                throw new IllegalArgumentException("maxSide must be >= 32 pixels; got " + px);
            }
            this.maxSide = px;
            return this;
        }

        public YuNetFaceDetector build() {
            return new YuNetFaceDetector(this);
        }
    }
}
