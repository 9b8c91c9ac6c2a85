package org.armfer.vision;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Draws each face's box and its most probable label with the probability ({@code "happiness 83%"}) on a copy of the
 * image; the original is never changed. Each label has its own colour (the same label, the same colour, in every
 * image of a run), line width and text size follow the image's size, and a label that would leave the image at the
 * top is drawn inside the box instead.
 */
public final class FaceAnnotator {

    /** Colours per label index: Okabe-Ito's colour-blind-safe palette, then a few more. */
    private static final Color[] PALETTE = {
            new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73), new Color(0xD55E00),
            new Color(0xCC79A7), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000),
            new Color(0x8C564B), new Color(0x7F7F7F)};

    private final int topK;

    /** Shows the most probable label of each face. */
    public FaceAnnotator() {
        this(1);
    }

    /** Shows the {@code topK} most probable labels of each face (1 to 3 fit on one line). */
    public FaceAnnotator(int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be >= 1; got " + topK);
        }
        this.topK = topK;
    }

    /** The colour of label {@code index}. */
    public static Color colour(int index) {
        return PALETTE[Math.floorMod(index, PALETTE.length)];
    }

    /** A copy of {@code image} with the faces drawn on it. */
    public BufferedImage annotate(BufferedImage image, ImagePrediction prediction) {
        BufferedImage out = Pixels.rgbCopy(image);
        draw(out, prediction.faces());
        return out;
    }

    /** Draws the faces on {@code canvas} itself (an RGB image you own). */
    public void draw(BufferedImage canvas, List<FacePrediction> faces) {
        int w = canvas.getWidth(), h = canvas.getHeight();
        int shorter = Math.min(w, h);
        float stroke = Math.max(2f, shorter / 200f);
        int fontSize = Math.max(11, Math.round(shorter / 32f));
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
            FontMetrics fm = g.getFontMetrics();
            for (FacePrediction f : faces) {
                Color c = colour(f.bestIndex());
                FaceBox b = f.box();
                g.setColor(c);
                g.setStroke(new BasicStroke(stroke));
                g.drawRect(b.x(), b.y(), b.width() - 1, b.height() - 1);
                StringBuilder text = new StringBuilder();
                for (FacePrediction.Label l : f.top(topK)) {
                    if (text.length() > 0) text.append(", ");
                    text.append(l.label()).append(' ').append(String.format(Locale.ROOT, "%.0f%%", 100 * l.probability()));
                }
                int tw = fm.stringWidth(text.toString()) + 2 * Math.round(stroke) + 4, th = fm.getHeight() + 2;
                int tx = Math.min(Math.max(0, b.x()), Math.max(0, w - tw));
                int ty = b.y() - th >= 0 ? b.y() - th : b.y();
                g.fillRect(tx, ty, tw, th);
                g.setColor(textColour(c));
                g.drawString(text.toString(), tx + Math.round(stroke) + 2, ty + fm.getAscent() + 1);
            }
        } finally {
            g.dispose();
        }
    }

    /** Black or white, whichever reads better on {@code background}. */
    private static Color textColour(Color background) {
        double l = 0.299 * background.getRed() + 0.587 * background.getGreen() + 0.114 * background.getBlue();
        return l > 150 ? Color.BLACK : Color.WHITE;
    }
}
