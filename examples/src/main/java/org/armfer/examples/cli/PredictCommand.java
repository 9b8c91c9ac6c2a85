package org.armfer.examples.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.armfer.datavec.FerDataException;
import org.armfer.datavec.Images;
import org.armfer.train.ModelCard;
import org.armfer.vision.CascadeFaceDetector;
import org.armfer.vision.FaceAnnotator;
import org.armfer.vision.FaceDetector;
import org.armfer.vision.FaceExpressionPredictor;
import org.armfer.vision.FacePrediction;
import org.armfer.vision.ImagePrediction;
import org.armfer.vision.ModelInput;
import org.armfer.vision.PredictionFiles;
import org.armfer.vision.VideoPredictor;
import org.armfer.vision.YuNetFaceDetector;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@code armfer predict}. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict facial expressions in a photo, a folder of photos, a video file or a webcam. Faces are found",
                "first (OpenCV's cascade detector by default, YuNet with --yunet), cropped square with a margin and",
                "preprocessed as the model was trained; every face gets its box and the top-k labels with probabilities,",
                "written as JSON and CSV with an annotated copy of each image (or an annotated video) in --out.",
                "--no-detect takes each image whole, for aligned face crops like the datasets' images. Results do not",
                "depend on how many faces are predicted together."})
