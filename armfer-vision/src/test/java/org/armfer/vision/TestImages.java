package org.armfer.vision;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * Real photographs from Debian's python3-skimage (./run-tests installs it), the face boxes they hold, and the PyTorch
 * scripts of the tests.
 */
final class TestImages {

    static final Path SKIMAGE_DATA = Path.of(System.getProperty("armfer.skimage.data", "/usr/lib/python3/dist-packages/skimage/data"));
    static final String PYTHON = System.getProperty("armfer.python", "/usr/bin/python3");

    /**
     * Where the face is in scikit-image's astronaut.png (512x512, NASA portrait of Eileen Collins, public domain):
     * eyebrows to chin, cheek to cheek, as a square, checked by eye on the image: x 178-270, y 69-161.
     */
    static final FaceBox ASTRONAUT_FACE = new FaceBox(178, 69, 92, 92, Double.NaN);

    private TestImages() {
    }

    static Path path(String name) {
        Path p = SKIMAGE_DATA.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("Test photo " + p + " is missing: apt-get install -y python3-skimage (./run-tests installs it)");
        }
        return p;
    }

    static BufferedImage read(String name) throws IOException {
        return ImageIO.read(path(name).toFile());
    }

    static BufferedImage astronaut() throws IOException {
        return read("astronaut.png");
    }

    /** A plain background with a vertical gradient (no face in it). */
    static BufferedImage background(int w, int h) {
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = b.createGraphics();
        for (int y = 0; y < h; y++) {
            int v = 90 + 80 * y / h;
            g.setColor(new Color(v, v, Math.min(255, v + 30)));
            g.drawLine(0, y, w, y);
        }
        g.dispose();
        return b;
    }

    /** Draws {@code src} scaled by {@code s} at {@code (x, y)} onto {@code dst}; returns the astronaut's face box there. */
    static FaceBox paste(BufferedImage dst, BufferedImage src, int x, int y, double s) {
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, x, y, (int) Math.round(src.getWidth() * s), (int) Math.round(src.getHeight() * s), null);
        g.dispose();
        FaceBox f = ASTRONAUT_FACE;
        return new FaceBox(x + (int) Math.round(f.x() * s), y + (int) Math.round(f.y() * s), (int) Math.round(f.width() * s),
                (int) Math.round(f.height() * s), Double.NaN);
    }

    /** Runs test resource {@code /vision/<script>} with Debian's python3-torch: {@code python3 script dir}. */
    static void python(String script, Path dir) throws IOException, InterruptedException {
        Path file = dir.resolve(script);
        try (InputStream in = TestImages.class.getResourceAsStream("/vision/" + script)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!new File(PYTHON).canExecute()) {
            throw new IllegalStateException("This test needs " + PYTHON + " with torch: apt-get install -y python3-torch (./run-tests does)");
        }
        Process p = new ProcessBuilder(PYTHON, file.toString(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " failed (exit " + p.exitValue() + "):\n" + out);
        }
    }
}
