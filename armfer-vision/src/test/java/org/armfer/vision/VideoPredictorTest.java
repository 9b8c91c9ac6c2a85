package org.armfer.vision;

import org.armfer.zoo.ResNet18;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short video made here (16 frames: the astronaut's portrait moving across a background, MPEG-4 in AVI through
 * FFmpeg) goes through detection and prediction every 2nd frame: per-frame results with the face where it was pasted, JSON and CSV,
 * and an annotated H.264 video with every frame.
 */
class VideoPredictorTest {

    static final int FRAMES = 16;
    static final double FPS = 12;

    /** Frame i: the astronaut at 0.45 scale, 4 px further right each frame; returns the face boxes. */
    static List<FaceBox> makeVideo(Path file) throws Exception {
        BufferedImage astronaut = TestImages.astronaut();
        List<FaceBox> faces = new ArrayList<>();
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), 320, 240, 0);
             Java2DFrameConverter conv = new Java2DFrameConverter()) {
            rec.setFormat("avi");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(FPS);
            rec.setVideoBitrate(2_000_000);
            rec.start();
            for (int i = 0; i < FRAMES; i++) {
                BufferedImage frame = TestImages.background(320, 240);
                faces.add(TestImages.paste(frame, astronaut, 4 * i, 5, 0.45));
                BufferedImage bgr = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
                bgr.getGraphics().drawImage(frame, 0, 0, null);
                rec.record(conv.convert(bgr));
            }
        }
        return faces;
    }

    static final List<String> LABELS = List.of("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger");
    static ComputationGraph model;

    @BeforeAll
    static void model() {
        model = ResNet18.builder().numClasses(7).inputSize(48).build().init();
    }

    @Test
    void everySecondFramesFaceIsFoundAndTheAnnotatedVideoHasEveryFrame(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("clip.avi");
        List<FaceBox> truth = makeVideo(video);
        FaceExpressionPredictor predictor;
        Path out = dir.resolve("out").resolve("clip.annotated.mp4");
        List<VideoPredictor.FrameResult> results = new ArrayList<>();
        List<long[]> progress = new ArrayList<>();
        VideoPredictor.Summary s;
        try (CascadeFaceDetector detector = CascadeFaceDetector.create();
             PredictionFiles files = PredictionFiles.open(PredictionFiles.Kind.VIDEO, dir.resolve("frames.json"), dir.resolve("frames.csv"),
                     Map.of("video", video.toString()), LABELS, 3)) {
            predictor = FaceExpressionPredictor.builder(model, LABELS, new ModelInput(3, 48, false)).detector(detector).build();
            VideoPredictor vp = VideoPredictor.builder(predictor).everyNth(2).framesPerBatch(3).output(out)
                    .sink(r -> {
                        results.add(r);
                        files.addFrame(r.frame(), r.seconds(), r.prediction());
                    })
                    .progress((read, total) -> progress.add(new long[]{read, total}))
                    .build();
            s = vp.run(video);
            files.close(Map.of("framesPerSecond", s.framesPerSecond()));
        }
        assertEquals(FRAMES, s.framesRead());
        assertEquals(FRAMES / 2, s.framesPredicted());
        assertEquals(320, s.width());
        assertEquals(FPS, s.videoFps(), 1e-6);
        assertTrue(s.framesPerSecond() > 0);
        assertEquals(FRAMES, progress.size());
        assertEquals(FRAMES, progress.get(FRAMES - 1)[0]);
        assertEquals(FRAMES / 2, results.size());
        for (int k = 0; k < results.size(); k++) {
            VideoPredictor.FrameResult r = results.get(k);
            assertEquals(2L * k, r.frame());
            assertEquals(r.frame() / FPS, r.seconds(), 0.01, "time of frame " + r.frame());
            List<FacePrediction> faces = r.prediction().faces();
            assertEquals(1, faces.size(), "frame " + r.frame() + ": " + faces);
            FaceBox expected = truth.get((int) r.frame());
            double iou = faces.get(0).box().iou(expected);
            assertTrue(iou >= 0.5, "frame " + r.frame() + ": IoU " + iou + " of " + faces.get(0).box() + " with " + expected);
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("frames.json").toFile());
        assertEquals(FRAMES / 2, json.get("frames").size());
        assertEquals(FRAMES - 2, json.get("frames").get(FRAMES / 2 - 1).get("frame").asInt());
        assertEquals(1 + FRAMES / 2, Files.readAllLines(dir.resolve("frames.csv")).size());

        // the annotated video: every frame, the source's size, the box drawn in the label's colour
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(out.toFile()); Java2DFrameConverter conv = new Java2DFrameConverter()) {
            g.start();
            assertEquals(320, g.getImageWidth());
            assertEquals(240, g.getImageHeight());
            int n = 0;
            BufferedImage first = null;
            for (Frame f; (f = g.grabImage()) != null; n++) {
                if (n == 0) first = Pixels.rgbCopy(conv.convert(f));
            }
            assertEquals(FRAMES, n, "every frame written");
            // the left edge of the box: nearer the label's colour than the source pixel there (the codec blurs colours)
            FaceBox b = results.get(0).prediction().faces().get(0).box();
            int x = b.x(), y = b.y() + b.height() / 2;
            BufferedImage source = TestImages.background(320, 240);
            TestImages.paste(source, TestImages.astronaut(), 0, 5, 0.45);
            Color drawn = new Color(first.getRGB(x, y)), was = new Color(source.getRGB(x, y));
            Color label = FaceAnnotator.colour(results.get(0).prediction().faces().get(0).bestIndex());
            assertTrue(distance(drawn, label) < distance(drawn, was), "box edge " + drawn + ": the label's colour " + label
                    + ", the frame's " + was);
        }
    }

    private static int distance(Color a, Color b) {
        return Math.abs(a.getRed() - b.getRed()) + Math.abs(a.getGreen() - b.getGreen()) + Math.abs(a.getBlue() - b.getBlue());
    }

    @Test
    void badVideosAndOutputsAreRefused(@TempDir Path dir) throws Exception {
        Path notAVideo = Files.writeString(dir.resolve("notes.mp4"), "not a video");
        FaceExpressionPredictor p = FaceExpressionPredictor.builder(model, LABELS, new ModelInput(3, 48, false)).wholeImage().build();
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> VideoPredictor.builder(p).build().run(notAVideo));
        assertTrue(e.getMessage().contains("notes.mp4"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> VideoPredictor.builder(p).output(dir.resolve("x.gif")));
        assertTrue(e2.getMessage().contains("'gif'") && e2.getMessage().contains("mp4"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VideoPredictor.builder(p).everyNth(0));
    }
}
