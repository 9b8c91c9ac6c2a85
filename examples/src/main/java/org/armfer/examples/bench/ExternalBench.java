package org.armfer.examples.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.armfer.layers.ArmGeometry;
import org.armfer.layers.ArmModule;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The other engines of {@code armfer bench}: PyTorch (Debian's python3-torch, through the bundled script
 * bench/torch_bench.py) and ONNX Runtime Java on the same models exported from PyTorch. Which PyTorch model stands for
 * an armfer model is {@link #torchSpec}'s choice; a model without one (or one this torchvision cannot build or export)
 * is left out of these engines with a line in {@link #notes()}, and its DL4J rows still run.
 */
public final class ExternalBench {

    static final String PYTHON = System.getProperty("armfer.python", "/usr/bin/python3");

    private final int batch;
    private final int inputSize;
    private final int warmup;
    private final int iterations;
    private final int threads;
    private final Consumer<String> progress;
    private Path onnxDir;
    private boolean exportAsked;
    private List<String> models = Bench.DEFAULT_MODELS;
    /** The benched models' names that PyTorch runs, and the ones exported to ONNX (filled by the PyTorch run). */
    private final List<String> exported = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public ExternalBench(int batch, int inputSize, int warmup, int iterations, int threads, Consumer<String> progress) {
        this.batch = batch;
        this.inputSize = inputSize;
        this.warmup = warmup;
        this.iterations = iterations;
        this.threads = threads;
        this.progress = progress;
    }

    /** Runs these models (armfer's names, as {@link Bench#expandModels} gives them); returns this. */
    public ExternalBench withModels(List<String> names) {
        this.models = List.copyOf(names);
        return this;
    }

    /** What these engines left out, one line each (a model without a PyTorch equivalent, a failed ONNX export). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    private static final Pattern RESNET = Pattern.compile("resnet(18|34|50|101|152)(-arm)?");
    private static final Pattern VIT = Pattern.compile("vit-([bhl])-?(\\d+)");
    private static final Pattern SWIN = Pattern.compile("swin-(v2-)?([tsb])");

    /**
     * The PyTorch model that stands for armfer's {@code model} at {@code inputSize}, as bench/torch_bench.py reads it:
     * torchvision's constructor for a plain ResNet ({@code resnet50} -> {@code resnet50}), a ViT ({@code vit-b16} ->
     * {@code vit_b_16}, also {@code vit-b-16}) or a Swin ({@code swin-t} -> {@code swin_t}, {@code swin-v2-t} ->
     * {@code swin_v2_t}); for a ResNet with ARM ({@code resnetN-arm}) {@code arm:resnetN:R:K:S}, the reference's ARM
     * head with the geometry armfer's default {@link ArmModule} takes on that trunk's map (C x ceil(input/32)^2), so
     * that both sides do the same work. Empty for a model PyTorch has no equivalent of (DSM, RARN, DeSpaM, resizer
     * variants, ARM on a transformer, ...). Names are trimmed, any case.
     */
    public static Optional<String> torchSpec(String model, int inputSize) {
        String m = model.strip().toLowerCase(Locale.ROOT);
        Matcher r = RESNET.matcher(m);
        if (r.matches()) {
            String base = "resnet" + r.group(1);
            if (r.group(2) == null) {
                return Optional.of(base);
            }
            long channels = Integer.parseInt(r.group(1)) < 50 ? 512 : 2048;
            long side = (inputSize + 31) / 32;
            ArmGeometry g = ArmModule.builder().build().geometry(channels, side, side);
            return Optional.of("arm:" + base + ":" + g.getBlockSize() + ":" + g.getKernelSize() + ":" + g.getStride());
        }
        Matcher v = VIT.matcher(m);
        if (v.matches()) {
            return Optional.of("vit_" + v.group(1) + "_" + v.group(2));
        }
        Matcher w = SWIN.matcher(m);
        if (w.matches()) {
            return Optional.of("swin_" + (w.group(1) == null ? "" : "v2_") + w.group(2));
        }
        return Optional.empty();
    }

    /** The script's --model arguments for the models PyTorch has an equivalent of; a note for each other one. */
    private List<String> modelArgs() {
        List<String> args = new ArrayList<>();
        for (String name : models) {
            Optional<String> spec = torchSpec(name, inputSize);
            if (spec.isPresent()) {
                args.add("--model");
                args.add(name + "=" + spec.get());
            } else {
                note("pytorch/onnxruntime: no PyTorch equivalent of " + name + " (torchvision has ResNets, ViTs and"
                        + " Swins; armfer's ResNet-ARM heads are mirrored); its DL4J rows run alone");
            }
        }
        return args;
    }

    private void note(String line) {
        if (!notes.contains(line)) {
            notes.add(line);
            progress.accept(line);
        }
    }

    /** Whether a line of the script is a note (a model it could not build or export); records it if so. */
    private boolean noted(JsonNode n) {
        if (n.has("unsupported")) {
            note("pytorch/onnxruntime: " + n.get("unsupported").asText() + " left out: " + n.path("reason").asText());
            return true;
        }
        if (n.has("onnxUnsupported")) {
            exported.remove(n.get("onnxUnsupported").asText());
            note("onnxruntime: " + n.get("onnxUnsupported").asText() + " left out, its ONNX export failed: "
                    + n.path("reason").asText());
            return true;
        }
        return false;
    }

    private Path script() throws IOException {
        Path dir = Files.createTempDirectory("armfer-bench");
        Path script = dir.resolve("torch_bench.py");
        try (InputStream in = ExternalBench.class.getResourceAsStream("/bench/torch_bench.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    private ProcessBuilder python(List<String> extra) throws IOException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IOException("--pytorch needs " + PYTHON + " with torch and torchvision: apt-get install -y python3-torch python3-torchvision");
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script().toString(), Integer.toString(batch), Integer.toString(inputSize),
                Integer.toString(warmup), Integer.toString(iterations), Integer.toString(threads)));
        cmd.addAll(modelArgs());
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // PyTorch as Debian ships it: without the jemalloc preload the armfer launcher gives the JVM
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove("MALLOC_CONF");
        return pb;
    }

    private List<String> runPython(List<String> extra) throws IOException, InterruptedException {
        ProcessBuilder pb = python(extra);
        List<String> cmd = pb.command();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("PyTorch benchmark failed (exit " + p.exitValue() + "): " + String.join(" ", cmd));
        }
        List<String> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("{")) lines.add(l);
        }
        return lines;
    }

    /** PyTorch rows; with {@code exportOnnx} also exports the models to ONNX for {@link #onnxModels()}. */
    public List<Bench.Row> pytorch(boolean models, boolean block, boolean exportOnnx) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
        boolean any = !modelArgs().isEmpty();
        exportAsked |= exportOnnx;
        models &= any;
        exportOnnx &= any;
        if (models) args.add("--models");
        if (block) args.add("--block");
        if (exportOnnx) {
            onnxDir = Files.createTempDirectory("armfer-onnx");
            args.add("--onnx");
            args.add(onnxDir.toString());
        }
        progress.accept("pytorch (" + threads + " threads)" + (exportOnnx ? ", exporting ONNX" : ""));
        ObjectMapper m = new ObjectMapper();
        List<Bench.Row> rows = new ArrayList<>();
        exported.clear();
        if (exportOnnx) {
            this.models.stream().filter(name -> torchSpec(name, inputSize).isPresent()).forEach(exported::add);
        }
        List<String> lines = !models && !exportOnnx && !block ? List.of() : runPython(args);
        for (String line : lines) {
            JsonNode n = m.readTree(line);
            if (noted(n)) {
                exported.remove(n.path("unsupported").asText());
                continue;
            }
            List<Double> ms = new ArrayList<>();
            n.get("millis").forEach(v -> ms.add(v.asDouble()));
            rows.add(new Bench.Row("pytorch", n.get("model").asText(), n.get("phase").asText(), n.get("batch").asInt(),
                    n.get("inputSize").asInt(), ms));
        }
        return rows;
    }

    /**
     * A PyTorch process that runs one inference of this batch per request, for {@link Bench#latency} to interleave
     * with the other engines; with {@code exportOnnx} it first exports the models to ONNX for {@link #onnxModels()}.
     * Close it to end the process.
     */
    public TorchServer servePytorch(boolean exportOnnx) throws IOException {
        List<String> args = new ArrayList<>(List.of("--serve"));
        exportAsked |= exportOnnx;
        if (exportOnnx) {
            onnxDir = Files.createTempDirectory("armfer-onnx");
            args.add("--onnx");
            args.add(onnxDir.toString());
        }
        progress.accept("pytorch server (" + threads + " threads)" + (exportOnnx ? ", exporting ONNX" : ""));
        exported.clear();
        TorchServer server = new TorchServer(python(args).start(), this::noted);
        if (exportOnnx) {
            server.models.forEach(exported::add);
            exported.removeAll(server.onnxFailed);
        }
        return server;
    }

    /** PyTorch answering one timed inference per model name (see bench/torch_bench.py --serve). */
    public static final class TorchServer implements AutoCloseable {
        private final Process process;
        private final BufferedWriter requests;
        private final BufferedReader answers;
        private final ObjectMapper json = new ObjectMapper();
        /** The models it serves, and those whose ONNX export failed. */
        final List<String> models = new ArrayList<>();
        final List<String> onnxFailed = new ArrayList<>();

        TorchServer(Process process, java.util.function.Predicate<JsonNode> notes) throws IOException {
            this.process = process;
            this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            try {
                JsonNode ready = next();
                while (notes.test(ready)) {
                    if (ready.has("onnxUnsupported")) {
                        onnxFailed.add(ready.get("onnxUnsupported").asText());
                    }
                    ready = next();
                }
                if (!ready.path("ready").asBoolean()) {
                    throw new IOException("PyTorch server did not start: " + ready);
                }
                ready.path("models").forEach(n -> models.add(n.asText()));
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        /** The next JSON answer (lines that are not JSON, such as warnings, are skipped). */
        private JsonNode next() throws IOException {
            String line;
            while ((line = answers.readLine()) != null) {
                if (line.startsWith("{")) {
                    return json.readTree(line);
                }
            }
            throw new IOException("PyTorch server ended (exit " + (process.isAlive() ? "?" : process.exitValue()) + ")");
        }

        /** One inference of {@code model} in PyTorch; the milliseconds PyTorch measured around its forward pass. */
        public double infer(String model) {
            try {
                requests.write(model + "\n");
                requests.flush();
                JsonNode a = next();
                if (!a.has("ms")) {
                    throw new IllegalStateException("PyTorch server: " + a);
                }
                return a.get("ms").asDouble();
            } catch (IOException e) {
                throw new UncheckedIOException("PyTorch server: " + e.getMessage(), e);
            }
        }

        /** Model name -> one timed inference, for {@link Bench#latency}. */
        public Map<String, Bench.Timed> bodies() {
            Map<String, Bench.Timed> bodies = new LinkedHashMap<>();
            for (String name : models) {
                bodies.put(name, () -> infer(name));
            }
            return bodies;
        }

        @Override
        public void close() {
            try {
                requests.write("exit\n");
                requests.flush();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroy();
                }
            } catch (IOException e) {
                process.destroy();
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Peak RSS of PyTorch training {@code model} at {@code memoryBatch}, in a fresh Python process. */
    public long pytorchPeakMemory(String model, int memoryBatch) throws IOException, InterruptedException {
        if (torchSpec(model, inputSize).isEmpty()) {
            note("pytorch: no PyTorch equivalent of " + model + ", no memory figure");
            return -1;
        }
        ExternalBench b = new ExternalBench(memoryBatch, inputSize, warmup, iterations, threads, progress)
                .withModels(List.of(model));
        for (String line : b.runPython(List.of("--memory", model))) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.has("peakRss")) {
                return n.get("peakRss").asLong();
            }
            b.noted(n);
        }
        b.notes.forEach(this::note);
        return -1;
    }

    /**
     * ONNX Runtime Java sessions on the models {@link #pytorch} exported, as bodies that {@link Bench#models} times
     * interleaved with DL4J's inference. Close it to release the sessions.
     */
    public OnnxModels onnxModels() throws OrtException {
        if (!exportAsked) {
            throw new IllegalStateException("run pytorch(..., exportOnnx=true) or servePytorch(true) first");
        }
        progress.accept("onnxruntime sessions for " + (exported.isEmpty() ? "no model" : String.join(", ", exported))
                + " (" + threads + " threads)");
        return new OnnxModels();
    }

    /** One ONNX Runtime session per exported model, with a random input batch. */
    public final class OnnxModels implements AutoCloseable {
        private final Map<String, OrtSession> sessions = new LinkedHashMap<>();
        private final OrtSession.SessionOptions options;
        private final OnnxTensor input;

        private OnnxModels() throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            float[] data = new float[batch * 3 * inputSize * inputSize];
            Random r = new Random(1);
            for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
            options = new OrtSession.SessionOptions();
            try {
                options.setIntraOpNumThreads(threads);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[]{batch, 3, inputSize, inputSize});
                for (String name : exported) {
                    sessions.put(name, env.createSession(onnxDir.resolve(name + ".onnx").toString(), options));
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        /** Model name -> one inference of the batch. */
        public Map<String, Runnable> bodies() {
            Map<String, OnnxTensor> in = Collections.singletonMap("input", input);
            Map<String, Runnable> bodies = new LinkedHashMap<>();
            sessions.forEach((name, s) -> bodies.put(name, () -> {
                try (OrtSession.Result res = s.run(in)) {
                    res.get(0);
                } catch (OrtException e) {
                    throw new IllegalStateException("onnxruntime " + name + ": " + e.getMessage(), e);
                }
            }));
            return bodies;
        }

        @Override
        public void close() {
            for (OrtSession s : sessions.values()) {
                try {
                    s.close();
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (input != null) {
                input.close();
            }
            options.close();
        }
    }
}
