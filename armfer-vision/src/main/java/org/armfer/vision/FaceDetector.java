package org.armfer.vision;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Finds faces in an image. An image without faces gives an empty list, not an error. Implementations hold native
 * resources: close them when done.
 */
public interface FaceDetector extends AutoCloseable {

    /** The faces of {@code image}, in the image's pixel coordinates, largest first. */
    List<FaceBox> detect(BufferedImage image);

    /** What this detector is, for result files: {@code "opencv-cascade:haar-alt2"}, {@code "yunet:face.onnx"}. */
    String describe();

    @Override
    default void close() {
    }
}
