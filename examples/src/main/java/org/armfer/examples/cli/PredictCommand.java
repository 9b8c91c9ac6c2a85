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

    @Option(names = "--skip-bad", description = "Skip images that cannot be read (corrupt, truncated, too large), list them on"
            + " stderr and under \"skipped\" in the JSON, and predict the others (default: stop at the first, naming it).")
    boolean skipBad;

    @Option(names = "--engine", defaultValue = "onednn", paramLabel = "ENGINE", description = "What runs the network:"
            + " onednn (OneDnnInference: oneDNN primitives kept between calls, batch norm folded, about 2x DL4J at one face;"
            + " a model it cannot compile runs through DL4J, said on stderr) or dl4j (ComputationGraph.outputSingle)."
            + " Default: ${DEFAULT-VALUE}.")
    String engine;

    /** The {@link org.armfer.io.OutputFolder} kind of a prediction's --out folder. */
    static final String KIND = "predict";

    @Override
    public Integer call() throws Exception {
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        Cli.require(spec, every >= 1, "--every must be >= 1; got " + every);
        Cli.require(spec, maxFrames >= 0, "--max-frames must be >= 0; got " + maxFrames);
        Cli.range(spec, "--margin", margin, 0, 2);
        Cli.atLeast(spec, "--min-face", minFace, 12);
        Cli.require(spec, (input == null) != (webcam == null), input == null
                ? "give an image, a folder or a video, or --webcam" : "give either INPUT or --webcam, not both");
        Cli.require(spec, !(noDetect && yunet != null), "--no-detect and --yunet exclude each other");
        Cli.require(spec, webcam == null || webcam >= 0, "--webcam device must be >= 0; got " + webcam);
        Cli.require(spec, engine.equals("onednn") || engine.equals("dl4j"), "--engine " + Cli.shown(engine)
                + " is not allowed; allowed: onednn, dl4j");
        if (input != null && !Files.exists(input)) {
            throw new CommandLine.ParameterException(spec.commandLine(), input + " is neither an image, a folder nor a video: it"
                    + " does not exist");
        }
        source.check();
        if (json != null) {
            Cli.requireReplaceable(spec, "--json", json, "a predictions JSON of armfer predict",
                    head -> head.startsWith("{") && head.contains("\"model\" :"));
        }
        boolean video = webcam != null || (Files.isRegularFile(input) && VIDEO_EXTENSIONS.contains(extension(input)));
        Cli.require(spec, !(video && noDetect), "--no-detect is for aligned face images, not for video");
        Path dir = out != null ? out : Path.of("runs", "predict-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        // everything that can be checked without the model is checked first: bad inputs, clashing outputs, the detector
        Outputs plan = video ? videoOutputs(dir) : imageOutputs(images(input), dir);
        Cli.requireOutputFolder(spec, "--out", dir, KIND, PredictCommand::isEarlierRun);
        try (FaceDetector faces = noDetect ? null : detector();
             org.armfer.io.OutputFolder folder = Cli.claim(spec, "--out", dir, KIND, PredictCommand::isEarlierRun)) {
            removeLeftovers(plan);
            org.armfer.train.ModelFiles.Loaded loaded = source.load(null);
            ComputationGraph model = loaded.model();
            ModelCard card = loaded.card();
            Cli.require(spec, topK >= 1 && topK <= card.labels.size(),
                    "--top-k must be between 1 and " + card.labels.size() + "; got " + topK);
            ModelInput modelInput = new ModelInput(card.channels, card.height, card.grayToRgb);
            FaceExpressionPredictor.Builder b = FaceExpressionPredictor.builder(model, card.labels, modelInput).margin(margin).maxBatch(batch);
            try (org.armfer.fast.onednn.OneDnnInference fast = engine.equals("onednn")
                    ? org.armfer.fast.onednn.OneDnnInference.of(model) : null) {
                if (fast != null) {
                    b.forward(fast::output, fast.fallbackReason().map(why -> "DL4J (OneDnnInference fell back: " + why + ")")
                            .orElse("OneDnnInference (oneDNN)"));
                    fast.fallbackReason().ifPresent(why -> spec.commandLine().getErr().println(
                            "note: --engine onednn cannot compile this model (" + why + "); it runs through DL4J"));
                }
                FaceExpressionPredictor predictor = (noDetect ? b.wholeImage() : b.detector(faces)).build();
                Map<String, Object> header = new LinkedHashMap<>();
                header.put("model", source.describe());
                header.put("labels", card.labels);
                header.put("input", modelInput.toString());
                header.put("detector", predictor.describeDetector());
                header.put("engine", predictor.describeEngine());
                header.put("margin", noDetect ? null : margin);
                header.put("topK", topK);
                return video ? video(predictor, header, plan) : images(predictor, header, plan);
            }
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

    private void neverOverwrite(List<Path> inputs, List<Path> outputs) {
        Set<Path> in = new HashSet<>();
        for (Path p : inputs) in.add(p.toAbsolutePath().normalize());
        for (Path o : outputs) {
            Cli.require(spec, !in.contains(o.toAbsolutePath().normalize()), "Output " + o + " would overwrite an input;"
                    + " choose another --out");
        }
    }

    /** A prediction folder written before folders were marked. */
    static boolean isEarlierRun(Path dir) {
        if (Files.isRegularFile(dir.resolve(JSON))) {
            return true;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".frames.json"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Temporary files a killed run left beside the JSON and CSV it writes ({@code <name>.<uuid>.tmp}). */
    private static void removeLeftovers(Outputs plan) throws IOException {
        java.util.List<String> names = new ArrayList<>();
        if (plan.json() != null) names.add(plan.json().getFileName().toString());
        if (plan.csv() != null) names.add(plan.csv().getFileName().toString());
        try (Stream<Path> s = Files.list(plan.dir())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                for (String name : names) {
                    if (n.startsWith(name + ".") && n.matches(java.util.regex.Pattern.quote(name) + "\\.[0-9a-f-]{36}\\.tmp")) {
                        Files.deleteIfExists(p);
                    }
                }
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
        PrintWriter err = spec.commandLine().getErr();
        List<Map<String, String>> skipped = new ArrayList<>();
        PredictionFiles files = PredictionFiles.open(PredictionFiles.Kind.IMAGES, jsonFile, csvFile, header, predictor.labels(), topK);
        try {
            for (int from = 0; from < images.size(); from += batch) {
                List<Path> all = images.subList(from, Math.min(images.size(), from + batch));
                List<Path> part = new ArrayList<>();
                List<BufferedImage> decoded = new ArrayList<>();
                for (Path p : all) {
                    try {
                        decoded.add(Images.read(p));
                        part.add(p);
                    } catch (FerDataException e) {
                        String reason = e.problem() != null ? e.problem().reason() : e.getMessage();
                        if (!skipBad) {
                            throw new FerDataException("Cannot read image " + p + ": " + reason
                                    + (images.size() > 1 ? " (--skip-bad skips unreadable images and lists them)" : ""), e);
                        }
                        err.println("skipped " + p + ": " + reason);
                        Map<String, String> entry = new LinkedHashMap<>();
                        entry.put("image", p.toString());
                        entry.put("reason", reason);
                        skipped.add(entry);
                    }
                }
                if (part.isEmpty()) {
                    continue;
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
            if (skipped.size() == images.size()) {
                throw new IllegalStateException("none of the " + images.size() + " images could be read (listed above)");
            }
            files.close(skipped.isEmpty() ? Map.of() : Map.of("skipped", skipped));
        } catch (IOException | RuntimeException e) {
            files.abort();
            throw e;
        }
        if (json != null) {
            copyJson(jsonFile);
        }
        if (!skipped.isEmpty()) {
            err.printf(Locale.ROOT, "%d of %d images skipped as unreadable (listed above and under \"skipped\" in %s)%n",
                    skipped.size(), images.size(), jsonFile);
        }
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
        String format = file.getFileName().toString().endsWith(".jpg") ? "jpg" : "png";
        org.armfer.io.AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, format, out)) {
                throw new IOException("No ImageIO writer for " + format);
            }
        });
    }

    /** The --json copy, written atomically (it was checked to be new or an earlier predictions JSON). */
    private void copyJson(Path jsonFile) throws IOException {
        org.armfer.io.AtomicFiles.write(json, out -> Files.copy(jsonFile, out));
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
            copyJson(jsonFile);
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
