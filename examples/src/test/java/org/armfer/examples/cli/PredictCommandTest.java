package org.armfer.examples.cli;

import org.armfer.train.Json;
import org.armfer.train.ModelCard;
import org.armfer.train.ModelFiles;
import org.armfer.zoo.ResNet18;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code armfer predict} on real photographs from Debian's python3-skimage (./run-tests installs it) and on a short
 * video made here, with a small random-initialised zoo model saved as {@code train} saves it (model + card): the face
 * boxes and the files are what is tested, not the labels.
 */
class PredictCommandTest {

    static final Path SKIMAGE = Path.of(System.getProperty("armfer.skimage.data", "/usr/lib/python3/dist-packages/skimage/data"));
    /** The face in astronaut.png (public-domain NASA portrait), eyebrows to chin, cheek to cheek: x 178-270, y 69-161. */
    static final int[] ASTRONAUT_FACE = {178, 69, 92, 92};

    @TempDir
    static Path tmp;
    static Path model;
    static ComputationGraph graph;

    static Path photo(String name) {
        Path p = SKIMAGE.resolve(name);
        assertTrue(Files.isRegularFile(p), p + " is missing: apt-get install -y python3-skimage (./run-tests installs it)");
        return p;
    }

    @BeforeAll
    static void saveModel() throws Exception {
        ComputationGraph g = ResNet18.builder().numClasses(7).inputSize(48).build().init();
        graph = g;
        ModelCard card = new ModelCard();
        card.model = "resnet18";
        card.labels = List.of("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger");
        card.channels = 3;
        card.height = 48;
        card.width = 48;
        card.grayToRgb = true;
        card.dataset = "test";
        model = tmp.resolve("model.zip");
        ModelFiles.save(g, model, false, java.util.Map.of(ModelCard.KEY, Json.write(card)));
    }

    static double iou(JsonNode box, int[] b) {
        int x = box.get("x").asInt(), y = box.get("y").asInt(), w = box.get("width").asInt(), h = box.get("height").asInt();
        long ix = Math.max(0, Math.min(x + w, b[0] + b[2]) - Math.max(x, b[0]));
        long iy = Math.max(0, Math.min(y + h, b[1] + b[3]) - Math.max(y, b[1]));
        double inter = ix * iy;
        return inter / ((double) w * h + (double) b[2] * b[3] - inter);
    }

    @Test
    void findsTheAstronautsFaceAndWritesJsonCsvAndAnAnnotatedCopy() throws Exception {
        Path out = tmp.resolve("astronaut");
        Path astronaut = photo("astronaut.png");
        CliRunner.Result r = CliRunner.run("predict", astronaut.toString(), "--model-file", model.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("astronaut.png  face 1 at "), r.toString());
        assertFalse(r.out().contains("NaN"), r.toString());
        JsonNode json = new ObjectMapper().readTree(out.resolve("predictions.json").toFile());
        assertEquals("opencv-cascade:haar-alt2", json.get("detector").asText());
        JsonNode faces = json.get("images").get(0).get("faces");
        assertEquals(1, faces.size(), json.toString());
        double iou = iou(faces.get(0).get("box"), ASTRONAUT_FACE);
        assertTrue(iou >= 0.5, "IoU " + iou + " of " + faces.get(0).get("box") + " with the astronaut's face");
        assertEquals(3, faces.get(0).get("top").size());
        assertEquals(7, faces.get(0).get("probabilities").size());
        List<String> csv = Files.readAllLines(out.resolve("predictions.csv"));
        assertEquals(2, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith(astronaut + ",1,"), csv.get(1));

        Path annotated = out.resolve("astronaut.annotated.png");
        assertEquals(annotated.toString(), json.get("images").get(0).get("annotated").asText());
        BufferedImage a = ImageIO.read(annotated.toFile()), src = ImageIO.read(astronaut.toFile());
        assertEquals(512, a.getWidth());
        JsonNode box = faces.get(0).get("box");
        int x = box.get("x").asInt(), y = box.get("y").asInt() + box.get("height").asInt() / 2;
        assertTrue(a.getRGB(x, y) != src.getRGB(x, y), "the box is drawn on the copy");
        assertEquals(src.getRGB(5, 500), a.getRGB(5, 500), "away from the face the copy is the photo");
    }

