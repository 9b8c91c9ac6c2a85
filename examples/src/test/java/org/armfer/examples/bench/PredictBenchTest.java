package org.armfer.examples.bench;

import org.armfer.vision.CascadeFaceDetector;
import org.armfer.vision.FaceDetector;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench --predict}: what it times on a real photograph, and how it reports it (not how fast: that is bench's job). */
class PredictBenchTest {

    static final Path ASTRONAUT = Path.of(System.getProperty("armfer.skimage.data", "/usr/lib/python3/dist-packages/skimage/data"),
            "astronaut.png");

    @Test
    void detectionAloneThenEachModelThroughBothEnginesWithPercentilesPerPhoto() throws Exception {
        assertTrue(Files.isRegularFile(ASTRONAUT), ASTRONAUT + " is missing: apt-get install -y python3-skimage (./run-tests installs it)");
        BufferedImage photo = ImageIO.read(ASTRONAUT.toFile());
        Bench bench = new Bench(1, 64, 1, 3, 0, s -> { }).withModels(List.of("resnet18"));
        List<Bench.Row> rows;
        try (FaceDetector detector = CascadeFaceDetector.builder().build()) {
            rows = bench.predictLatency(photo, detector);
        }
        assertEquals(List.of("detector|-|detect", "dl4j|resnet18|predict", "dl4j-onednn|resnet18|predict"),
                rows.stream().map(r -> r.engine + "|" + r.model + "|" + r.phase).collect(Collectors.toList()));
        for (Bench.Row r : rows) {
            assertEquals(3, r.millis.size(), "one time per round");
            assertTrue(r.p50 != null && r.p50 > 0 && r.p50 <= r.p90 && r.p90 <= r.p99, "percentiles of " + r.engine);
            assertEquals(1, r.batch, "the astronaut has one face");
        }
        assertTrue(bench.notes().get(0).startsWith("1 face found in the photo by opencv-cascade"), bench.notes().toString());
        String table = Bench.latencyTable(rows);
        assertTrue(table.contains("detector") && table.contains("dl4j-onednn"), table);
    }
}
