package org.armfer.datavec;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes dataset fixtures in the real formats. */
final class Fixtures {

    private Fixtures() {
    }

    /** 2304 pixel values, pixel i = (seed + i) % 256. */
    static String pixels(int seed) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2304; i++) {
            if (i > 0) sb.append(' ');
            sb.append((seed + i) % 256);
        }
        return sb.toString();
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** An RGB image whose pixel (x, y) is (x, y, 100) (scaled), written as PNG or JPEG by extension. */
    static Path image(Path file, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 2) % 256) << 16 | ((y * 2) % 256) << 8 | 100);
            }
        }
        Files.createDirectories(file.getParent());
        String ext = file.getFileName().toString().replaceAll(".*\\.", "");
        if (!ImageIO.write(img, ext.equals("jpg") ? "jpeg" : ext, file.toFile())) {
            throw new IOException("no writer for " + ext);
        }
        return file;
    }

    /** A .npy file (version 1.0) holding one value of {@code descr} given as its raw little-endian bytes. */
    static Path npy(Path file, String descr, byte[] data) throws IOException {
        return npy(file, descr, "()", data);
    }

    /** A .npy file (version 1.0) of {@code shape} (as NumPy writes it: "()", "(1,)", "(2, 2)") holding {@code data}. */
    static Path npy(Path file, String descr, String shape, byte[] data) throws IOException {
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        b.put(data);
        Files.createDirectories(file.getParent());
        Files.write(file, b.array());
        return file;
    }

    /** The bytes of a small RGB JPEG with noisy content (about 3 KB at 64x64), as ImageIO writes it. */
    static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(w * 31L + h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    /**
     * The JPEG with its frame header (SOF0) patched to claim {@code w x h}: what a crafted file of a few KB looks like
     * that would make a decoder allocate gigabytes.
     */
    static byte[] claimSize(byte[] jpeg, int w, int h) {
        byte[] b = jpeg.clone();
        for (int i = 2; i + 8 < b.length; i++) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xC0) {
                // FF C0, length (2), precision (1), height (2), width (2)
                b[i + 5] = (byte) (h >> 8);
                b[i + 6] = (byte) h;
                b[i + 7] = (byte) (w >> 8);
                b[i + 8] = (byte) w;
                return b;
            }
        }
        throw new IllegalArgumentException("no SOF0 marker");
    }

    /** The first {@code bytes.length / parts} bytes of a file's content: a download cut short. */
    static Path cut(Path file, byte[] bytes, int parts) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / parts));
    }

    /** A sparse file of {@code size} bytes (no disk used): a file larger than a reader's limit, made instantly. */
    static Path sparse(Path file, long size) throws IOException {
        Files.createDirectories(file.getParent());
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }

    static byte[] int64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] unicode(String s) {
        ByteBuffer b = ByteBuffer.allocate(4 * s.length()).order(ByteOrder.LITTLE_ENDIAN);
        s.codePoints().forEach(b::putInt);
        return b.array();
    }
}
