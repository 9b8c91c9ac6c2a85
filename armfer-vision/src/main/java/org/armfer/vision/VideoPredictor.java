package org.armfer.vision;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.bytedeco.javacv.OpenCVFrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Facial expressions through a video file or a webcam, with JavaCV's FFmpeg grabber and recorder: every
 * {@code everyNth} frame goes through the {@link FaceExpressionPredictor} ({@code framesPerBatch} such frames in one
 * forward pass), each result goes to a {@link Sink} (for {@link PredictionFiles}), and optionally every frame is
 * written to an annotated video, the frames in between showing the latest result. Audio is not copied.
 * <p>
 * Annotated videos: {@code .mp4}, {@code .mkv}, {@code .mov} as H.264 (OpenH264, the encoder in JavaCV's LGPL FFmpeg
 * build), {@code .webm} as VP8, {@code .avi} as MPEG-4 part 2; at the source's frame rate and size (rounded down to even
 * sizes, which YUV 4:2:0 needs). FFmpeg's own log is set to errors only (it writes to stderr, not through SLF4J).
 */
public final class VideoPredictor {

    private static final Logger log = LoggerFactory.getLogger(VideoPredictor.class);

    static {
        // FFmpeg logs every stream it opens to stderr, past SLF4J; keep its errors only
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    /** The extensions an annotated video may have. */
    public static final Set<String> OUTPUT_EXTENSIONS = Set.of("mp4", "mkv", "mov", "webm", "avi");

    /** Receives each predicted frame's result, in frame order. */
    @FunctionalInterface
    public interface Sink {
        void accept(FrameResult result) throws IOException;
    }

    /** Told after every frame read: frames so far, and the video's frame count when known (else -1). */
    @FunctionalInterface
    public interface Progress {
        void frames(long read, long total);
    }

    /** One predicted frame: its index from 0, its time in seconds, the faces. */
    public record FrameResult(long frame, double seconds, ImagePrediction prediction) {
    }

    /** What a run did: frames read, frames predicted, faces found, wall time, the video's size and frame rate. */
    public record Summary(long framesRead, long framesPredicted, long faces, double seconds, int width, int height, double videoFps) {
        /** Frames read (and, with an output, written) per second of wall time. */
        public double framesPerSecond() {
            return seconds > 0 ? framesRead / seconds : 0;
        }
    }

    private final FaceExpressionPredictor predictor;
    private final FaceAnnotator annotator;
    private final int everyNth;
    private final long maxFrames;
    private final int framesPerBatch;
    private final Path output;
    private final Sink sink;
    private final Progress progress;
    private volatile boolean stopped;

    private VideoPredictor(Builder b) {
        this.predictor = b.predictor;
        this.annotator = b.annotator;
        this.everyNth = b.everyNth;
        this.maxFrames = b.maxFrames;
        this.framesPerBatch = b.framesPerBatch;
        this.output = b.output;
        this.sink = b.sink;
        this.progress = b.progress;
    }

    public static Builder builder(FaceExpressionPredictor predictor) {
        return new Builder(predictor);
    }

    /** Ends a running {@link #run} after the current frames (from another thread, e.g. on Ctrl-C); its files are complete. */
    public void stop() {
        stopped = true;
    }

    /** Processes a video file. */
    public Summary run(Path video) throws IOException {
        if (!Files.isRegularFile(video)) {
            throw new IOException("No video file " + video);
        }
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile())) {
            return run(g, video.toString());
        }
    }

    /** A webcam (OpenCV's capture, device 0 is the default camera). Run it with {@link #run(FrameGrabber, String)}. */
    public static FrameGrabber webcam(int device) {
        return new OpenCVFrameGrabber(device);
    }

    /** Processes the frames of {@code grabber} (started and stopped here); {@code name} names it in messages. */
    public Summary run(FrameGrabber grabber, String name) throws IOException {
        long start = System.nanoTime();
        try {
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new IOException("Cannot open " + name + " as a video: " + e.getMessage(), e);
        }
        double fps = grabber.getFrameRate();
        long total = grabber instanceof FFmpegFrameGrabber ff ? ff.getLengthInVideoFrames() : grabber.getLengthInFrames();
        if (total <= 0) {
            total = -1;
        }
        if (maxFrames > 0 && (total <= 0 || total > maxFrames)) {
            total = maxFrames;
        }
        long read = 0, predicted = 0, faces = 0;
        int width = 0, height = 0;
        FFmpegFrameRecorder recorder = null;
        Java2DFrameConverter in = new Java2DFrameConverter(), out = new Java2DFrameConverter();
        List<Pending> pending = new ArrayList<>();
        ImagePrediction[] last = {null};
        try {
            while (!stopped && (maxFrames <= 0 || read < maxFrames)) {
                Frame f;
                try {
                    f = grabber instanceof FFmpegFrameGrabber ff ? ff.grabImage() : grabber.grab();
                } catch (FrameGrabber.Exception e) {
                    throw new IOException(name + ": cannot read frame " + read + ": " + e.getMessage(), e);
                }
                if (f == null) {
                    break;
                }
                BufferedImage img = in.convert(f);
                if (img == null) {
                    continue;
                }
                // the converter reuses its buffer: keep a copy
                BufferedImage copy = Pixels.rgbCopy(img);
                if (width == 0) {
                    width = copy.getWidth();
                    height = copy.getHeight();
                    if (output != null) {
                        recorder = recorder(output, width, height, fps);
                    }
                }
                double seconds = f.timestamp > 0 ? f.timestamp / 1e6 : (fps > 0 ? read / fps : 0);
                boolean predict = read % everyNth == 0;
                pending.add(new Pending(read, seconds, copy, predict));
                read++;
                if (predict && pending.stream().filter(p -> p.predict).count() >= framesPerBatch) {
                    long[] counts = flush(pending, last, recorder, out);
                    predicted += counts[0];
                    faces += counts[1];
                }
                if (progress != null) {
                    progress.frames(read, total);
                }
            }
            long[] counts = flush(pending, last, recorder, out);
            predicted += counts[0];
            faces += counts[1];
        } finally {
            try {
                if (recorder != null) {
                    recorder.close();
                }
            } catch (FrameRecorder.Exception e) {
                log.warn("Closing {} failed: {}", output, e.getMessage());
            }
            try {
                grabber.stop();
            } catch (FrameGrabber.Exception e) {
                log.debug("stopping {}", name, e);
            }
            in.close();
            out.close();
        }
        if (read == 0) {
            throw new IOException(name + " holds no video frames");
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Summary(read, predicted, faces, secs, width, height, fps);
    }

    private record Pending(long frame, double seconds, BufferedImage image, boolean predict) {
    }

    /** Predicts the pending frames marked for it in one pass, hands their results on, writes every pending frame. */
    private long[] flush(List<Pending> pending, ImagePrediction[] last, FFmpegFrameRecorder recorder, Java2DFrameConverter conv)
            throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        for (Pending p : pending) if (p.predict) images.add(p.image);
        List<ImagePrediction> results = images.isEmpty() ? List.of() : predictor.predict(images);
        int r = 0;
        long faces = 0;
        for (Pending p : pending) {
            if (p.predict) {
                last[0] = results.get(r++);
                faces += last[0].faces().size();
                if (sink != null) {
                    sink.accept(new FrameResult(p.frame, p.seconds, last[0]));
                }
            }
            if (recorder != null) {
                BufferedImage canvas = new BufferedImage(recorder.getImageWidth(), recorder.getImageHeight(), BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = canvas.createGraphics();
                g.drawImage(p.image, 0, 0, null);
                g.dispose();
                if (annotator != null && last[0] != null) {
                    annotator.draw(canvas, last[0].faces());
                }
                try {
                    recorder.record(conv.convert(canvas));
                } catch (FrameRecorder.Exception e) {
                    throw new IOException("Cannot write frame " + p.frame + " to " + output + ": " + e.getMessage(), e);
                }
            }
        }
        pending.clear();
        return new long[]{images.size(), faces};
    }

    private static FFmpegFrameRecorder recorder(Path file, int width, int height, double fps) throws IOException {
        String ext = extension(file);
        FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), width & ~1, height & ~1, 0);
        double rate = fps > 0 && fps < 1000 ? fps : 25;
        rec.setFrameRate(rate);
        rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        long bitrate = Math.max(500_000L, Math.min(20_000_000L, Math.round(width * (double) height * rate * 0.2)));
        rec.setVideoBitrate((int) bitrate);
        switch (ext) {
            case "mp4": case "mov": case "mkv":
                rec.setFormat(ext.equals("mkv") ? "matroska" : ext);
                rec.setVideoCodecName("libopenh264");
                break;
            case "webm":
                rec.setFormat("webm");
                rec.setVideoCodecName("libvpx");
                break;
            case "avi":
                rec.setFormat("avi");
                rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
                break;
            default:
                throw new IllegalArgumentException("Annotated video " + file + ": extension '" + ext + "' is not one of " + OUTPUT_EXTENSIONS);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            rec.start();
        } catch (FrameRecorder.Exception e) {
            throw new IOException("Cannot write the annotated video " + file + ": " + e.getMessage(), e);
        }
        return rec;
    }

    static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Settings; see {@link VideoPredictor}. */
    public static final class Builder {
        private final FaceExpressionPredictor predictor;
        private FaceAnnotator annotator = new FaceAnnotator();
        private int everyNth = 1;
        private long maxFrames;
        private int framesPerBatch = 4;
        private Path output;
        private Sink sink;
        private Progress progress;

        private Builder(FaceExpressionPredictor predictor) {
            if (predictor == null) {
                throw new IllegalArgumentException("a predictor is needed");
            }
            this.predictor = predictor;
        }

        /** Predict frames 0, n, 2n, ... (default 1: every frame). */
        public Builder everyNth(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("everyNth must be >= 1; got " + n);
            }
            this.everyNth = n;
            return this;
        }

        /** Stop after this many frames (0: the whole video; a webcam needs it or stop()). */
        public Builder maxFrames(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxFrames must be >= 0; got " + n);
            }
            this.maxFrames = n;
            return this;
        }

        /** Predicted frames per forward pass (default 4). */
        public Builder framesPerBatch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("framesPerBatch must be >= 1; got " + n);
            }
            this.framesPerBatch = n;
            return this;
        }

        /** Write every frame, annotated, to this video ({@link #OUTPUT_EXTENSIONS}); null: none. */
        public Builder output(Path video) {
            if (video != null && !OUTPUT_EXTENSIONS.contains(extension(video))) {
                throw new IllegalArgumentException("Annotated video " + video + ": extension '" + extension(video) + "' is not one of "
                        + OUTPUT_EXTENSIONS);
            }
            this.output = video;
            return this;
        }

        /** How the output video's frames are annotated (default: top label); null writes them plain. */
        public Builder annotator(FaceAnnotator annotator) {
            this.annotator = annotator;
            return this;
        }

        public Builder sink(Sink sink) {
            this.sink = sink;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        public VideoPredictor build() {
            return new VideoPredictor(this);
        }
    }
}
