package org.armfer.examples.cli;

import org.armfer.examples.bench.Bench;
import org.armfer.examples.bench.ExternalBench;
import org.armfer.train.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code armfer bench}: throughput of armfer's models and of the ARM block, optionally beside PyTorch and ONNX Runtime. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure training and inference throughput (images/s; warm-up, then the median of timed iterations)",
                "of a registered model (--model, default resnet18-arm beside resnet18 with GAP), and the ARM block",
                "against global pooling on a 512x7x7 input.",
                "With --pytorch / --onnx the same models run in PyTorch (Debian python3-torch) and ONNX Runtime in the",
                "same run, so that ratios are measured side by side. DL4J's inference is timed three ways: the graph's",
                "output() (dl4j), after BatchNormFolding.fold (dl4j-folded) and through OneDnnInference (dl4j-onednn).",
                "--latency instead times one image at a time (p50/p90/p99 in ms), every engine in the same rounds."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", split = ",", paramLabel = "NAME", defaultValue = Bench.DEFAULT_MODEL,
            description = "Models to time, comma separated, any name of `armfer train --list-models` (default:"
                    + " ${DEFAULT-VALUE}); an ARM model (X-arm) is timed beside its GAP model X when X is registered."
                    + " PyTorch and ONNX Runtime run torchvision's equivalent (ResNets, ViTs, Swins; armfer's ResNet-ARM"
                    + " heads mirrored); a model without one runs in DL4J only.")
    List<String> modelNames;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--input-size", defaultValue = "224", description = "Input height and width (default: ${DEFAULT-VALUE}).")
    int inputSize;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", description = "Timed iterations (default: 5; " + LATENCY_ITERATIONS
            + " with --latency).")
    Integer iterations;

    @Option(names = "--latency", description = "Latency of one image (batch 1): DL4J, DL4J folded, DL4J through "
            + "OneDnnInference, and with --pytorch / --onnx PyTorch and ONNX Runtime, all interleaved in the same rounds;"
            + " prints p50/p90/p99 in ms.")
    boolean latency;

    @Option(names = "--settle-ms", defaultValue = "" + Bench.DEFAULT_SETTLE_MILLIS, description = "Pause before every"
            + " timed run so that the previous engine's spinning worker threads are idle (default: ${DEFAULT-VALUE}).")
    int settleMillis;

    @Option(names = "--skip-models", description = "Do not time the whole models.")
    boolean skipModels;

    @Option(names = "--skip-block", description = "Do not time the ARM block micro-benchmark.")
    boolean skipBlock;

    @Option(names = "--memory-batch", defaultValue = "0",
            description = "Also measure peak memory (RSS) of training at this batch size, each model in a fresh process (0: off; the issue's figure uses 32).")
    int memoryBatch;

    @Option(names = "--pytorch", description = "Also run the same models in PyTorch (needs /usr/bin/python3 with torch, torchvision).")
    boolean pytorch;

    @Option(names = "--onnx", description = "Also run inference in ONNX Runtime (Java), on models exported from PyTorch (implies the PyTorch export).")
    boolean onnx;

    @Option(names = "--threads", defaultValue = "0", description = "Threads for PyTorch and ONNX Runtime (0: the number of cores, as ND4J uses).")
    int threads;

    @Option(names = "--predict", paramLabel = "PHOTO", description = "Per-photo latency of 'armfer predict' on PHOTO:"
            + " face detection (OpenCV's default cascade) alone, then detection + crops + one forward pass for all faces"
            + " through DL4J and through OneDnnInference, interleaved; p50/p90/p99 in ms (--iterations rounds, default "
            + "50).")
    Path predictPhoto;

    @Option(names = "--json", description = "Write all measurements to this JSON file.")
    Path json;

    /** Internal: measure the peak memory of one model's training in this process and print it. */
    @Option(names = "--memory-probe", hidden = true)
    String memoryProbe;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Timed rounds of --latency unless --iterations says otherwise. */
    static final int LATENCY_ITERATIONS = 100;
    /** Timed rounds of --predict unless --iterations says otherwise. */
    static final int PREDICT_ITERATIONS = 50;

    @Override
    public Integer call() throws Exception {
        int iterations = this.iterations != null ? this.iterations : latency ? LATENCY_ITERATIONS
                : predictPhoto != null ? PREDICT_ITERATIONS : 5;
        Cli.require(spec, batch >= 1, "--batch must be >= 1; got " + batch);
        Cli.between(spec, "--input-size", inputSize, 32, org.armfer.train.Recipe.MAX_INPUT_SIZE,
                "ResNet-18 reduces it 32-fold; beyond " + org.armfer.train.Recipe.MAX_INPUT_SIZE + " one image needs gigabytes");
        if (json != null) {
            Cli.requireReplaceable(spec, "--json", json, "a bench JSON of armfer bench",
                    head -> head.startsWith("{") && head.contains("\"batch\" :") && head.contains("\"inputSize\" :"));
        }
        Cli.require(spec, warmup >= 0 && iterations >= 1, "--warmup must be >= 0 and --iterations >= 1");
        Cli.require(spec, memoryBatch >= 0 && threads >= 0, "--memory-batch and --threads must be >= 0");
        Cli.require(spec, settleMillis >= 0, "--settle-ms must be >= 0; got " + settleMillis);
        Cli.require(spec, !latency || !spec.commandLine().getParseResult().hasMatchedOption("--batch") || batch == 1,
                "--latency measures batch 1; got --batch " + batch);
        Cli.require(spec, !latency || memoryBatch == 0, "--latency does not measure memory; drop --memory-batch");
        List<String> models;
        try {
            models = Bench.expandModels(modelNames);
        } catch (IllegalArgumentException e) {
            Cli.require(spec, false, "--model: " + e.getMessage());
            return 2;
        }
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        if (predictPhoto != null) {
            Cli.require(spec, !latency && memoryBatch == 0 && !pytorch && !onnx, "--predict times armfer's own predict;"
                    + " it goes without --latency, --memory-batch, --pytorch and --onnx");
            return predict(models, iterations, stdout);
        }
        if (latency && memoryProbe == null) {
            return latency(models, iterations, stdout);
        }
        if (memoryProbe != null) {
            long peak = new Bench(batch, inputSize, warmup, iterations, s -> { }).trainingPeakMemory(memoryProbe);
            stdout.println("PEAK_RSS " + peak);
            stdout.flush();
            return 0;
        }
        Bench bench = new Bench(batch, inputSize, warmup, iterations, settleMillis, s -> System.err.println("bench: " + s))
                .withModels(models);
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        ExternalBench external = new ExternalBench(batch, inputSize, warmup, iterations, nThreads,
                s -> System.err.println("bench: " + s)).withModels(models);
        // PyTorch first (it exports the ONNX models); ONNX Runtime's inference is timed interleaved with DL4J's
        List<Bench.Row> pytorchRows = pytorch || onnx ? external.pytorch(!skipModels, !skipBlock, onnx) : List.of();
        List<Bench.Row> rows = new ArrayList<>();
        if (!skipModels) {
            try (ExternalBench.OnnxModels ort = onnx ? external.onnxModels() : null) {
                rows.addAll(bench.models(ort == null ? Map.of() : Map.of("onnxruntime", ort.bodies())));
            }
        }
        if (!skipBlock) {
            rows.addAll(bench.blocks());
        }
        rows.addAll(pytorchRows);
        // table order: DL4J, PyTorch, ONNX Runtime
        List<Bench.Row> ort = rows.stream().filter(r -> r.engine.equals("onnxruntime")).collect(Collectors.toList());
        rows.removeAll(ort);
        rows.addAll(ort);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("batch", batch);
        out.put("inputSize", inputSize);
        out.put("warmup", warmup);
        out.put("iterations", iterations);
        out.put("threads", nThreads);
        out.put("models", models);
        out.put("rows", rows);
        stdout.print(Bench.table(rows));
        List<String> ratios = Bench.ratios(rows);
        ratios.forEach(stdout::println);
        out.put("ratios", ratios);
        if (memoryBatch > 0) {
            Map<String, Long> mem = new LinkedHashMap<>();
            for (String model : models) {
                mem.put("dl4j " + model, Bench.peakMemoryInFreshJvm(model, memoryBatch, inputSize));
                if (pytorch) {
                    long peak = external.pytorchPeakMemory(model, memoryBatch);
                    if (peak >= 0) {
                        mem.put("pytorch " + model, peak);
                    }
                }
            }
            mem.forEach((k, v) -> stdout.printf("peak RSS, training at batch %d: %-22s %8.0f MiB%n", memoryBatch, k, v / 1048576.0));
            out.put("peakRssBytesAtBatch" + memoryBatch, mem);
        }
        out.put("notes", notes(bench, external, stdout));
        writeJson(out, stdout);
        return 0;
    }

    /** The notes of both benches (what ran otherwise than asked), printed after the table; for the JSON. */
    private static List<String> notes(Bench bench, ExternalBench external, java.io.PrintWriter stdout) {
        List<String> notes = new ArrayList<>(bench.notes());
        notes.addAll(external.notes());
        notes.forEach(n -> stdout.println("note: " + n));
        return notes;
    }

    private int predict(List<String> models, int iterations, java.io.PrintWriter stdout) throws Exception {
        java.awt.image.BufferedImage photo;
        try {
            photo = org.armfer.datavec.Images.read(predictPhoto);
        } catch (org.armfer.datavec.FerDataException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--predict " + predictPhoto + ": " + e.getMessage(), e);
        }
        Bench bench = new Bench(1, inputSize, warmup, iterations, settleMillis, s -> System.err.println("bench: " + s))
                .withModels(models);
        List<Bench.Row> rows;
        try (org.armfer.vision.FaceDetector detector = org.armfer.vision.CascadeFaceDetector.builder().build()) {
            rows = bench.predictLatency(photo, detector);
        }
        stdout.print(Bench.latencyTable(rows));
        bench.notes().forEach(n -> stdout.println("note: " + n));
        Map<String, Object> out = batchOneJson("predict", iterations, models);
        out.put("photo", predictPhoto.toString());
        out.put("rows", rows);
        out.put("notes", bench.notes());
        writeJson(out, stdout);
        return 0;
    }

    /** The head of a batch-1 run's JSON: mode and settings. */
    private Map<String, Object> batchOneJson(String mode, int iterations, List<String> models) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("batch", 1);
        out.put("inputSize", inputSize);
        out.put("warmup", warmup);
        out.put("iterations", iterations);
        out.put("settleMillis", settleMillis);
        out.put("models", models);
        return out;
    }

    private void writeJson(Map<String, Object> out, java.io.PrintWriter stdout) throws java.io.IOException {
        if (json != null) {
            Json.write(json, out);
            stdout.println("wrote " + json);
        }
    }

    private int latency(List<String> models, int iterations, java.io.PrintWriter stdout) throws Exception {
        java.util.function.Consumer<String> progress = s -> System.err.println("bench: " + s);
        Bench bench = new Bench(1, inputSize, warmup, iterations, settleMillis, progress).withModels(models);
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        ExternalBench external = new ExternalBench(1, inputSize, warmup, iterations, nThreads, progress).withModels(models);
        List<Bench.Row> rows;
        try (ExternalBench.TorchServer torch = pytorch || onnx ? external.servePytorch(onnx) : null;
             ExternalBench.OnnxModels ort = onnx ? external.onnxModels() : null) {
            Map<String, Map<String, Bench.Timed>> others = new LinkedHashMap<>();
            if (pytorch) {
                others.put("pytorch", torch.bodies());
            }
            if (ort != null) {
                Map<String, Bench.Timed> bodies = new LinkedHashMap<>();
                ort.bodies().forEach((model, body) -> bodies.put(model, Bench.timed(body)));
                others.put("onnxruntime", bodies);
            }
            rows = bench.latency(others);
        }
        stdout.print(Bench.latencyTable(rows));
        List<String> ratios = Bench.latencyRatios(rows);
        ratios.forEach(stdout::println);
        List<String> notes = notes(bench, external, stdout);
        Map<String, Object> out = batchOneJson("latency", iterations, models);
        out.put("threads", nThreads);
        out.put("rows", rows);
        out.put("ratios", ratios);
        out.put("notes", notes);
        writeJson(out, stdout);
        return 0;
    }
}
