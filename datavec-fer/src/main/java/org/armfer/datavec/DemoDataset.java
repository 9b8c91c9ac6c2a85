package org.armfer.datavec;

import org.armfer.io.AtomicFiles;
import org.armfer.io.LimitedFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

/**
 * The demo dataset: synthetic 48x48 gray faces written as a FER2013 {@code fer2013.csv} (header
 * {@code emotion,pixels,Usage}, FER2013's own label numbers 0 Angry .. 6 Neutral), so that it goes through the same
 * reader as the real data ({@link FerDataset#DEMO} is the FER2013 reader on this file).
 * <p>
 * Each face (oval, eyes, brows, mouth) has a class-dependent expression: mouth curved up or down, open round or wide,
 * straight or lopsided; brows raised, lowered, V-shaped or with raised inner ends; eyes narrowed or wide. Every image
 * has random jitter: position, size, rotation, brightness and contrast, the expression features themselves, and pixel
 * noise, so a classifier has to learn the shapes, not the pixels. {@value #TRAIN_PER_CLASS} training (Training),
 * {@value #VALIDATION_PER_CLASS} validation (PublicTest) and {@value #TEST_PER_CLASS} test (PrivateTest) faces per
 * class.
 * <p>
 * Deterministic: the faces are rasterised by this class's own arithmetic (no Java2D, whose antialiasing may differ
 * between JDKs) from a fixed seed, so every JVM writes the same bytes. {@link #ensure(Path)} writes the file atomically
 * and never overwrites a {@code fer2013.csv} it did not write (a user's real FER2013 copy).
 */
public final class DemoDataset {

    private static final Logger log = LoggerFactory.getLogger(DemoDataset.class);

    public static final String FILE = "fer2013.csv";
    /** Written next to the CSV: marks the directory as the demo's, so a changed CSV there may be rewritten. */
    public static final String MARKER = ".armfer-demo";
    private static final String MARKER_TEXT = "armfer demo dataset; sha256 of " + FILE + ": ";
    public static final String DIR_PROPERTY = "armfer.demo.dir";
    public static final int TRAIN_PER_CLASS = 70;
    public static final int VALIDATION_PER_CLASS = 20;
    public static final int TEST_PER_CLASS = 20;
    public static final int NUM_CLASSES = 7;
    static final long SEED = 2103_10189L;
    private static final int SIDE = FerCsv.SIDE;

    /** SHA-256 of the CSV the generator draws (pinned; TrainingDataTest checks it against the generator). */
    static final String SHA256 = "2f8a86443cca285ecd548d337ab8cdb2469ffcaf45db0af8c9edeca68a71b52f";
    /** More than the CSV's 6,169,361 bytes: a larger file is not the demo's. */
    private static final long MAX_BYTES = 7_000_000;
    private static SoftReference<byte[]> cached;

    /** Files this JVM has verified or written, with their size and modification time then. */
    private static final Map<Path, String> VERIFIED = new HashMap<>();

    private DemoDataset() {
    }

    /** {@code ${armfer.demo.dir}} if set, else {@code ~/.armfer/demo}. */
    public static Path defaultDir() {
        String p = System.getProperty(DIR_PROPERTY);
        return p != null && !p.isBlank() ? Path.of(p) : builtInDir();
    }

