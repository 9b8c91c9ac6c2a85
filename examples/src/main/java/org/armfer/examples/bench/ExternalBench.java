package org.armfer.examples.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
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
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The other engines of {@code armfer bench}: PyTorch (Debian's python3-torch, through the bundled script
 * bench/torch_bench.py) and ONNX Runtime Java on the same two models exported from PyTorch.
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

    public ExternalBench(int batch, int inputSize, int warmup, int iterations, int threads, Consumer<String> progress) {
        this.batch = batch;
        this.inputSize = inputSize;
        this.warmup = warmup;
        this.iterations = iterations;
        this.threads = threads;
        this.progress = progress;
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

    /** PyTorch rows; with {@code exportOnnx} also exports both models to ONNX for {@link #onnxRuntime()}. */
    public List<Bench.Row> pytorch(boolean models, boolean block, boolean exportOnnx) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
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
        for (String line : runPython(args)) {
            JsonNode n = m.readTree(line);
            List<Double> ms = new ArrayList<>();
            n.get("millis").forEach(v -> ms.add(v.asDouble()));
            rows.add(new Bench.Row("pytorch", n.get("model").asText(), n.get("phase").asText(), n.get("batch").asInt(),
                    n.get("inputSize").asInt(), ms));
        }
        return rows;
    }

    /**
     * A PyTorch process that runs one inference of this batch per request, for {@link Bench#latency} to interleave
     * with the other engines; with {@code exportOnnx} it first exports both models to ONNX for {@link #onnxModels()}.
     * Close it to end the process.
     */
    public TorchServer servePytorch(boolean exportOnnx) throws IOException {
        List<String> args = new ArrayList<>(List.of("--serve"));
        if (exportOnnx) {
            onnxDir = Files.createTempDirectory("armfer-onnx");
            args.add("--onnx");
            args.add(onnxDir.toString());
        }
        progress.accept("pytorch server (" + threads + " threads)" + (exportOnnx ? ", exporting ONNX" : ""));
        return new TorchServer(python(args).start());
    }

    /** PyTorch answering one timed inference per model name (see bench/torch_bench.py --serve). */
    public static final class TorchServer implements AutoCloseable {
        private final Process process;
        private final BufferedWriter requests;
        private final BufferedReader answers;
        private final ObjectMapper json = new ObjectMapper();

        TorchServer(Process process) throws IOException {
            this.process = process;
            this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            try {
                JsonNode ready = next();
                if (!ready.path("ready").asBoolean()) {
                    throw new IOException("PyTorch server did not start: " + ready);
                }
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
            for (String name : new String[]{"resnet18", "resnet18-arm"}) {
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
        ExternalBench b = new ExternalBench(memoryBatch, inputSize, warmup, iterations, threads, progress);
        for (String line : b.runPython(List.of("--memory", model))) {
            return new ObjectMapper().readTree(line).get("peakRss").asLong();
        }
        throw new IOException("PyTorch memory probe printed nothing");
    }

    /**
     * ONNX Runtime Java sessions on the models {@link #pytorch} exported, as bodies that {@link Bench#models} times
     * interleaved with DL4J's inference. Close it to release the sessions.
     */
    public OnnxModels onnxModels() throws OrtException {
        if (onnxDir == null) {
            throw new IllegalStateException("run pytorch(..., exportOnnx=true) or servePytorch(true) first");
        }
        progress.accept("onnxruntime sessions for resnet18 and resnet18-arm (" + threads + " threads)");
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
                for (String name : new String[]{"resnet18", "resnet18-arm"}) {
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
