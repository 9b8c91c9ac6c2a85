package org.armfer.datavec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.QuadCurve2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;

/**
 * The embedded demo dataset: synthetic 48x48 gray faces written as a FER2013 {@code fer2013.csv} (header
 * {@code emotion,pixels,Usage}, FER2013's own label numbers), so it goes through the same reader as the real data.
 * Each face (oval, eyes, brows, mouth) has a class-dependent expression (mouth curve or opening, brow height and
 * slant, eye opening) and random jitter (position, size, brightness, noise). Deterministic: the same bytes every time.
 * 60 training, 15 validation (PublicTest) and 15 test (PrivateTest) faces per class.
 */
public final class DemoDataset {

    private static final Logger log = LoggerFactory.getLogger(DemoDataset.class);

    public static final String FILE = "fer2013.csv";
    public static final String DIR_PROPERTY = "armfer.demo.dir";
    public static final int TRAIN_PER_CLASS = 60;
    public static final int VALIDATION_PER_CLASS = 15;
    public static final int TEST_PER_CLASS = 15;
    static final long SEED = 2103_10189L;

    private DemoDataset() {
    }

    /** {@code ${armfer.demo.dir}} if set, else {@code ~/.armfer/demo}. */
    public static Path defaultDir() {
        String p = System.getProperty(DIR_PROPERTY);
        return p != null ? Path.of(p) : Path.of(System.getProperty("user.home"), ".armfer", "demo");
    }

    /** Files this JVM has verified or written, with their size and modification time then. */
    private static final java.util.Map<Path, String> VERIFIED = new java.util.HashMap<>();

    /** Writes {@code dir/fer2013.csv} unless it already holds exactly the demo data; returns {@code dir}. */
    public static synchronized Path ensure(Path dir) {
        Path file = dir.resolve(FILE).toAbsolutePath().normalize();
        try {
            if (Files.isRegularFile(file) && stamp(file).equals(VERIFIED.get(file))) {
                return dir; // unchanged since this JVM checked it
            }
            byte[] csv = csv();
            if (Files.isRegularFile(file) && Files.size(file) == csv.length && Arrays.equals(Files.readAllBytes(file), csv)) {
                VERIFIED.put(file, stamp(file));
                return dir;
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE, ".tmp");
            try {
                Files.write(tmp, csv);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            VERIFIED.put(file, stamp(file));
            log.info("Wrote the demo dataset ({} faces) to {}", 7 * (TRAIN_PER_CLASS + VALIDATION_PER_CLASS + TEST_PER_CLASS), file);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo dataset to " + file + ": " + e.getMessage(), e);
        }
    }

    private static String stamp(Path file) throws IOException {
        return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
    }

    /** The whole CSV, deterministically. */
    static byte[] csv() {
        StringBuilder sb = new StringBuilder(7 * 90 * 8000).append("emotion,pixels,Usage\n");
        Random r = new Random(SEED);
        String[] usages = {"Training", "PublicTest", "PrivateTest"};
        int[] counts = {TRAIN_PER_CLASS, VALIDATION_PER_CLASS, TEST_PER_CLASS};
        for (int u = 0; u < usages.length; u++) {
            for (int i = 0; i < counts[u]; i++) {
                for (int emotion = 0; emotion < 7; emotion++) {
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

    /** One 48x48 face for a FER2013 emotion (0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral). */
    static byte[] face(int emotion, Random r) {
        int side = Layouts.FER_SIDE;
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int bg = 40 + r.nextInt(60);
        g.setColor(gray(bg));
        g.fillRect(0, 0, side, side);
        double cx = 24 + r.nextGaussian() * 1.5, cy = 24 + r.nextGaussian() * 1.5;
        double s = 0.9 + r.nextDouble() * 0.2;
        int skin = 150 + r.nextInt(60);
        g.setColor(gray(skin));
        g.fill(new Ellipse2D.Double(cx - 17 * s, cy - 21 * s, 34 * s, 42 * s));
        int dark = Math.max(0, skin - 120 - r.nextInt(20));
        g.setColor(gray(dark));
        g.setStroke(new BasicStroke((float) (1.8 * s), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));

        // eyes: openness by class
        double eyeH = switch (emotion) {
            case 0 -> 1.6;        // angry: narrowed
            case 1 -> 2.0;        // disgust: squint
            case 2, 5 -> 5.0;     // fear, surprise: wide open
            case 3 -> 2.4;        // happy
            default -> 3.4;
        };
        double eyeY = cy - 5 * s, eyeDx = 7 * s;
        for (int side2 = -1; side2 <= 1; side2 += 2) {
            double ex = cx + side2 * eyeDx;
            g.fill(new Ellipse2D.Double(ex - 2.8 * s, eyeY - eyeH * s / 2, 5.6 * s, eyeH * s));
        }
        // brows: height above the eyes and slant (positive: inner end lower)
        double browUp, slant;
        switch (emotion) {
            case 0 -> { browUp = 3.5; slant = 2.6; }   // angry: low, V shape
            case 1 -> { browUp = 3.8; slant = 1.0; }   // disgust: lowered
            case 2 -> { browUp = 7.5; slant = -2.2; }  // fear: raised, inner ends up
            case 4 -> { browUp = 5.5; slant = -2.6; }  // sad: inner ends up
            case 5 -> { browUp = 8.5; slant = 0.0; }   // surprise: high
            default -> { browUp = 5.5; slant = 0.0; }
        }
        for (int side2 = -1; side2 <= 1; side2 += 2) {
            double inner = cx + side2 * 3.5 * s, outer = cx + side2 * 10.5 * s;
            double y = eyeY - browUp * s;
            g.draw(new Line2D.Double(inner, y + slant * s / 2, outer, y - slant * s / 2));
        }
        // mouth
        double my = cy + 10 * s, mw = 8 * s;
        switch (emotion) {
            case 3 -> g.draw(new QuadCurve2D.Double(cx - mw, my - 2 * s, cx, my + 6 * s, cx + mw, my - 2 * s));   // smile
            case 4 -> g.draw(new QuadCurve2D.Double(cx - mw, my + 3 * s, cx, my - 4 * s, cx + mw, my + 3 * s));   // frown
            case 5 -> g.fill(new Ellipse2D.Double(cx - 3.5 * s, my - 4 * s, 7 * s, 9 * s));                       // open round
            case 2 -> g.fill(new Ellipse2D.Double(cx - mw, my - 2 * s, 2 * mw, 4.5 * s));                         // stretched open
            case 1 -> g.draw(new Line2D.Double(cx - mw, my + 2.5 * s, cx + mw, my - 2.5 * s));                    // lopsided
            case 0 -> g.draw(new Arc2D.Double(cx - mw, my - 1 * s, 2 * mw, 5 * s, 20, 140, Arc2D.OPEN));           // tight, down
            default -> g.draw(new Line2D.Double(cx - mw * 0.8, my, cx + mw * 0.8, my));                          // neutral
        }
        g.dispose();
        byte[] px = new byte[side * side];
        int[] row = new int[side];
        double gain = 0.85 + r.nextDouble() * 0.3;
        for (int y = 0; y < side; y++) {
            img.getRaster().getSamples(0, y, side, 1, 0, row);
            for (int x = 0; x < side; x++) {
                double v = row[x] * gain + r.nextGaussian() * 10;
                px[y * side + x] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
            }
        }
        return px;
    }

    private static Color gray(int v) {
        int c = Math.max(0, Math.min(255, v));
        return new Color(c, c, c);
    }
}
