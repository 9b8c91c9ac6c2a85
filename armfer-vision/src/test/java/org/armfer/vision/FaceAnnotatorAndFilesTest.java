package org.armfer.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The annotated copy and the JSON/CSV result files. */
class FaceAnnotatorAndFilesTest {

    static final List<String> LABELS = List.of("neutral", "happiness", "sad, or not");

    static FacePrediction face(int x, int y, int w, double... p) {
        FaceBox b = new FaceBox(x, y, w, w, 12, new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        return new FacePrediction(b, new Rectangle(x - 2, y - 2, w + 4, w + 4), LABELS, p);
    }

    @Test
    void annotatesACopyWithTheLabelsColour() throws Exception {
        BufferedImage img = TestImages.background(200, 150);
        int before = img.getRGB(50, 60);
        ImagePrediction p = new ImagePrediction(200, 150, List.of(face(40, 50, 60, 0.1, 0.7, 0.2)));
        BufferedImage out = new FaceAnnotator(2).annotate(img, p);
        assertEquals(before, img.getRGB(50, 60), "the original is not drawn on");
        assertEquals(200, out.getWidth());
        // the box's left edge, below the label, in happiness' colour
        assertEquals(FaceAnnotator.colour(1).getRGB(), out.getRGB(40, 100) | 0xFF000000);
        // the label sits above the box in the same colour
        assertEquals(FaceAnnotator.colour(1).getRGB(), out.getRGB(41, 49) | 0xFF000000);
        // inside the face nothing is drawn
        assertEquals(img.getRGB(70, 90), out.getRGB(70, 90));
    }

    @Test
    void jsonAndCsvHoldEveryFaceAndNoFaceImages(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("p.json"), csv = dir.resolve("p.csv");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("model", "m.zip");
        header.put("labels", LABELS);
        try (PredictionFiles f = PredictionFiles.open(PredictionFiles.Kind.IMAGES, json, csv, header, LABELS, 2)) {
            f.addImage("a.png", new ImagePrediction(200, 150, List.of(face(40, 50, 60, 0.1, 0.7, 0.2),
                    face(120, 10, 30, 0.5000004, 0.25, 0.2499996))), "a.annotated.png");
            f.addImage("empty.png", new ImagePrediction(10, 10, List.of()), null);
            assertFalse(Files.exists(json), "nothing in place before close");
        }
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals("m.zip", root.get("model").asText());
        assertEquals(2, root.get("images").size());
        JsonNode a = root.get("images").get(0);
        assertEquals("a.annotated.png", a.get("annotated").asText());
        JsonNode f0 = a.get("faces").get(0);
        assertEquals(40, f0.get("box").get("x").asInt());
        assertEquals(60, f0.get("box").get("width").asInt());
        assertEquals(12, f0.get("score").asInt());
        assertEquals(5, f0.get("landmarks").size());
        assertEquals(38, f0.get("crop").get("x").asInt());
        assertEquals("happiness", f0.get("top").get(0).get("label").asText());
        assertEquals(0.7, f0.get("top").get(0).get("probability").asDouble(), 0);
        assertEquals(2, f0.get("top").size());
        assertEquals(0.2, f0.get("probabilities").get("sad, or not").asDouble(), 0);
        assertEquals("0.5", a.get("faces").get(1).get("top").get(0).get("probability").asText(), "6 decimals");
        assertEquals(0, root.get("images").get(1).get("faces").size());

        List<String> lines = Files.readAllLines(csv);
        assertEquals("image,face,x,y,width,height,score,top1,p1,top2,p2,p_neutral,p_happiness,\"p_sad, or not\"", lines.get(0));
        assertEquals("a.png,1,40,50,60,60,12,happiness,0.7,sad\\, or not,0.2,0.1,0.7,0.2".replace("sad\\, or not", "\"sad, or not\""),
                lines.get(1));
        assertEquals(4, lines.size(), "two faces and the image without one");
        assertEquals("empty.png" + ",".repeat(6 + 4 + 3), lines.get(3));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("p.csv", "p.json"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }
}