    /**
     * Writes {@code dir/fer2013.csv} unless it already holds exactly the demo data; returns {@code dir}. A file that
     * differs is rewritten only where the demo wrote it before (its {@value #MARKER} present) or in armfer's own
     * {@code ~/.armfer/demo}; any other {@code fer2013.csv}, also in a directory named by {@code -Darmfer.demo.dir}, is
     * left alone and this fails, naming it. Both files are written with {@link AtomicFiles}.
     */
    public static synchronized Path ensure(Path dir) {
        Path file = dir.resolve(FILE).toAbsolutePath().normalize();
        try {
            if (Files.isRegularFile(file) && stamp(file).equals(VERIFIED.get(file))) {
                return dir; // unchanged since this JVM checked it
            }
            // compared by its pinned hash: checking an intact file costs a read, not drawing 630 faces
            if (Files.isRegularFile(file) && Files.size(file) <= MAX_BYTES
                    && SHA256.equals(sha256(LimitedFiles.readAllBytes(file, MAX_BYTES, "the demo dataset")))) {
                VERIFIED.put(file, stamp(file));
                return dir;
            }
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !ownedByDemo(dir)) {
                throw new FerDataException(file + " exists and is not armfer's demo dataset (no " + dir.resolve(MARKER)
                        + "); it is left untouched. For a real FER2013 copy use the dataset fer2013; for the demo data choose"
                        + " another directory (or -D" + DIR_PROPERTY + "=...).");
            }
            byte[] csv = bytes();
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(MARKER), (MARKER_TEXT + SHA256 + "\n").getBytes(StandardCharsets.US_ASCII));
            AtomicFiles.write(file, csv);
            VERIFIED.put(file, stamp(file));
            log.info("Wrote the demo dataset ({} faces, {} bytes) to {}", NUM_CLASSES * (TRAIN_PER_CLASS + VALIDATION_PER_CLASS
                    + TEST_PER_CLASS), csv.length, file);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo dataset to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the demo wrote {@code dir}: its marker is there (a regular file, not a link, with the demo's text), or
     * {@code dir} is armfer's own {@code ~/.armfer/demo} (written before the marker existed). A directory named by
     * {@code -Darmfer.demo.dir} is the user's: only the marker makes it the demo's.
     */
    private static boolean ownedByDemo(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Path marker = d.resolve(MARKER);
        if (Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
            byte[] text = LimitedFiles.readAllBytes(marker, 4096, "the demo dataset's marker");
            if (new String(text, StandardCharsets.US_ASCII).startsWith(MARKER_TEXT)) {
                return true;
            }
        }
        return d.equals(builtInDir().toAbsolutePath().normalize());
    }

    /** {@code ~/.armfer/demo}, the default when {@value #DIR_PROPERTY} is not set. */
    private static Path builtInDir() {
        return Path.of(System.getProperty("user.home"), ".armfer", "demo");
    }

    private static String stamp(Path file) throws IOException {
        return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The whole CSV (a copy), as {@link #ensure} writes it. */
    static byte[] csv() {
        return bytes().clone();
    }

    /** The CSV, drawn once per JVM while memory allows. */
    private static synchronized byte[] bytes() {
        byte[] b = cached == null ? null : cached.get();
        if (b == null) {
            b = generate();
            cached = new SoftReference<>(b);
        }
        return b;
    }

    /** The whole CSV, deterministically: per usage, rounds of one face of each emotion 0-6. */
    private static byte[] generate() {
        StringBuilder sb = new StringBuilder(NUM_CLASSES * (TRAIN_PER_CLASS + VALIDATION_PER_CLASS + TEST_PER_CLASS) * 9000)
                .append("emotion,pixels,Usage\n");
        Random r = new Random(SEED);
        String[] usages = {"Training", "PublicTest", "PrivateTest"};
        int[] counts = {TRAIN_PER_CLASS, VALIDATION_PER_CLASS, TEST_PER_CLASS};
        for (int u = 0; u < usages.length; u++) {
            for (int i = 0; i < counts[u]; i++) {
                for (int emotion = 0; emotion < NUM_CLASSES; emotion++) {
                    byte[] px = face(emotion, r);
                    sb.append(emotion).append(',');
                    for (int k = 0; k < px.length; k++) {
                        if (k > 0) sb.append(' ');
                        sb.append(px[k] & 0xFF);
                    }
                    sb.append(',').append(usages[u]).append('\n');
                }
            }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------------------------------ the faces

    /** A face's features in face coordinates (origin at the face centre, y down, unit = 1 pixel at scale 1). */
    private static final class Expression {
        double eyeOpen;      // eye height
        double browUp;       // brow height above the eye line
        double browSlant;    // positive: inner ends lower (V, anger); negative: inner ends raised (sadness, fear)
        int mouth;           // 0 line, 1 curve, 2 round open, 3 wide open
        double mouthCurve;   // curve: positive smiles (middle lower), negative frowns
        double mouthTilt;    // line: right end up (lopsided, disgust)
        double mouthWidth;   // half width
        double mouthOpen;    // open mouths: height
    }

    /** The class's expression, jittered per image. FER2013 numbering: 0 Angry .. 6 Neutral. */
    private static Expression expression(int emotion, Random r) {
        Expression e = new Expression();
        e.mouthWidth = 7.5;
        e.eyeOpen = 3.4;
        e.browUp = 5.5;
        switch (emotion) {
            case 0 -> { e.eyeOpen = 1.8; e.browUp = 3.6; e.browSlant = 2.6; e.mouth = 1; e.mouthCurve = -2.4; e.mouthWidth = 6; }
            case 1 -> { e.eyeOpen = 2.0; e.browUp = 4.0; e.browSlant = 1.2; e.mouth = 0; e.mouthTilt = 4.5; }
            case 2 -> { e.eyeOpen = 5.0; e.browUp = 7.5; e.browSlant = -2.2; e.mouth = 3; e.mouthOpen = 4.0; e.mouthWidth = 7 ; }
            case 3 -> { e.eyeOpen = 2.6; e.mouth = 1; e.mouthCurve = 5.5; }
            case 4 -> { e.eyeOpen = 3.0; e.browSlant = -2.8; e.mouth = 1; e.mouthCurve = -4.5; }
            case 5 -> { e.eyeOpen = 5.2; e.browUp = 8.5; e.mouth = 2; e.mouthOpen = 8.5; e.mouthWidth = 3.6; }
            case 6 -> { e.mouth = 0; e.mouthWidth = 6.5; }
            default -> throw new IllegalArgumentException("FER2013 emotion " + emotion + " out of range 0-6");
        }
        // per-image variation of the expression itself
        e.eyeOpen *= 0.85 + 0.3 * r.nextDouble();
        e.browUp += 0.8 * r.nextGaussian();
        e.browSlant += 0.5 * r.nextGaussian();
        e.mouthCurve *= 0.7 + 0.6 * r.nextDouble();
        e.mouthTilt *= 0.7 + 0.6 * r.nextDouble();
        e.mouthWidth *= 0.85 + 0.3 * r.nextDouble();
        e.mouthOpen *= 0.8 + 0.4 * r.nextDouble();
        return e;
    }

    /** One 48x48 face for a FER2013 emotion (0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral). */
    static byte[] face(int emotion, Random r) {
        Expression e = expression(emotion, r);
        double cx = 23.5 + 1.6 * r.nextGaussian(), cy = 23.5 + 1.6 * r.nextGaussian();
        double scale = 0.88 + 0.24 * r.nextDouble();
        double angle = StrictMath.toRadians(8 * r.nextGaussian());
        double cos = StrictMath.cos(angle), sin = StrictMath.sin(angle);
        double background = 30 + 70 * r.nextDouble();
        double skin = 150 + 70 * r.nextDouble();
        double ink = Math.max(0, skin - 125 - 20 * r.nextDouble());
        double width = 1.7 + 0.3 * r.nextDouble();       // stroke width of brows and mouth lines
        double gain = 0.85 + 0.3 * r.nextDouble();
        double lightX = 0.25 * r.nextGaussian();           // a soft left-right lighting gradient
        // the mouth's polyline (a parabola through the corners and the middle)
        int segments = 10;
        double[] mx = new double[segments + 1], my = new double[segments + 1];
        double mouthY = 10.5;
        for (int k = 0; k <= segments; k++) {
            double t = -1 + 2.0 * k / segments;
            mx[k] = t * e.mouthWidth;
            my[k] = mouthY + e.mouthCurve * (1 - t * t) - e.mouthCurve * 0.4 - t * e.mouthTilt / 2;
        }
        byte[] px = new byte[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                // pixel centre into face coordinates: undo translation, rotation and scale
                double dx = x - cx, dy = y - cy;
                double fx = (cos * dx + sin * dy) / scale, fy = (-sin * dx + cos * dy) / scale;
                double unit = 1 / scale; // one pixel in face units, for antialiased edges
                double v = background;
                v = over(v, skin * (1 + lightX * fx / 17), ellipse(fx, fy, 0, 0, 16.5, 20.5), unit);
                for (int s = -1; s <= 1; s += 2) {
                    v = over(v, ink, ellipse(fx, fy, 7 * s, -5, 2.8, e.eyeOpen / 2), unit);
                    double browY = -5 - e.browUp;
                    v = over(v, ink, segment(fx, fy, 3.2 * s, browY + e.browSlant / 2, 10.5 * s, browY - e.browSlant / 2) - width / 2, unit);
                }
                switch (e.mouth) {
                    case 2, 3 -> v = over(v, ink, ellipse(fx, fy, 0, mouthY, e.mouthWidth, e.mouthOpen / 2), unit);
                    default -> {
                        double d = Double.MAX_VALUE;
                        for (int k = 0; k < segments; k++) d = Math.min(d, segment(fx, fy, mx[k], my[k], mx[k + 1], my[k + 1]));
                        v = over(v, ink, d - width / 2, unit);
                    }
                }
                double noisy = v * gain + 9 * r.nextGaussian();
                px[y * SIDE + x] = (byte) Math.max(0, Math.min(255, (int) Math.round(noisy)));
            }
        }
        return px;
    }

    /** Paints {@code colour} over {@code under} with the coverage of a shape at signed distance {@code d} (negative inside). */
    private static double over(double under, double colour, double d, double unit) {
        double coverage = Math.max(0, Math.min(1, 0.5 - d / unit));
        return under + (colour - under) * coverage;
    }

    /** Approximate signed distance to an axis-aligned ellipse (exact on the axes; good enough for 1-pixel antialiasing). */
    private static double ellipse(double x, double y, double cx, double cy, double a, double b) {
        double u = (x - cx) / a, w = (y - cy) / b;
        double k = Math.sqrt(u * u + w * w);
        return (k - 1) * Math.min(a, b);
    }

    /** Distance to the segment (x1, y1)-(x2, y2). */
    private static double segment(double x, double y, double x1, double y1, double x2, double y2) {
        double vx = x2 - x1, vy = y2 - y1, wx = x - x1, wy = y - y1;
        double t = Math.max(0, Math.min(1, (wx * vx + wy * vy) / (vx * vx + vy * vy)));
        double ex = wx - t * vx, ey = wy - t * vy;
        return Math.sqrt(ex * ex + ey * ey);
    }
}
