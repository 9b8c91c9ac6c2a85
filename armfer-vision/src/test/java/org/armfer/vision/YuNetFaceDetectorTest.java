package org.armfer.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * YuNet through OpenCV's FaceDetectorYN, with a stand-in ONNX model made by PyTorch during the test (make_yunet_stub.py:
 * YuNet's interface, outputs that put one face of known box, landmarks and score on OpenCV's prior grid), so that the
 * wiring is checked without the real model: input size, BGR input, box and landmark decoding, scaling back.
 */
class YuNetFaceDetectorTest {

    @Test
    void decodesTheStubsFaceAndScalesItBackToTheImage(@TempDir Path dir) throws Exception {
        TestImages.python("make_yunet_stub.py", dir);
        Path onnx = dir.resolve("yunet_stub.onnx");
        // 320x240 detected at 160x120 (maxSide 160), the stub's input size: the box comes back twice as large
        try (YuNetFaceDetector d = YuNetFaceDetector.builder(onnx).maxSide(160).build()) {
            assertEquals("yunet:yunet_stub.onnx", d.describe());
            List<FaceBox> faces = d.detect(TestImages.background(320, 240));
            assertEquals(1, faces.size(), faces.toString());
            FaceBox f = faces.get(0);
            assertEquals(new FaceBox(96, 80, 96, 64, f.score(), f.landmarks()), f);
            assertEquals(0.95, f.score(), 1e-5);
            float[] expected = new float[10];
            for (int i = 0; i < 10; i += 2) {
                expected[i] = 144;
                expected[i + 1] = 112;
            }
            assertArrayEquals(expected, f.landmarks(), 1e-3f);
        }
        // above the score threshold nothing is left
        try (YuNetFaceDetector d = YuNetFaceDetector.builder(onnx).maxSide(160).scoreThreshold(0.97).build()) {
            assertEquals(List.of(), d.detect(TestImages.background(160, 120)));
        }
    }

    @Test
    void aMissingOrBrokenModelIsRejected(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> YuNetFaceDetector.builder(dir.resolve("face_detection_yunet.onnx")).build());
        assertTrue(e.getMessage().contains("face_detection_yunet.onnx") && e.getMessage().contains("does not exist"), e.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a network");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> YuNetFaceDetector.builder(junk).build());
        assertTrue(e2.getMessage().contains("junk.onnx"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> YuNetFaceDetector.builder(junk).scoreThreshold(0));
    }
}