    @Test
    void theOneDnnEngineGivesDl4jsProbabilitiesAndNamesItself() throws Exception {
        Path astronaut = photo("astronaut.png");
        JsonNode[] runs = new JsonNode[2];
        String[] engines = {"onednn", "dl4j"};
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("engine-" + engines[i]);
            CliRunner.Result r = CliRunner.run("predict", astronaut.toString(), "--model-file", model.toString(), "--out",
                    out.toString(), "--engine", engines[i], "--no-annotate");
            assertEquals(0, r.exitCode(), r.toString());
            runs[i] = new ObjectMapper().readTree(out.resolve("predictions.json").toFile());
        }
        assertEquals("OneDnnInference (oneDNN)", runs[0].get("engine").asText());
        assertTrue(runs[1].get("engine").asText().startsWith("DL4J"), runs[1].toString());
        JsonNode a = runs[0].get("images").get(0).get("faces").get(0), b = runs[1].get("images").get(0).get("faces").get(0);
        assertEquals(a.get("box"), b.get("box"));
        assertEquals(7, a.get("probabilities").size());
        for (var it = a.get("probabilities").fieldNames(); it.hasNext(); ) {
            String label = it.next();
            assertEquals(b.get("probabilities").get(label).asDouble(), a.get("probabilities").get(label).asDouble(), 1e-4,
                    label + ": " + a + " vs " + b);
        }
        CliRunner.Result bad = CliRunner.run("predict", astronaut.toString(), "--model-file", model.toString(), "--engine", "gpu");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("allowed: onednn, dl4j"), bad.toString());
    }

    @Test
    void aFolderGivesEveryFaceOfEveryImageAndNeverOverwritesAnInput() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("photos"));
        BufferedImage astronaut = ImageIO.read(photo("astronaut.png").toFile());
        BufferedImage group = new BufferedImage(900, 420, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = group.createGraphics();
        g.setColor(new Color(120, 130, 150));
        g.fillRect(0, 0, 900, 420);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(astronaut, 10, 0, 410, 410, null);
        g.drawImage(astronaut, 480, 60, 282, 282, null);
        g.dispose();
        ImageIO.write(group, "png", folder.resolve("b-two.png").toFile());
        Files.copy(photo("coffee.png"), folder.resolve("c-none.png"));
        ImageIO.write(astronaut, "jpg", folder.resolve("a-one.jpg").toFile());
        Path out = tmp.resolve("photos-out");
        CliRunner.Result r = CliRunner.run("predict", folder.toString(), "--model-file", model.toString(), "--out", out.toString(),
                "--top-k", "2", "--batch", "2");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("c-none.png  no face found"), r.toString());
        assertTrue(r.err().contains("3 faces in 3 images"), r.toString());
        JsonNode images = new ObjectMapper().readTree(out.resolve("predictions.json").toFile()).get("images");
        assertEquals(List.of(1, 2, 0), List.of(images.get(0).get("faces").size(), images.get(1).get("faces").size(),
                images.get(2).get("faces").size()));
        int[][] expected = {{10 + 178 * 410 / 512, 69 * 410 / 512, 92 * 410 / 512, 92 * 410 / 512},
                {480 + 178 * 282 / 512, 60 + 69 * 282 / 512, 92 * 282 / 512, 92 * 282 / 512}};
        for (int f = 0; f < 2; f++) {
            double iou = iou(images.get(1).get("faces").get(f).get("box"), expected[f]);
            assertTrue(iou >= 0.5, "face " + f + " of b-two.png: IoU " + iou);
        }
        assertTrue(Files.isRegularFile(out.resolve("a-one.annotated.jpg")));
        assertTrue(Files.isRegularFile(out.resolve("c-none.annotated.png")));
        assertEquals(1 + 1 + 2 + 1, Files.readAllLines(out.resolve("predictions.csv")).size(), "header, 1 + 2 faces, the empty image");

        // an output that would replace an input is refused before anything is written
        Files.copy(folder.resolve("c-none.png"), folder.resolve("a-one.annotated.jpg"));
        long size = Files.size(folder.resolve("a-one.annotated.jpg"));
        CliRunner.Result clash = CliRunner.run("predict", folder.toString(), "--model-file", model.toString(), "--out", folder.toString());
        assertEquals(2, clash.exitCode(), "a usage error: " + clash);
        assertTrue(clash.err().contains("a-one.annotated.jpg") && clash.err().contains("overwrite"), clash.toString());
        assertEquals(size, Files.size(folder.resolve("a-one.annotated.jpg")));
        assertFalse(Files.exists(folder.resolve("predictions.json")));
    }

    @Test
    void aVideoGivesPerFrameResultsAndAnAnnotatedVideo() throws Exception {
        Path video = tmp.resolve("clip.avi");
        BufferedImage astronaut = ImageIO.read(photo("astronaut.png").toFile());
        int frames = 12;
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(video.toFile(), 320, 240, 0); Java2DFrameConverter conv = new Java2DFrameConverter()) {
            rec.setFormat("avi");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(10);
            rec.setVideoBitrate(2_000_000);
            rec.start();
            for (int i = 0; i < frames; i++) {
                BufferedImage f = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = f.createGraphics();
                g.setColor(new Color(110, 120, 140));
                g.fillRect(0, 0, 320, 240);
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(astronaut, 5 * i, 5, 230, 230, null);
                g.dispose();
                rec.record(conv.convert(f));
            }
        }
        Path out = tmp.resolve("video-out");
        CliRunner.Result r = CliRunner.run("predict", video.toString(), "--model-file", model.toString(), "--out", out.toString(),
                "--every", "3");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("12 frames 320x240") && r.out().contains("4 predicted (every 3rd frame)")
                && r.out().contains("frames/s"), r.toString());
        JsonNode json = new ObjectMapper().readTree(out.resolve("clip.frames.json").toFile());
        assertEquals(4, json.get("frames").size());
        assertEquals(12, json.get("framesRead").asInt());
        for (int k = 0; k < 4; k++) {
            JsonNode fr = json.get("frames").get(k);
            assertEquals(3 * k, fr.get("frame").asInt());
            assertEquals(1, fr.get("faces").size(), fr.toString());
            int[] face = {5 * 3 * k + 178 * 230 / 512, 5 + 69 * 230 / 512, 92 * 230 / 512, 92 * 230 / 512};
            double iou = iou(fr.get("faces").get(0).get("box"), face);
            assertTrue(iou >= 0.5, "frame " + 3 * k + ": IoU " + iou);
        }
        assertEquals(5, Files.readAllLines(out.resolve("clip.frames.csv")).size());
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(out.resolve("clip.annotated.mp4").toFile())) {
            g.start();
            int n = 0;
            while (g.grabImage() != null) n++;
            assertEquals(frames, n, "the annotated video has every frame");
        }
    }

    @Test
    void badOptionsAreUsageErrorsAndABrokenModelNeverPrintsNan() throws Exception {
        String astronaut = photo("astronaut.png").toString();
        CliRunner.Result every = CliRunner.run("predict", astronaut, "--model-file", model.toString(), "--every", "0");
        assertEquals(2, every.exitCode(), every.toString());
        CliRunner.Result cascade = CliRunner.run("predict", astronaut, "--model-file", model.toString(), "--detector", "haar");
        assertEquals(2, cascade.exitCode(), cascade.toString());
        assertTrue(cascade.err().contains("haar-alt2"), cascade.toString());
        CliRunner.Result yunet = CliRunner.run("predict", astronaut, "--model-file", model.toString(), "--yunet", tmp.resolve("y.onnx").toString());
        assertEquals(2, yunet.exitCode(), yunet.toString());
        assertTrue(yunet.err().contains("y.onnx"), yunet.toString());
        CliRunner.Result none = CliRunner.run("predict", "--model-file", model.toString());
        assertEquals(2, none.exitCode(), none.toString());

        ComputationGraph g = graph.clone();
        g.getLayer("fc").getParam("W").putScalar(0, Double.NaN);
        Path broken = tmp.resolve("broken.zip");
        ModelFiles.save(g, broken, false, java.util.Map.of(ModelCard.KEY, ModelFiles.readJson(model, ModelCard.KEY)));
        CliRunner.Result nan = CliRunner.run("predict", astronaut, "--model-file", broken.toString(), "--out", tmp.resolve("nan").toString());
        assertEquals(1, nan.exitCode(), nan.toString());
        assertTrue(nan.err().contains("NaN") && nan.err().contains("astronaut.png"), nan.toString());
        assertFalse(nan.out().contains("NaN"), nan.toString());
        assertFalse(Files.exists(tmp.resolve("nan").resolve("predictions.json")), "no result file from a failed run");
    }

    @Test
    void aFolderWithOneBadImageFailsNamingItOrSkipsItWithSkipBad() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("one-bad"));
        BufferedImage face = ImageIO.read(photo("astronaut.png").toFile());
        ImageIO.write(face, "png", folder.resolve("a.png").toFile());
        ImageIO.write(face, "jpg", folder.resolve("c.jpg").toFile());
        byte[] jpeg = Files.readAllBytes(folder.resolve("c.jpg"));
        Files.write(folder.resolve("b-cut.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3)); // truncated
        Path out = tmp.resolve("one-bad-out");
        CliRunner.Result strict = CliRunner.run("predict", folder.toString(), "--model-file", model.toString(), "--no-detect",
                "--out", out.toString());
        assertEquals(1, strict.exitCode(), strict.toString());
        assertTrue(strict.err().contains("b-cut.jpg") && strict.err().contains("--skip-bad"), strict.toString());
        assertFalse(Files.exists(out.resolve("predictions.json")), "no result file from a failed run");

        Path json = tmp.resolve("one-bad.json");
        Files.writeString(json, "my notes, not a predictions file");
        CliRunner.Result foreign = CliRunner.run("predict", folder.toString(), "--model-file", model.toString(), "--no-detect",
                "--skip-bad", "--out", out.toString(), "--json", json.toString());
        assertEquals(2, foreign.exitCode(), foreign.toString());
        assertTrue(foreign.err().contains("--json " + json + " exists and is not a predictions JSON"), foreign.toString());
        assertEquals("my notes, not a predictions file", Files.readString(json), "left untouched");
        Files.delete(json);

        CliRunner.Result skip = CliRunner.run("predict", folder.toString(), "--model-file", model.toString(), "--no-detect",
                "--skip-bad", "--out", out.toString(), "--json", json.toString());
        assertEquals(0, skip.exitCode(), skip.toString());
        assertEquals(2, skip.out().lines().filter(l -> l.contains(".png  ") || l.contains(".jpg  ")).count(), skip.toString());
        assertTrue(skip.err().contains("skipped " + folder.resolve("b-cut.jpg")) && skip.err().contains("1 of 3 images skipped"),
                skip.toString());
        JsonNode result = new ObjectMapper().readTree(out.resolve("predictions.json").toFile());
        assertEquals(2, result.get("images").size());
        assertEquals(folder.resolve("b-cut.jpg").toString(), result.get("skipped").get(0).get("image").asText());
        assertFalse(result.get("skipped").get(0).get("reason").asText().isBlank());
        assertEquals(result, new ObjectMapper().readTree(json.toFile()), "--json holds the same");
        // the same folder again: the run's own files are replaced, the --json copy too
        assertEquals(0, CliRunner.run("predict", folder.toString(), "--model-file", model.toString(), "--no-detect",
                "--skip-bad", "--out", out.toString(), "--json", json.toString()).exitCode());
    }
}
