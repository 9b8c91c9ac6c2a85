package org.armfer.vision;

import java.util.List;

/** Every face found in one image (or video frame) of {@code width x height}, largest first; empty when none was found. */
public record ImagePrediction(int width, int height, List<FacePrediction> faces) {

    public ImagePrediction {
        faces = List.copyOf(faces);
    }
}
