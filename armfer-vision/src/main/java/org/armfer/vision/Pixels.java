package org.armfer.vision;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/** Pixel conversions between Java images and the byte layouts OpenCV reads. */
final class Pixels {

    private Pixels() {
    }

    /** 8-bit luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B, as datavec-fer reduces RGB to gray), row-major. */
    static byte[] gray(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            byte[] g = new byte[w * h];
            img.getRaster().getDataElements(0, 0, w, h, g);
            return g;
        }
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] g = new byte[w * h];
        for (int i = 0; i < rgb.length; i++) {
            int p = rgb[i];
            g[i] = (byte) luma((p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF);
        }
        return g;
    }

    static int luma(int r, int g, int b) {
        return Math.min(255, (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b));
    }

    /** Interleaved B, G, R bytes, row-major (OpenCV's CV_8UC3). */
    static byte[] bgr(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[3 * w * h];
        for (int i = 0; i < rgb.length; i++) {
            int p = rgb[i];
            out[3 * i] = (byte) p;
            out[3 * i + 1] = (byte) (p >> 8);
            out[3 * i + 2] = (byte) (p >> 16);
        }
        return out;
    }

    /** A gray copy of {@code img} (luma as {@link #gray}). */
    static BufferedImage toGray(BufferedImage img) {
        BufferedImage g = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) g.getRaster().getDataBuffer()).getData();
        System.arraycopy(gray(img), 0, data, 0, data.length);
        return g;
    }

    /** An RGB copy that can be drawn on, whatever {@code img}'s type. */
    static BufferedImage rgbCopy(BufferedImage img) {
        BufferedImage c = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = c.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.dispose();
        return c;
    }

    /** {@code img} scaled to {@code w x h} (bilinear). */
    static BufferedImage resized(BufferedImage img, int w, int h) {
        BufferedImage r = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = r.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return r;
    }
}
