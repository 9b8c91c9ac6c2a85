package org.armfer.examples.bench;

import org.armfer.layers.ArmModule;
import org.armfer.fast.BatchNormFolding;
import org.armfer.fast.onednn.OneDnnInference;
import org.armfer.zoo.FerModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The benchmark harness of {@code armfer bench}: images per second for training and inference of models registered in
 * {@link FerModels} (by default ResNet-18-ARM and, for ARM's cost, ResNet-18 with GAP; see {@link #expandModels}),
 * warm-up then the median of timed iterations, and a micro-benchmark of the ARM block against DL4J's global pooling on
 * a 512x7x7 input, forward and backward.
 */
public final class Bench {

    /** One measurement. */
    public static final class Row {
        // "dl4j", "dl4j-folded" (batch norm folded, inference), "dl4j-onednn" (OneDnnInference), "pytorch",
        // "onnxruntime"
        public String engine;
        public String model;    // a FerModels name ("resnet18-arm", ...), "arm-block", "gap-block"
        public String phase;    // "train", "inference", "latency" (inference of one image), "forward", "backward"
        public int batch;
        public int inputSize;
        public double medianMillis;
        public double imagesPerSecond;
        /** Latency percentiles (phase "latency" only), ms. */
        public Double p50;
        public Double p90;
        public Double p99;
        public List<Double> millis;

        public Row() {
        }

        Row(String engine, String model, String phase, int batch, int inputSize, List<Double> millis) {
            this.engine = engine;
            this.model = model;
            this.phase = phase;
            this.batch = batch;
            this.inputSize = inputSize;
            this.millis = millis;
            this.medianMillis = median(millis);
            this.imagesPerSecond = batch * 1000.0 / medianMillis;
            if (phase.equals(LATENCY) || phase.equals(PREDICT) || phase.equals(DETECT)) {
                this.p50 = percentile(millis, 50);
                this.p90 = percentile(millis, 90);
                this.p99 = percentile(millis, 99);
            }
        }
    }

    /** The phase of {@link #latency}'s rows. */
    public static final String LATENCY = "latency";
    /** The phase of {@link #predictLatency}'s rows: one photo through detection, crops and the network. */
    public static final String PREDICT = "predict";
    /** The phase of {@link #predictLatency}'s detection-only row. */
    public static final String DETECT = "detect";

    /**
     * A body the harness times: it runs once and returns how long that took, in ms. DL4J's and ONNX Runtime's bodies
     * are timed around the call ({@link #timed(Runnable)}); PyTorch's report the time measured inside its own process
     * (so that the pipe to it is not counted).
     */
    @FunctionalInterface
    public interface Timed {
        double run();
    }

    /** {@code body} timed around its call. */
    public static Timed timed(Runnable body) {
        return () -> {
            long t = System.nanoTime();
            body.run();
            return (System.nanoTime() - t) / 1e6;
        };
    }

    /** Pause before every timed body by default (see {@link #timeRounds}), ms. */
    public static final int DEFAULT_SETTLE_MILLIS = 50;

    private final int batch;
    private final int inputSize;
    private final int warmup;
    private final int iterations;
    private final Consumer<String> progress;
    private final int settleMillis;
    /** The FerModels names timed, in order (see {@link #expandModels}). */
    private List<String> models = DEFAULT_MODELS;
    /** What the run could not do as asked (a fallback), one line each, for the output; see {@link #notes()}. */
    private final List<String> notes = new ArrayList<>();
    /** How the harness pauses (ms); a field so that tests record the pauses instead of sleeping. */
    Sleeper sleeper = ms -> {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench interrupted", e);
        }
    };

    /** Pauses the timing thread. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long millis);
    }

    public Bench(int batch, int inputSize, int warmup, int iterations, Consumer<String> progress) {
        this(batch, inputSize, warmup, iterations, DEFAULT_SETTLE_MILLIS, progress);
    }

    public Bench(int batch, int inputSize, int warmup, int iterations, int settleMillis, Consumer<String> progress) {
        if (batch < 1 || inputSize < 32 || warmup < 0 || iterations < 1 || settleMillis < 0) {
            throw new IllegalArgumentException("bench: batch >= 1, inputSize >= 32, warmup >= 0, iterations >= 1,"
                    + " settle >= 0 ms; got batch=" + batch + " inputSize=" + inputSize + " warmup=" + warmup
                    + " iterations=" + iterations + " settle=" + settleMillis);
        }
        this.batch = batch;
        this.inputSize = inputSize;
        this.warmup = warmup;
        this.iterations = iterations;
        this.settleMillis = settleMillis;
        this.progress = progress;
    }

    /** The model {@code armfer bench} times unless told otherwise (the one issue 20's targets are stated for). */
    public static final String DEFAULT_MODEL = "resnet18-arm";

    /** What {@link #DEFAULT_MODEL} expands to: the GAP model beside it, so that ARM's cost is measured too. */
    static final List<String> DEFAULT_MODELS = List.of("resnet18", "resnet18-arm");

    /**
     * The models to time for the names asked: each registered name in {@link FerModels} (trimmed, any case, as its
     * registry spells it), and in front of an ARM model ({@code X-arm}) its GAP counterpart {@code X} when that is
     * registered, so that ARM's cost shows in the ratios; duplicates dropped, order kept.
     *
     * @throws IllegalArgumentException for no name or a name not registered (the message lists the registered ones)
     */
    public static List<String> expandModels(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("no model to bench; allowed: " + String.join(", ", FerModels.names()));
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String n : names) {
            String name = FerModels.entry(n).name();
            if (name.endsWith("-arm")) {
                String gap = name.substring(0, name.length() - "-arm".length());
                if (FerModels.names().contains(gap)) {
                    out.add(gap);
                }
            }
            out.add(name);
        }
        return List.copyOf(out);
    }

    /** Times these models ({@link #expandModels} of {@code names}) instead of the default pair; returns this. */
    public Bench withModels(List<String> names) {
        this.models = expandModels(names);
        return this;
    }

    /** The models this bench times, in order. */
    public List<String> benchedModels() {
        return models;
    }

    /** What the run did otherwise than asked (OneDnnInference falling back to DL4J, ...), one line each. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    private Map<String, ComputationGraph> initModels() {
        Map<String, ComputationGraph> graphs = new LinkedHashMap<>();
        for (String name : models) {
            graphs.put(name, FerModels.init(name, 7, inputSize));
        }
        return graphs;
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /**
     * The p-th percentile (0-100) of {@code v}: linear interpolation between the two nearest values of the sorted
     * sample at position (n - 1)·p/100 (NumPy's default), so p50 is the median.
     */
    static double percentile(List<Double> v, double p) {
        if (v.isEmpty() || !(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile " + p + " of " + v.size() + " values; allowed: 0 <= p <= 100"
                    + " of at least one value");
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double pos = (a.length - 1) * p / 100.0;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, a.length - 1);
        return a[lo] + (pos - lo) * (a[hi] - a[lo]);
    }

    /** Times {@code body} warm-up + timed times; milliseconds of the timed runs. */
    List<Double> time(Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            body.run();
            ms.add((System.nanoTime() - t) / 1e6);
        }
        return ms;
    }

    private static DataSet randomBatch(int n, int c, int h, int w, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, c, h, w);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) y.putScalar(i, i % classes, 1.0);
        return new DataSet(x, y);
    }

    /** {@link #timeRounds} for bodies timed around their call. */
    Map<String, List<Double>> timeInterleaved(Map<String, Runnable> bodies) {
        Map<String, Timed> t = new LinkedHashMap<>();
        bodies.forEach((name, body) -> t.put(name, timed(body)));
        return timeRounds(t);
    }

    /**
     * Times several bodies interleaved: each warmed up, then in every round each body once, the order reversed from
     * one round to the next (A B, B A, ...), so that a drift in the machine's speed (other load, clock, memory state)
     * falls on all of them alike and their ratio stays fair. All on the calling thread: on threads of their own,
     * ND4J's idle OpenMP workers of one spin while the other computes (about 10% slower here). Two identical
     * ResNet-18s timed this way differ by about 1-2%.
     * <p>
     * Before every timed run the harness pauses {@code settleMillis}: an engine's worker threads keep spinning for a
     * while after its work is done (ONNX Runtime's pool and the OpenMP runtimes of ND4J/oneDNN and PyTorch), and
     * without the pause they compete for the cores with whatever is timed next; at batch 1 that made the body timed
     * right after ONNX Runtime (DL4J's folded ResNet-18-ARM, every other round) look 1.6x slower. Milliseconds of the
     * timed runs per name.
     */
    Map<String, List<Double>> timeRounds(Map<String, Timed> bodies) {
        List<String> names = new ArrayList<>(bodies.keySet());
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        for (String n : names) {
            for (int i = 0; i < warmup; i++) {
                bodies.get(n).run();
            }
            ms.put(n, new ArrayList<>());
        }
        for (int i = 0; i < iterations; i++) {
            for (int j = 0; j < names.size(); j++) {
                String n = names.get(i % 2 == 0 ? j : names.size() - 1 - j);
                if (settleMillis > 0) {
                    sleeper.sleep(settleMillis);
                }
                ms.get(n).add(bodies.get(n).run());
            }
        }
        return ms;
    }

    /** Rows of {@link #timeInterleaved} for one engine and phase. */
    private List<Row> interleavedRows(String engine, String phase, int size, Map<String, Runnable> bodies) {
        List<Row> rows = new ArrayList<>();
        timeInterleaved(bodies).forEach((model, ms) -> rows.add(new Row(engine, model, phase, batch, size, ms)));
        return rows;
    }

    /** Training and inference throughput of the models (7 classes); see {@link #models(Map)}. */
    public List<Row> models() {
        return models(Map.of());
    }

    /**
     * Training and inference throughput of the models (7 classes; {@link #withModels}), timed interleaved (see
     * {@link #timeInterleaved}): the two models' training steps, then every inference together: DL4J's, DL4J's with
     * batch norm folded ({@code dl4j-folded}) and {@code otherInference} (engine -> model -> one inference of a
     * batch of the same size, e.g. ONNX Runtime's), so that the ratios between engines are fair too.
     */
    public List<Row> models(Map<String, Map<String, Runnable>> otherInference) {
        List<Row> rows = new ArrayList<>();
        DataSet ds = randomBatch(batch, 3, inputSize, inputSize, 7, 1);
        Map<String, ComputationGraph> graphs = initModels();
        progress.accept("dl4j " + String.join(", ", models) + " train, batch " + batch);
        Map<String, Runnable> train = new LinkedHashMap<>();
        graphs.forEach((name, g) -> train.put(name, () -> g.fit(ds)));
        rows.addAll(interleavedRows("dl4j", "train", inputSize, train));
        // engine|model -> body; the trained models, copies with their batch norms folded into the convolutions (as
        // ONNX Runtime loads a model), and OneDnnInference of the trained models
        Map<String, Runnable> infer = new LinkedHashMap<>();
        List<OneDnnInference> compiled = new ArrayList<>();
        try {
            inferenceBodies(graphs, ds.getFeatures(), compiled).forEach((k, b) -> infer.put(k, b));
            otherInference.forEach((engine, bodies) -> bodies.forEach((name, b) -> infer.put(engine + "|" + name, b)));
            progress.accept("inference, batch " + batch + ", interleaved: " + String.join(", ", infer.keySet()));
            timeInterleaved(infer).forEach((key, ms) -> {
                String[] em = key.split("\\|", 2);
                rows.add(new Row(em[0], em[1], "inference", batch, inputSize, ms));
            });
        } finally {
            compiled.forEach(OneDnnInference::close);
        }
        return rows;
    }

    /** "engine|model" -> one inference of {@code x}: DL4J's, DL4J's with batch norms folded, OneDnnInference's. */
    private Map<String, Runnable> inferenceBodies(Map<String, ComputationGraph> graphs, INDArray x,
                                                  List<OneDnnInference> compiled) {
        Map<String, Runnable> bodies = new LinkedHashMap<>();
        graphs.forEach((name, g) -> bodies.put("dl4j|" + name, () -> g.outputSingle(false, x)));
        graphs.forEach((name, g) -> {
            ComputationGraph f = BatchNormFolding.fold(g);
            bodies.put("dl4j-folded|" + name, () -> f.outputSingle(false, x));
        });
        graphs.forEach((name, g) -> {
            OneDnnInference o = OneDnnInference.of(g);
            compiled.add(o);
            o.fallbackReason(x.shape()).ifPresent(r -> {
                String note = "dl4j-onednn " + name + " ran through DL4J's own output (OneDnnInference falls back: "
                        + r + ")";
                progress.accept(note);
                notes.add(note);
            });
            bodies.put("dl4j-onednn|" + name, () -> o.output(x));
        });
        return bodies;
    }

    /**
     * Latency of one image (batch 1) in every engine, all timed interleaved in one sequence of rounds (see
     * {@link #timeRounds}): for each model in turn, DL4J's inference, DL4J's with batch norms folded,
     * OneDnnInference's, then {@code external} (engine -> model -> one timed inference of one image, e.g. PyTorch's
     * and ONNX Runtime's). Rows of phase {@value #LATENCY} with p50/p90/p99.
     */
    public List<Row> latency(Map<String, Map<String, Timed>> external) {
        if (batch != 1) {
            throw new IllegalStateException("latency is measured at batch 1; this bench has batch " + batch);
        }
        Map<String, ComputationGraph> graphs = initModels();
        INDArray x = randomBatch(1, 3, inputSize, inputSize, 7, 4).getFeatures();
        List<OneDnnInference> compiled = new ArrayList<>();
        try {
            Map<String, Runnable> dl4j = inferenceBodies(graphs, x, compiled);
            return latencyRows(latencyOrder(graphs.keySet(), dl4j, external));
        } finally {
            compiled.forEach(OneDnnInference::close);
        }
    }

    /**
     * What {@code armfer predict} costs per photo, timed interleaved in one sequence of rounds: face detection alone
     * ({@code detector}, phase {@value #DETECT}), then per model the whole prediction (detection, square crops,
     * preprocessing, one forward pass for all faces: {@link FaceExpressionPredictor#predict}) through DL4J's
     * {@code outputSingle} and through {@link OneDnnInference} (phase {@value #PREDICT}). Percentiles per photo; the
     * number of faces found is in {@link #notes()}.
     */
    public List<Row> predictLatency(java.awt.image.BufferedImage photo, org.armfer.vision.FaceDetector detector) {
        Map<String, ComputationGraph> graphs = initModels();
        List<String> labels = List.of("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger");
        org.armfer.vision.ModelInput input = new org.armfer.vision.ModelInput(3, inputSize, false);
        int faces = detector.detect(photo).size();
        notes.add(faces + " face" + (faces == 1 ? "" : "s") + " found in the photo by " + detector.describe()
                + " (each prediction crops, resizes to " + inputSize + "x" + inputSize + " and classifies all of them)");
        progress.accept(faces + " face(s) in the photo");
        List<OneDnnInference> compiled = new ArrayList<>();
        try {
            Map<String, Timed> bodies = new LinkedHashMap<>();
            bodies.put("detector|" + DETECT, timed(() -> detector.detect(photo)));
            graphs.forEach((name, g) -> {
                org.armfer.vision.FaceExpressionPredictor plain = org.armfer.vision.FaceExpressionPredictor
                        .builder(g, labels, input).detector(detector).build();
                OneDnnInference o = OneDnnInference.of(g);
                compiled.add(o);
                org.armfer.vision.FaceExpressionPredictor fast = org.armfer.vision.FaceExpressionPredictor
                        .builder(g, labels, input).detector(detector).forward(o::output, "OneDnnInference").build();
                bodies.put("dl4j|" + name, timed(() -> plain.predict(photo)));
                bodies.put("dl4j-onednn|" + name, timed(() -> fast.predict(photo)));
            });
            progress.accept("predict on a photo, " + iterations + " interleaved rounds: " + String.join(", ", bodies.keySet()));
            List<Row> rows = new ArrayList<>();
            timeRounds(bodies).forEach((key, ms) -> {
                String[] em = key.split("\\|", 2);
                boolean detect = em[1].equals(DETECT);
                Row r = new Row(em[0], detect ? "-" : em[1], detect ? DETECT : PREDICT, Math.max(1, faces), inputSize, ms);
                rows.add(r);
            });
            return rows;
        } finally {
            compiled.forEach(OneDnnInference::close);
        }
    }

    /** The bodies in timing order: per model, DL4J's engines then the external ones, in the order given. */
    static Map<String, Timed> latencyOrder(Iterable<String> models, Map<String, Runnable> dl4j,
                                           Map<String, Map<String, Timed>> external) {
        Map<String, Timed> order = new LinkedHashMap<>();
        for (String model : models) {
            dl4j.forEach((key, body) -> {
                if (key.endsWith("|" + model)) {
                    order.put(key, timed(body));
                }
            });
            external.forEach((engine, bodies) -> {
                if (bodies.containsKey(model)) {
                    order.put(engine + "|" + model, bodies.get(model));
                }
            });
        }
        return order;
    }

    List<Row> latencyRows(Map<String, Timed> bodies) {
        progress.accept("latency, batch 1, " + iterations + " interleaved rounds: " + String.join(", ", bodies.keySet()));
        List<Row> rows = new ArrayList<>();
        timeRounds(bodies).forEach((key, ms) -> {
            String[] em = key.split("\\|", 2);
            rows.add(new Row(em[0], em[1], LATENCY, 1, inputSize, ms));
        });
        return rows;
    }

    /**
     * The ARM block (FA+DA+BN+SA, paper geometry) against global average pooling on [batch, 512, 7, 7], timed
     * interleaved.
     */
    public List<Row> blocks() {
        DataSet ds = randomBatch(batch, 512, 7, 7, 7, 2);
        Map<String, ComputationGraph> graphs = new LinkedHashMap<>();
        for (String kind : new String[]{"gap-block", "arm-block"}) {
            ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                    .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(7, 7, 512));
            String last;
            if (kind.equals("arm-block")) {
                last = ArmModule.builder().build().addTo(b, "in", "arm");
            } else {
                b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "in");
                last = "gap";
            }
            b.addLayer("fc", new OutputLayer.Builder().nOut(7).activation(Activation.SOFTMAX).build(), last).setOutputs("fc");
            ComputationGraph g = new ComputationGraph(b.build());
            g.init();
            graphs.put(kind, g);
        }
        progress.accept("dl4j gap-block and arm-block forward/backward, batch " + batch);
        Map<String, Runnable> forward = new LinkedHashMap<>();
        Map<String, Runnable> backward = new LinkedHashMap<>();
        graphs.forEach((kind, g) -> {
            forward.put(kind, () -> g.outputSingle(false, ds.getFeatures()));
            backward.put(kind, () -> g.fit(ds));
        });
        List<Row> rows = new ArrayList<>(interleavedRows("dl4j", "forward", 7, forward));
        rows.addAll(interleavedRows("dl4j", "backward", 7, backward));
        return rows;
    }

    /** Peak resident memory of this process (VmHWM), bytes; -1 where /proc is not available. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] p = line.trim().split("\\s+");
                    return Long.parseLong(p[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Trains {@code model} at this batch for warm-up + iterations and returns the process's peak RSS. */
    public long trainingPeakMemory(String model) {
        ComputationGraph g = FerModels.init(model, 7, inputSize);
        DataSet ds = randomBatch(batch, 3, inputSize, inputSize, 7, 3);
        time(() -> g.fit(ds));
        return peakRss();
    }

    /** The latency rows as a table: percentiles and the range, ms. */
    public static String latencyTable(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-12s %-13s %6s %8s %8s %8s %8s %8s%n", "engine", "model",
                "runs", "p50 ms", "p90 ms", "p99 ms", "min ms", "max ms"));
        for (Row r : rows) {
            if (r.p50 == null) {
                continue;
            }
            sb.append(String.format(java.util.Locale.ROOT, "%-12s %-13s %6d %8.2f %8.2f %8.2f %8.2f %8.2f%n", r.engine,
                    r.model, r.millis.size(), r.p50, r.p90, r.p99, percentile(r.millis, 0), percentile(r.millis, 100)));
        }
        return sb.toString();
    }

    /** Each DL4J engine's p50 and p99 latency against every other engine's, per model. */
    public static List<String> latencyRatios(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row d : rows) {
            if (!d.phase.equals(LATENCY) || !d.engine.startsWith("dl4j")) {
                continue;
            }
            for (Row o : rows) {
                if (o.phase.equals(LATENCY) && !o.engine.startsWith("dl4j") && o.model.equals(d.model)) {
                    out.add(String.format(java.util.Locale.ROOT, "%-13s latency %-11s vs %-11s: p50 %.2fx, p99 %.2fx"
                            + " (speed; > 1 is faster)", d.model, d.engine, o.engine, o.p50 / d.p50, o.p99 / d.p99));
                }
            }
        }
        return out;
    }

    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-12s %-13s %-10s %6s %6s %12s %10s%n", "engine", "model", "phase", "batch",
                "input", "median ms", "img/s"));
        for (Row r : rows) {
            sb.append(String.format(java.util.Locale.ROOT, "%-12s %-13s %-10s %6d %6d %12.1f %10.1f%n", r.engine, r.model, r.phase,
                    r.batch, r.inputSize, r.medianMillis, r.imagesPerSecond));
        }
        return sb.toString();
    }

    /**
     * The ratios the performance targets are stated in, each from rows of this one run: DL4J over PyTorch and ONNX
     * Runtime per model and phase, and ResNet18Arm over ResNet18 per engine and phase.
     */
    public static List<String> ratios(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row d : rows) {
            if (!d.engine.startsWith("dl4j") || d.phase.equals(LATENCY)) continue;
            for (Row o : rows) {
                if (!o.engine.startsWith("dl4j") && o.model.equals(d.model) && o.phase.equals(d.phase)) {
                    out.add(String.format(java.util.Locale.ROOT, "%-13s %-9s %s / %-11s = %.2fx throughput",
                            d.model, d.phase, d.engine, o.engine, d.imagesPerSecond / o.imagesPerSecond));
                }
            }
        }
        for (Row a : rows) {
            if (!a.model.endsWith("-arm") || a.phase.equals(LATENCY)) continue;
            Row b = find(rows, a.engine, a.model.substring(0, a.model.length() - "-arm".length()), a.phase);
            if (b != null) {
                out.add(String.format(java.util.Locale.ROOT, "%-11s %-9s ARM costs %+.1f%% time vs GAP%s%s",
                        a.engine, a.phase, 100.0 * (armOverGap(a, b) - 1),
                        a.model.equals("resnet18-arm") ? "" : " (" + a.model + ")",
                        a.millis.size() == b.millis.size() && a.millis.size() > 1
                                ? " (median of " + a.millis.size() + " interleaved rounds)" : ""));
            }
        }
        // the ARM block's own cost (block micro-benchmark, ARM minus GAP) against the GAP model's step: far less noisy
        // than the difference of two whole-model timings
        for (Row m : rows) {
            if (!m.model.equals("resnet18")) continue;
            String blockPhase = m.phase.equals("train") ? "backward" : "forward";
            Row arm = find(rows, m.engine, "arm-block", blockPhase);
            Row gap = find(rows, m.engine, "gap-block", blockPhase);
            if (arm != null && gap != null) {
                double extra = arm.medianMillis - gap.medianMillis;
                out.add(String.format(java.util.Locale.ROOT,
                        "%-11s %-9s the ARM block adds %.1f ms to GAP's (%s), %.1f%% of ResNet-18's %s", m.engine,
                        m.phase, extra, m.phase.equals("train") ? "training step" : "forward",
                        100.0 * extra / m.medianMillis, m.phase.equals("train") ? "step" : "inference"));
            }
        }
        return out;
    }

    /**
     * Time of {@code arm} over {@code gap}: the median of the per-round ratios when both were timed interleaved
     * (same number of rounds; each pair ran back to back), else the ratio of their medians.
     */
    static double armOverGap(Row arm, Row gap) {
        if (arm.millis == null || gap.millis == null || arm.millis.size() != gap.millis.size()) {
            return arm.medianMillis / gap.medianMillis;
        }
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < arm.millis.size(); i++) {
            r.add(arm.millis.get(i) / gap.millis.get(i));
        }
        return median(r);
    }

    private static Row find(List<Row> rows, String engine, String model, String phase) {
        for (Row r : rows) {
            if (r.engine.equals(engine) && r.model.equals(model) && r.phase.equals(phase)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Peak RSS of training {@code model} at {@code batch} in a fresh JVM running this same command line (so that
     * nothing else this process did counts).
     */
    public static long peakMemoryInFreshJvm(String model, int batch, int inputSize) throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.armfer.examples.Main", "bench",
                "--memory-probe", model, "--batch", Integer.toString(batch), "--input-size", Integer.toString(inputSize),
                "--warmup", "1", "--iterations", "2"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        for (String line : out.split("\n")) {
            if (line.startsWith("PEAK_RSS ")) {
                return Long.parseLong(line.substring(9).trim());
            }
        }
        throw new IOException("memory probe failed (exit " + p.exitValue() + "): " + out);
    }

    @Override
    public String toString() {
        return "Bench{batch=" + batch + ", input=" + inputSize + ", warmup=" + warmup + ", iterations=" + iterations
                + ", settle=" + settleMillis + " ms}";
    }

    static List<Double> list(double... v) {
        List<Double> l = new ArrayList<>();
        Arrays.stream(v).forEach(l::add);
        return l;
    }
}