public final class PredictCommand implements Callable<Integer> {

    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");
    static final Set<String> VIDEO_EXTENSIONS = Set.of("mp4", "avi", "mkv", "mov", "webm", "m4v", "mpg", "mpeg", "wmv", "flv", "3gp", "ts");
    static final String JSON = "predictions.json";
    static final String CSV = "predictions.csv";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "INPUT",
            description = "An image (jpg, png, bmp, gif), a folder of images, or a video file (mp4, avi, mkv, mov, webm, ...).")
    Path input;

    @CommandLine.Mixin
    ModelFileOptions source;

    @Option(names = "--top-k", defaultValue = "3", description = "How many labels to give per face (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the JSON, CSV and annotated copies go (default: runs/predict-<time>).")
    Path out;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON results to this file.")
    Path json;

    @Option(names = "--no-detect", description = "Take each image whole as one face (aligned crops); no detection, no margin.")
    boolean noDetect;

    @Option(names = "--detector", defaultValue = "haar-alt2", paramLabel = "CASCADE",
            description = "OpenCV cascade: haar-alt2 (default), haar-alt, haar-default, lbp-improved, lbp, or a cascade XML file.")
    String detector;

    @Option(names = "--yunet", paramLabel = "ONNX", description = "Detect with OpenCV's YuNet instead, from this ONNX file"
            + " (e.g. opencv_zoo's face_detection_yunet_2022mar.onnx).")
    Path yunet;

    @Option(names = "--margin", defaultValue = "0.1", description = "Margin around each face box, per side, as a fraction of"
            + " the box (default: ${DEFAULT-VALUE}).")
    double margin;

    @Option(names = "--min-face", defaultValue = "24", paramLabel = "PX", description = "Smallest face the cascade looks for, in"
            + " pixels of the image reduced to at most 800 px (default: ${DEFAULT-VALUE}).")
    int minFace;

    @Option(names = "--batch", defaultValue = "16", description = "Faces per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--every", defaultValue = "1", paramLabel = "N", description = "Video: predict every N-th frame"
            + " (default: ${DEFAULT-VALUE}); the annotated video keeps every frame.")
    int every;

    @Option(names = "--max-frames", defaultValue = "0", paramLabel = "N", description = "Video or webcam: stop after N frames (0: all).")
    long maxFrames;

    @Option(names = "--webcam", arity = "0..1", fallbackValue = "0", paramLabel = "DEVICE",
            description = "Read the webcam (device 0 unless given) instead of INPUT, until Ctrl-C or --max-frames.")
    Integer webcam;

    @Option(names = "--no-annotate", description = "Do not write annotated images or video.")
    boolean noAnnotate;

    @Override
    public Integer call() throws Exception {
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        Cli.require(spec, every >= 1, "--every must be >= 1; got " + every);
        Cli.require(spec, maxFrames >= 0, "--max-frames must be >= 0; got " + maxFrames);
        Cli.require(spec, margin >= 0 && margin <= 2, "--margin must be between 0 and 2; got " + margin);
        Cli.require(spec, minFace >= 12, "--min-face must be >= 12 pixels; got " + minFace);
        Cli.require(spec, (input == null) != (webcam == null), input == null
                ? "give an image, a folder or a video, or --webcam" : "give either INPUT or --webcam, not both");
        Cli.require(spec, !(noDetect && yunet != null), "--no-detect and --yunet exclude each other");
        Cli.require(spec, webcam == null || webcam >= 0, "--webcam device must be >= 0; got " + webcam);
        if (input != null && !Files.exists(input)) {
            throw new IllegalArgumentException(input + " is neither an image, a folder nor a video: it does not exist");
        }
        boolean video = webcam != null || (Files.isRegularFile(input) && VIDEO_EXTENSIONS.contains(extension(input)));
        Cli.require(spec, !(video && noDetect), "--no-detect is for aligned face images, not for video");
        Path dir = out != null ? out : Path.of("runs", "predict-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        // everything that can be checked without the model is checked first: bad inputs, clashing outputs, the detector
        Outputs plan = video ? videoOutputs(dir) : imageOutputs(images(input), dir);
        try (FaceDetector faces = noDetect ? null : detector()) {
            org.armfer.train.ModelFiles.Loaded loaded = source.load(null);
            ComputationGraph model = loaded.model();
            ModelCard card = loaded.card();
            Cli.require(spec, topK >= 1 && topK <= card.labels.size(),
                    "--top-k must be between 1 and " + card.labels.size() + "; got " + topK);
            ModelInput modelInput = new ModelInput(card.channels, card.height, card.grayToRgb);
            FaceExpressionPredictor.Builder b = FaceExpressionPredictor.builder(model, card.labels, modelInput).margin(margin).maxBatch(batch);
            FaceExpressionPredictor predictor = (noDetect ? b.wholeImage() : b.detector(faces)).build();
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("model", source.describe());
            header.put("labels", card.labels);
            header.put("input", modelInput.toString());
            header.put("detector", predictor.describeDetector());
            header.put("margin", noDetect ? null : margin);
            header.put("topK", topK);
            return video ? video(predictor, header, plan) : images(predictor, header, plan);
        }
    }

    /** Where the results go: JSON, CSV, the annotated copy per input (images) or the annotated video. */
    private record Outputs(Path dir, Path json, Path csv, List<Path> images, Map<Path, Path> annotated, Path video) {
    }

    private Outputs imageOutputs(List<Path> images, Path dir) {
        Path jsonFile = dir.resolve(JSON), csvFile = dir.resolve(CSV);
        List<Path> outputs = new ArrayList<>(List.of(jsonFile, csvFile));
        if (json != null) outputs.add(json);
        Map<Path, Path> annotated = new LinkedHashMap<>();
        if (!noAnnotate) {
            for (Path p : images) {
                Path a = dir.resolve(annotatedName(p));
                annotated.put(p, a);
                outputs.add(a);
            }
        }
        neverOverwrite(images, outputs);
        return new Outputs(dir, jsonFile, csvFile, images, annotated, null);
    }

    private Outputs videoOutputs(Path dir) {
        String stem = webcam != null ? "webcam" + webcam : stem(input);
        Path jsonFile = dir.resolve(stem + ".frames.json"), csvFile = dir.resolve(stem + ".frames.csv");
        Path videoOut = noAnnotate ? null : dir.resolve(stem + ".annotated.mp4");
        List<Path> outputs = new ArrayList<>(List.of(jsonFile, csvFile));
        if (videoOut != null) outputs.add(videoOut);
        if (json != null) outputs.add(json);
        neverOverwrite(input == null ? List.of() : List.of(input), outputs);
        return new Outputs(dir, jsonFile, csvFile, List.of(), Map.of(), videoOut);
    }

    private static void neverOverwrite(List<Path> inputs, List<Path> outputs) {
        Set<Path> in = new HashSet<>();
        for (Path p : inputs) in.add(p.toAbsolutePath().normalize());
        for (Path o : outputs) {
            if (in.contains(o.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("Output " + o + " would overwrite an input; choose another --out");
            }
        }
    }

    private FaceDetector detector() {
        try {
            if (yunet != null) {
                return YuNetFaceDetector.builder(yunet).build();
            }
            return CascadeFaceDetector.builder().cascade(detector).minFaceSize(minFace).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), (yunet != null ? "--yunet: " : "--detector: ") + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- photos

    private int images(FaceExpressionPredictor predictor, Map<String, Object> header, Outputs plan) throws IOException {
        List<Path> images = plan.images();
        Path jsonFile = plan.json(), csvFile = plan.csv(), dir = plan.dir();
        Map<Path, Path> annotated = plan.annotated();
        PrintWriter o = spec.commandLine().getOut();
        FaceAnnotator annotator = new FaceAnnotator();
        int found = 0;
        PredictionFiles files = PredictionFiles.open(PredictionFiles.Kind.IMAGES, jsonFile, csvFile, header, predictor.labels(), topK);
        try {
            for (int from = 0; from < images.size(); from += batch) {
                List<Path> part = images.subList(from, Math.min(images.size(), from + batch));
                List<BufferedImage> decoded = new ArrayList<>();
                for (Path p : part) {
                    try {
                        decoded.add(Images.read(p));
                    } catch (FerDataException e) {
                        throw new FerDataException("Cannot read image " + p + ": " + (e.problem() != null ? e.problem().reason() : e.getMessage()), e);
                    }
                }
                List<ImagePrediction> results;
                try {
                    results = predictor.predict(decoded);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(part + ": " + e.getMessage(), e);
                }
                for (int i = 0; i < part.size(); i++) {
                    Path p = part.get(i);
                    ImagePrediction r = results.get(i);
                    found += r.faces().size();
                    printImage(o, p, r);
                    Path a = annotated.get(p);
                    if (a != null) {
                        writeImage(annotator.annotate(decoded.get(i), r), a);
                    }
                    files.addImage(p.toString(), r, a == null ? null : a.toString());
                }
            }
            files.close();
        } catch (IOException | RuntimeException e) {
            files.abort();
            throw e;
        }
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            Files.copy(jsonFile, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        PrintWriter err = spec.commandLine().getErr();
        if (!noDetect) {
            err.printf(Locale.ROOT, "%d face%s in %d image%s (%s)%n", found, found == 1 ? "" : "s", images.size(),
                    images.size() == 1 ? "" : "s", predictor.describeDetector());
        }
        err.println("Results: " + jsonFile + ", " + csvFile + (noAnnotate ? "" : ", annotated copies in " + dir));
        return 0;
    }

    private void printImage(PrintWriter o, Path p, ImagePrediction r) {
        if (noDetect) {
            // one line per image, as before detection existed
            o.println(p + "  " + labels(r.faces().get(0)));
            return;
        }
        if (r.faces().isEmpty()) {
            o.println(p + "  no face found");
            return;
        }
        int n = 0;
        for (FacePrediction f : r.faces()) {
            o.printf(Locale.ROOT, "%s  face %d at %d,%d %dx%d  %s%n", p, ++n, f.box().x(), f.box().y(), f.box().width(),
                    f.box().height(), labels(f));
        }
    }

    private String labels(FacePrediction f) {
        StringBuilder s = new StringBuilder();
        for (FacePrediction.Label l : f.top(topK)) {
            if (s.length() > 0) s.append(", ");
            s.append(String.format(Locale.ROOT, "%s %.3f", l.label(), l.probability()));
        }
        return s.toString();
    }

    /** {@code photo.jpg -> photo.annotated.jpg}; PNG for every other format. */
    static String annotatedName(Path image) {
        String n = image.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String stem = dot < 0 ? n : n.substring(0, dot);
        String ext = extension(image);
        return stem + ".annotated." + (ext.equals("jpg") || ext.equals("jpeg") ? "jpg" : "png");
    }

    private static void writeImage(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        String format = file.getFileName().toString().endsWith(".jpg") ? "jpg" : "png";
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(img, format, tmp.toFile())) {
                throw new IOException("No ImageIO writer for " + format);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The image, or the folder's images sorted by name. */
    static List<Path> images(Path input) throws IOException {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException(input + " is neither an image file nor a folder");
        }
        List<Path> out;
        try (Stream<Path> s = Files.list(input)) {
            out = s.filter(Files::isRegularFile).filter(p -> IMAGE_EXTENSIONS.contains(extension(p))).sorted().toList();
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(input + " holds no images (" + IMAGE_EXTENSIONS + ")");
        }
        return out;
    }

    static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- video and webcam

    private int video(FaceExpressionPredictor predictor, Map<String, Object> header, Outputs plan) throws IOException {
        String name = webcam != null ? "webcam " + webcam : input.toString();
        Path jsonFile = plan.json(), csvFile = plan.csv(), videoOut = plan.video();
        header.put(webcam != null ? "webcam" : "video", webcam != null ? (Object) webcam : input.toString());
        header.put("every", every);
        if (videoOut != null) header.put("annotated", videoOut.toString());
        PrintStream progressOut = System.err;
        VideoPredictor.Summary s;
        try (PredictionFiles files = PredictionFiles.open(PredictionFiles.Kind.VIDEO, jsonFile, csvFile, header, predictor.labels(), topK);
             ProgressBar bar = new ProgressBarBuilder().setTaskName(webcam != null ? "webcam" : "video").setInitialMax(-1)
                     .setStyle(ProgressBarStyle.ASCII).setUnit(" frames", 1).setConsumer(new ConsoleProgressBarConsumer(progressOut))
                     .setUpdateIntervalMillis(500).build()) {
            VideoPredictor vp = VideoPredictor.builder(predictor).everyNth(every).maxFrames(maxFrames).output(videoOut)
                    .framesPerBatch(Math.max(1, Math.min(8, batch / 2)))
                    .sink(r -> files.addFrame(r.frame(), r.seconds(), r.prediction()))
                    .progress((read, total) -> {
                        if (total > 0 && bar.getMax() != total) bar.maxHint(total);
                        bar.stepTo(read);
                    })
                    .build();
            // Ctrl-C ends the run after the current frames with complete files
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                vp.stop();
                try {
                    finished.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "armfer-predict-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                s = webcam != null ? vp.run(VideoPredictor.webcam(webcam), name) : vp.run(input);
                files.close(summary(s));
            } catch (IOException | RuntimeException e) {
                files.abort();
                throw e;
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for the latch above
                }
            }
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%s: %d frames %dx%d at %.2f frames/s of video, %d predicted (every %s), %d faces; %.1f s, %.1f frames/s%n",
                name, s.framesRead(), s.width(), s.height(), s.videoFps(), s.framesPredicted(), every == 1 ? "frame" : ordinal(every) + " frame",
                s.faces(), s.seconds(), s.framesPerSecond());
        spec.commandLine().getErr().println("Results: " + jsonFile + ", " + csvFile + (videoOut == null ? "" : ", " + videoOut));
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            Files.copy(jsonFile, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return 0;
    }

    private static Map<String, Object> summary(VideoPredictor.Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("framesRead", s.framesRead());
        m.put("framesPredicted", s.framesPredicted());
        m.put("faces", s.faces());
        m.put("width", s.width());
        m.put("height", s.height());
        m.put("videoFps", s.videoFps());
        m.put("seconds", s.seconds());
        m.put("framesPerSecond", s.framesPerSecond());
        return m;
    }

    private static String ordinal(int n) {
        int mod100 = n % 100, mod10 = n % 10;
        String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : mod10 == 1 ? "st" : mod10 == 2 ? "nd" : mod10 == 3 ? "rd" : "th";
        return n + suffix;
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }
}
