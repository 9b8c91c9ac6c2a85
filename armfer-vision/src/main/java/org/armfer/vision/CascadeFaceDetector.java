package org.armfer.vision;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.FileStorage;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * OpenCV's Viola-Jones cascade face detector ({@code CascadeClassifier.detectMultiScale}), offline: the frontal-face
 * cascades ship inside the OpenCV jar that DataVec already brings ({@link Cascade}; the jar's
 * {@code haarcascade_frontalface_alt_tree.xml} is left out: OpenCV 4 cannot run tree cascades), or any cascade XML file. The
 * image is reduced to gray (luma), optionally histogram-equalised (OpenCV's sample does so), and searched at scales
 * from {@code minFaceSize} up. Images larger than {@code maxSide} are searched at that size and the boxes scaled
 * back, which bounds the time per image (a face must then be at least {@code minFaceSize} pixels in the reduced
 * image). The score of a box is the number of raw detections OpenCV merged into it: more is more certain.
 */
public final class CascadeFaceDetector implements FaceDetector {

    private static final Logger log = LoggerFactory.getLogger(CascadeFaceDetector.class);

    /** The frontal-face cascades in the OpenCV jar ({@code share/opencv4/haarcascades}, {@code lbpcascades}). */
    public enum Cascade {
        HAAR_DEFAULT("haar-default", "haarcascades/haarcascade_frontalface_default.xml"),
        HAAR_ALT("haar-alt", "haarcascades/haarcascade_frontalface_alt.xml"),
        HAAR_ALT2("haar-alt2", "haarcascades/haarcascade_frontalface_alt2.xml"),
        LBP("lbp", "lbpcascades/lbpcascade_frontalface.xml"),
        LBP_IMPROVED("lbp-improved", "lbpcascades/lbpcascade_frontalface_improved.xml");

        private final String id;
        private final String file;

        Cascade(String id, String file) {
            this.id = id;
            this.file = file;
        }

        /** The name the command line uses: {@code haar-alt2}. */
        public String id() {
            return id;
        }

        /** Where the XML lies in the OpenCV jar of this platform. */
        public String resource() {
            return "/org/bytedeco/opencv/" + Loader.getPlatform() + "/share/opencv4/" + file;
        }

        /** The cascade named {@code id}; the error lists the names. */
        public static Cascade of(String id) {
            for (Cascade c : values()) {
                if (c.id.equalsIgnoreCase(id)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("Unknown cascade '" + id + "'; allowed: " + ids() + " or the path of a cascade XML file");
        }

        public static List<String> ids() {
            return Arrays.stream(values()).map(Cascade::id).toList();
        }
    }

    private final CascadeClassifier classifier;
    private final String name;
    private final double scaleFactor;
    private final int minNeighbors;
    private final int minFaceSize;
    private final int maxSide;
    private final boolean equalize;

    private CascadeFaceDetector(Builder b) {
        String xml;
        if (b.file != null) {
            if (!Files.isRegularFile(b.file)) {
                throw new IllegalArgumentException("Cascade file " + b.file + " does not exist");
            }
            try {
                xml = Files.readString(b.file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read cascade file " + b.file, e);
            }
            name = "opencv-cascade:" + b.file.getFileName();
        } else {
            xml = readResource(b.cascade);
            name = "opencv-cascade:" + b.cascade.id();
        }
        classifier = new CascadeClassifier();
        // read from memory: the XML stays inside the jar, no temporary file
        String source = b.file != null ? b.file.toString() : b.cascade.resource();
        boolean ok;
        try (FileStorage fs = new FileStorage(xml, FileStorage.READ | FileStorage.MEMORY)) {
            ok = fs.isOpened() && classifier.read(fs.getFirstTopLevelNode()) && !classifier.empty();
        } catch (RuntimeException e) {
            log.debug("reading {}", source, e);
            ok = false;
        }
        if (!ok) {
            classifier.close();
            throw new IllegalArgumentException(source + " is not an OpenCV cascade classifier (opencv_storage/cascade XML)");
        }
        scaleFactor = b.scaleFactor;
        minNeighbors = b.minNeighbors;
        minFaceSize = b.minFaceSize;
        maxSide = b.maxSide;
        equalize = b.equalize;
    }

    private static String readResource(Cascade c) {
        try (InputStream in = CascadeFaceDetector.class.getResourceAsStream(c.resource())) {
            if (in == null) {
                throw new IllegalStateException("The OpenCV jar for " + Loader.getPlatform() + " has no " + c.resource()
                        + "; is org.bytedeco:opencv:" + Loader.getPlatform() + " on the classpath?");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + c.resource(), e);
        }
    }

    /** The default: {@link Cascade#HAAR_ALT2}, scale step 1.1, 5 neighbours, faces of at least 24 px, images reduced to 800 px. */
    public static CascadeFaceDetector create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized List<FaceBox> detect(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        BufferedImage search = scale < 1 ? Pixels.resized(image, Math.max(1, (int) Math.round(w * scale)),
                Math.max(1, (int) Math.round(h * scale))) : image;
        int sw = search.getWidth(), sh = search.getHeight();
        List<FaceBox> out = new ArrayList<>();
        if (Math.min(sw, sh) < minFaceSize) {
            return out;
        }
        try (Mat gray = new Mat(sh, sw, opencv_core.CV_8UC1); RectVector faces = new RectVector(); IntPointer counts = new IntPointer()) {
            gray.data().put(Pixels.gray(search));
            if (equalize) {
                opencv_imgproc.equalizeHist(gray, gray);
            }
            try (Size min = new Size(minFaceSize, minFaceSize); Size max = new Size()) {
                classifier.detectMultiScale2(gray, faces, counts, scaleFactor, minNeighbors, 0, min, max);
            }
            for (long i = 0; i < faces.size(); i++) {
                Rect r = faces.get(i);
                FaceBox box = new FaceBox(r.x(), r.y(), r.width(), r.height(), counts.get(i));
                out.add(scale < 1 ? box.scaled(1 / scale, w, h) : box);
            }
        }
        out.sort(Comparator.comparingLong(FaceBox::area).reversed());
        log.debug("{}: {} face(s) in {}x{}", name, out.size(), w, h);
        return out;
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public synchronized void close() {
        classifier.close();
    }

    /** Settings; see {@link CascadeFaceDetector}. */
    public static final class Builder {
        private Cascade cascade = Cascade.HAAR_ALT2;
        private Path file;
        private double scaleFactor = 1.1;
        private int minNeighbors = 5;
        private int minFaceSize = 24;
        private int maxSide = 800;
        private boolean equalize = true;

        private Builder() {
        }

        /** One of the cascades in the OpenCV jar (default {@link Cascade#HAAR_ALT2}). */
        public Builder cascade(Cascade cascade) {
            this.cascade = cascade;
            this.file = null;
            return this;
        }

        /** A cascade name ({@link Cascade#ids()}) or the path of a cascade XML file. */
        public Builder cascade(String nameOrFile) {
            String n = nameOrFile.toLowerCase(Locale.ROOT);
            if (n.endsWith(".xml")) {
                return cascadeFile(Path.of(nameOrFile));
            }
            return cascade(Cascade.of(nameOrFile));
        }

        public Builder cascadeFile(Path xml) {
            this.file = xml;
            return this;
        }

        /** Scale step between search sizes, > 1 (default 1.1; larger is faster and misses more). */
        public Builder scaleFactor(double scaleFactor) {
            if (!(scaleFactor > 1.0) || scaleFactor > 2.0) {
                throw new IllegalArgumentException("scaleFactor must be in (1, 2]; got " + scaleFactor);
            }
            this.scaleFactor = scaleFactor;
            return this;
        }

        /** Raw detections a box needs to be kept, >= 0 (default 5; more gives fewer false faces). */
        public Builder minNeighbors(int minNeighbors) {
            if (minNeighbors < 0) {
                throw new IllegalArgumentException("minNeighbors must be >= 0; got " + minNeighbors);
            }
            this.minNeighbors = minNeighbors;
            return this;
        }

        /** Smallest face searched for, in pixels of the (reduced) image, >= 12 (default 24). */
        public Builder minFaceSize(int px) {
            if (px < 12) {
                throw new IllegalArgumentException("minFaceSize must be >= 12 pixels (the cascades' window is 20-24); got " + px);
            }
            this.minFaceSize = px;
            return this;
        }

        /** Images whose longer side exceeds this are searched reduced to it (default 800). */
        public Builder maxSide(int px) {
            if (px < 32) {
                throw new IllegalArgumentException("maxSide must be >= 32 pixels; got " + px);
            }
            this.maxSide = px;
            return this;
        }

        /** Histogram equalisation before the search (default true). */
        public Builder equalizeHistogram(boolean equalize) {
            this.equalize = equalize;
            return this;
        }

        public CascadeFaceDetector build() {
            return new CascadeFaceDetector(this);
        }
    }
}
