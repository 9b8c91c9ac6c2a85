package org.armfer.vision;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * Square face crops with a margin, as aligned FER datasets show faces: the square's side is the box's longer side plus
 * {@code margin} of it on each side, centred on the box. It is moved, never padded, to stay inside the image, and
 * shrunk to the image's shorter side when the image is too small for it (so a crop never holds invented pixels).
 */
public final class FaceCrops {

    private FaceCrops() {
    }

    /** The square crop of {@code box} in a {@code width x height} image. */
    public static Rectangle square(FaceBox box, double margin, int width, int height) {
        if (!(margin >= 0) || margin > 2) {
            throw new IllegalArgumentException("margin must be in [0, 2] (a fraction of the face box); got " + margin);
        }
        double cx = box.x() + box.width() / 2.0, cy = box.y() + box.height() / 2.0;
        double side = Math.max(box.width(), box.height()) * (1 + 2 * margin);
        int s = (int) Math.max(1, Math.min(Math.round(side), Math.min(width, height)));
        int x0 = FaceBox.clamp((int) Math.round(cx - s / 2.0), 0, width - s);
        int y0 = FaceBox.clamp((int) Math.round(cy - s / 2.0), 0, height - s);
        return new Rectangle(x0, y0, s, s);
    }

    /** The pixels of {@code r} (a copy, so the crop does not keep the whole image alive). */
    public static BufferedImage crop(BufferedImage image, Rectangle r) {
        BufferedImage sub = image.getSubimage(r.x, r.y, r.width, r.height);
        BufferedImage copy = new BufferedImage(r.width, r.height,
                image.getType() == BufferedImage.TYPE_BYTE_GRAY ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = copy.createGraphics();
        g.drawImage(sub, 0, 0, null);
        g.dispose();
        return copy;
    }
}
