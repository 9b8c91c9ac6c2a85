package org.armfer.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenCV's cascades from the OpenCV jar, on real photographs (scikit-image's test images). */
class CascadeFaceDetectorTest {

    @Test
    void findsTheAstronautsFaceWithEveryCascadeInTheJar() throws Exception {
        BufferedImage img = TestImages.astronaut();
        for (CascadeFaceDetector.Cascade c : CascadeFaceDetector.Cascade.values()) {
            try (CascadeFaceDetector d = CascadeFaceDetector.builder().cascade(c).build()) {
                List<FaceBox> faces = d.detect(img);
                assertEquals(1, faces.size(), c.id() + ": " + faces);
                double iou = faces.get(0).iou(TestImages.ASTRONAUT_FACE);
                assertTrue(iou >= 0.5, c.id() + ": IoU " + iou + " of " + faces.get(0) + " with " + TestImages.ASTRONAUT_FACE);
                assertTrue(faces.get(0).score() >= 5, c.id() + ": merged detections " + faces.get(0).score());
            }
        }
    }

    @Test
    void findsSeveralFacesAndNoneWhereThereIsNone() throws Exception {
        BufferedImage astronaut = TestImages.astronaut();
        BufferedImage group = TestImages.background(900, 420);
        FaceBox big = TestImages.paste(group, astronaut, 10, 0, 0.8);
        FaceBox small = TestImages.paste(group, astronaut, 480, 60, 0.55);
        try (CascadeFaceDetector d = CascadeFaceDetector.create()) {
            assertEquals("opencv-cascade:haar-alt2", d.describe());
            List<FaceBox> faces = d.detect(group);
            assertEquals(2, faces.size(), faces.toString());
            // largest first
            assertTrue(faces.get(0).iou(big) >= 0.5, faces.get(0) + " vs " + big);
            assertTrue(faces.get(1).iou(small) >= 0.5, faces.get(1) + " vs " + small);
            // photos without a face: none found is a result, not an error
            for (String name : List.of("coffee.png", "chelsea.png")) {
                assertEquals(List.of(), d.detect(TestImages.read(name)), name);
            }
            assertEquals(List.of(), d.detect(TestImages.background(40, 30)), "an image smaller than the smallest face");
        }
    }

    @Test
    void largeImagesAreSearchedReducedAndTheBoxesScaledBack() throws Exception {
        BufferedImage big = Pixels.resized(TestImages.astronaut(), 1536, 1536);
        try (CascadeFaceDetector d = CascadeFaceDetector.builder().maxSide(512).build()) {
            List<FaceBox> faces = d.detect(big);
            assertEquals(1, faces.size(), faces.toString());
            FaceBox expected = new FaceBox(178 * 3, 69 * 3, 92 * 3, 92 * 3, Double.NaN);
            assertTrue(faces.get(0).iou(expected) >= 0.5, faces.get(0) + " vs " + expected);
        }
    }

    @Test
    void badCascadesAndSettingsAreRejected(@TempDir Path tmp) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CascadeFaceDetector.builder().cascade("haar"));
        assertTrue(e.getMessage().contains("'haar'") && e.getMessage().contains("haar-alt2") && e.getMessage().contains("lbp-improved"),
                e.getMessage());
        Path notACascade = Files.writeString(tmp.resolve("x.xml"), "<?xml version=\"1.0\"?><opencv_storage><a>1</a></opencv_storage>");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> CascadeFaceDetector.builder().cascade(notACascade.toString()).build());
        assertTrue(e2.getMessage().contains("x.xml") && e2.getMessage().contains("not an OpenCV cascade"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> CascadeFaceDetector.builder().cascade(tmp.resolve("missing.xml").toString()).build());
        assertTrue(e3.getMessage().contains("missing.xml"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CascadeFaceDetector.builder().scaleFactor(1.0));
        assertThrows(IllegalArgumentException.class, () -> CascadeFaceDetector.builder().minFaceSize(5));
        // a cascade XML file works as well as a name: the jar's own, copied out
        Path copy = tmp.resolve("alt.xml");
        try (var in = CascadeFaceDetector.class.getResourceAsStream(CascadeFaceDetector.Cascade.HAAR_ALT.resource())) {
            Files.copy(in, copy);
        }
        try (CascadeFaceDetector d = CascadeFaceDetector.builder().cascade(copy.toString()).build()) {
            assertEquals("opencv-cascade:alt.xml", d.describe());
            assertEquals(1, d.detect(TestImages.astronaut()).size());
        }
    }
}
