package org.armfer.fast.onednn;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Inference of a trained {@link ComputationGraph} through oneDNN primitives that persist between calls, for CPUs:
 * <pre>{@code
 * try (OneDnnInference fast = OneDnnInference.of(model)) {
 *     INDArray probabilities = fast.output(images);   // what model.outputSingle(false, images) returns
 * }
 * }</pre>
 * {@link #of} reads the graph once (it stays untouched: keep training it, save it with ModelSerializer). The first
 * call with a new input shape compiles a plan for it: batch norms folded into the convolutions, bias, residual
 * additions and ReLUs fused into them as post-ops, ARM's head folded into the classifier where it is linear (see
 * {@link Passes}), every primitive created once, weights reordered once into the layouts oneDNN picked, activations
 * left in the layout the next primitive reads; later calls of that shape only run the primitives. Plans of the
 * {@value #DEFAULT_CACHED_SHAPES} most recent shapes are kept.
 * <p>
 * Outputs equal DL4J's up to float rounding (the folds add in another order). A graph, or an input shape, that it
 * cannot compile (other layers or vertices, several inputs or outputs, double precision, SharingAffinity in
 * GarMode.BATCH, a non-CPU backend, missing natives) runs through the graph's own {@code outputSingle}, with the
 * reason in a debug log line and in {@link #fallbackReason()}.
 * <p>
 * It is a snapshot of the parameters at {@link #of} time: after the graph trained further, make a new one. Calls are
 * serialised (one plan's buffers serve every call of its shape); oneDNN runs on the calling thread's OpenMP team, the
 * one ND4J's own ops use on that thread (see {@link Dnnl}). {@link #close()} frees the plans' native memory.
 */
public final class OneDnnInference implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OneDnnInference.class);

    /** Compiled input shapes kept (least recently used dropped first). */
    public static final int DEFAULT_CACHED_SHAPES = 4;

    private final ComputationGraph graph;
    private final Net net;
    private final String fallbackReason;
    private final Convolutions convolutions;
    private final Map<List<Long>, Plan> plans = new LinkedHashMap<>(8, 0.75f, true);
    private final Map<List<Long>, String> rejected = new LinkedHashMap<>();
    private boolean closed;

    /** How the 3x3 stride-1 convolutions (most of a ResNet's work) are computed. */
    public enum Convolutions {
        /**
         * oneDNN's Winograd kernels (F(2x2,3x3) or F(4x4,3x3), chosen by oneDNN) where it has them, direct kernels
         * elsewhere: about half the time of direct kernels for ResNet-18 on AVX-512. Winograd's transforms round
         * differently; on ResNet-18-ARM the outputs stayed as close to DL4J's as with the direct kernels (see README).
         */
        WINOGRAD,
        /** Direct kernels only (the arithmetic DL4J's own oneDNN convolutions do). */
        DIRECT
    }

    private OneDnnInference(ComputationGraph graph, Net net, String fallbackReason, Convolutions convolutions) {
        this.graph = graph;
        this.net = net;
        this.fallbackReason = fallbackReason;
        this.convolutions = convolutions;
    }

    /** The inference path for {@code graph} (initialised, with its trained parameters), with Winograd kernels. */
    public static OneDnnInference of(ComputationGraph graph) {
        return of(graph, Convolutions.WINOGRAD);
    }

    /** The inference path for {@code graph} (initialised, with its trained parameters). */
    public static OneDnnInference of(ComputationGraph graph, Convolutions convolutions) {
        if (graph == null) {
            throw new IllegalArgumentException("graph must not be null");
        }
        if (convolutions == null) {
            throw new IllegalArgumentException("convolutions must be one of " + Arrays.toString(Convolutions.values())
                    + ", got null");
        }
        if (graph.getVertices() == null) {
            throw new IllegalArgumentException("graph is not initialised: call init() (or load it) first");
        }
        try {
            Dnnl.get();
            Net net = GraphImporter.read(graph);
            return new OneDnnInference(graph, net, null, convolutions);
        } catch (Unsupported e) {
            log.debug("OneDnnInference: the graph runs through ComputationGraph.output: {}", e.getMessage());
            return new OneDnnInference(graph, null, e.getMessage(), convolutions);
        }
    }

    /**
     * The network's output for {@code input}, as {@code graph.outputSingle(false, input)} computes it (a new array,
     * outside any workspace).
     */
    public synchronized INDArray output(INDArray input) {
        if (closed) {
            throw new IllegalStateException("OneDnnInference is closed");
        }
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        Plan p = net == null ? null : plan(input.shape());
        if (p == null) {
            return graph.outputSingle(false, input);
        }
        INDArray x = input.dataType() == DataType.FLOAT ? input : input.castTo(DataType.FLOAT);
        if (x.offset() != 0 || x.ordering() != 'c' || !Shape.hasDefaultStridesForShape(x) || x.isView()) {
            x = x.dup('c');
        }
        return p.run(x);
    }

    private Plan plan(long[] shape) {
        List<Long> key = key(shape);
        Plan p = plans.get(key);
        if (p != null || rejected.containsKey(key)) {
            return p;
        }
        try {
            p = Plan.build(net, shape, convolutions == Convolutions.WINOGRAD);
        } catch (Unsupported e) {
            log.debug("OneDnnInference: input shape {} runs through ComputationGraph.output: {}", Arrays.toString(shape),
                    e.getMessage());
            rejected.put(key, e.getMessage());
            return null;
        }
        log.debug("OneDnnInference: compiled {}", p);
        if (log.isTraceEnabled()) {
            p.steps().forEach(s -> log.trace("  {}", s));
        }
        plans.put(key, p);
        while (plans.size() > DEFAULT_CACHED_SHAPES) {
            List<Long> eldest = plans.keySet().iterator().next();
            plans.remove(eldest).close();
        }
        return p;
    }

    private static List<Long> key(long[] shape) {
        Long[] k = new Long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            k[i] = shape[i];
        }
        return List.of(k);
    }

    /** Whether the graph compiled (individual input shapes may still fall back: see {@link #fallbackReason(long...)}). */
    public boolean isCompiled() {
        return net != null;
    }

    /** Why the whole graph runs through DL4J's own output, if it does. */
    public Optional<String> fallbackReason() {
        return Optional.ofNullable(fallbackReason);
    }

    /** Why inputs of this shape run through DL4J's own output, if they do (compiling the shape when not done yet). */
    public synchronized Optional<String> fallbackReason(long... inputShape) {
        if (net == null) {
            return fallbackReason();
        }
        plan(inputShape);
        return Optional.ofNullable(rejected.get(key(inputShape)));
    }

    /**
     * The primitives compiled for {@code inputShape}, one line each with the implementation oneDNN chose (empty when
     * the shape falls back).
     */
    public synchronized List<String> describe(long... inputShape) {
        Plan p = net == null ? null : plan(inputShape);
        return p == null ? List.of() : p.steps();
    }

    /**
     * Each primitive of the plan for {@code x}'s shape with its median time over {@code reps} runs, one line each
     * (for profiling: which primitive costs what); empty when the shape falls back.
     */
    public synchronized List<String> profile(INDArray x, int reps) {
        if (reps < 1) {
            throw new IllegalArgumentException("reps must be >= 1, got " + reps);
        }
        Plan p = net == null ? null : plan(x.shape());
        if (p == null) {
            return List.of();
        }
        INDArray in = x.dataType() == DataType.FLOAT && x.offset() == 0 && !x.isView() && x.ordering() == 'c'
                ? x : x.castTo(DataType.FLOAT).dup('c');
        double[] ms = p.timeSteps(in, reps);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ms.length; i++) {
            out.add(String.format(Locale.ROOT, "%8.3f ms  %s", ms[i], p.steps().get(i)));
        }
        return out;
    }

    /** The number of input shapes compiled and kept. */
    synchronized int cachedShapes() {
        return plans.size();
    }

    /** The graph this runs. */
    public ComputationGraph graph() {
        return graph;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            plans.values().forEach(Plan::close);
            plans.clear();
            closed = true;
        }
    }

    @Override
    public String toString() {
        return "OneDnnInference{" + (net == null ? "fallback: " + fallbackReason : plans.size() + " compiled shapes")
                + "}";
    }
}
