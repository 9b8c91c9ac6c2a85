package org.armfer.layers.attention;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared checks of the attention, loss and resize tests: small graphs, gradient checks, save/load, one fit step. */
public final class GraphTesting {

    private GraphTesting() {
    }

    public static NeuralNetConfiguration.Builder base(DataType dt, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(dt).updater(updater);
    }

    public static INDArray oneHot(int n, int classes, long seed, DataType dt) {
        java.util.Random r = new java.util.Random(seed);
        INDArray y = Nd4j.zeros(dt, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return y;
    }

    /** Whether a parameter key ({@code vertex_param}) is a BatchNorm running statistic, not a trained parameter. */
    public static boolean isRunningStat(String key) {
        return key.endsWith("_mean") || key.endsWith("_var") || key.endsWith("_log10stdev");
    }

    /** The BatchNorm running statistics of a graph, to exclude from gradient checks. */
    public static Set<String> runningStats(ComputationGraph g) {
        Set<String> out = new TreeSet<>();
        for (String k : g.paramTable().keySet()) {
            if (isRunningStat(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** Trainable parameters (running statistics excluded) of the vertices whose name starts with {@code prefix + "."}. */
    public static long trainableParams(ComputationGraph g, String prefix) {
        long n = 0;
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            if (e.getKey().startsWith(prefix + ".") && !isRunningStat(e.getKey())) {
                n += e.getValue().length();
            }
        }
        return n;
    }

    /**
     * DL4J's gradient check in double precision (NoOp updater expected), BatchNorm running statistics excluded.
     * <p>
     * GradientCheckUtil names (and excludes) parameters by walking {@code paramTable()}, which lists vertices in
     * insertion order, while {@code params()} lays them out in topological order. In a graph with branches the two
     * differ, and the check would exclude the wrong elements and name the wrong parameters. So the graph is checked in
     * a copy whose vertices are inserted in topological order, after asserting that the two orders then agree.
     */
    public static void assertGradientsMatch(ComputationGraph graph, INDArray[] inputs, INDArray[] labels, String ctx) {
        assertEquals(DataType.DOUBLE, graph.params().dataType(), ctx + ": gradient checks need a DOUBLE network");
        ComputationGraph g = inLayoutOrder(graph);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(inputs).labels(labels)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).excludeParams(runningStats(g)));
        assertTrue(ok, ctx + ": backprop gradients differ from finite differences (see the log for the failing parameters)");
    }

    /** A copy of {@code g} whose configuration lists the vertices in topological order, parameters copied. */
    static ComputationGraph inLayoutOrder(ComputationGraph g) {
        ComputationGraphConfiguration conf = g.getConfiguration().clone();
        Map<String, GraphVertex> ordered = new LinkedHashMap<>();
        for (int idx : g.topologicalSortOrder()) {
            String name = g.getVertices()[idx].getVertexName();
            if (conf.getVertices().containsKey(name)) {
                ordered.put(name, conf.getVertices().get(name));
            }
        }
        conf.setVertices(ordered);
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph copy = new ComputationGraph(conf);
        copy.init();
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            copy.getParam(e.getKey()).assign(e.getValue());
        }
        // each parameter must occupy the segment of params() that GradientCheckUtil attributes to it (cumulative
        // lengths in paramTable() order); the element order inside a segment does not matter, so compare sorted values
        INDArray flat = copy.params().reshape(-1);
        long offset = 0;
        for (Map.Entry<String, INDArray> e : copy.paramTable().entrySet()) {
            long n = e.getValue().length();
            INDArray segment = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + n)).dup();
            assertEquals(Nd4j.sort(e.getValue().reshape(-1).dup(), true), Nd4j.sort(segment, true),
                    "parameter " + e.getKey() + " must lie at params()[" + offset + ", " + (offset + n) + ") for GradientCheckUtil's"
                            + " names to be right");
            offset += n;
        }
        return copy;
    }

    /**
     * Saves {@code g} with ModelSerializer and loads it back; asserts the configuration JSON, the parameters and the
     * inference outputs for {@code inputs} are equal. Returns the restored graph.
     */
    public static ComputationGraph assertSaveLoadRoundTrip(ComputationGraph g, INDArray[] inputs, String ctx) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ComputationGraph back;
        try {
            ModelSerializer.writeModel(g, bytes, true);
            back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        } catch (IOException e) {
            throw new UncheckedIOException(ctx, e);
        }
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson(), ctx + ": configuration JSON");
        assertEquals(g.getConfiguration(), back.getConfiguration(), ctx + ": configuration");
        assertEquals(g.params(), back.params(), ctx + ": parameters");
        INDArray[] a = g.output(false, inputs);
        INDArray[] b = back.output(false, inputs);
        assertEquals(a.length, b.length, ctx + ": number of outputs");
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], ctx + ": output " + i + " after save/load");
        }
        return back;
    }

    /**
     * One fit step: the score is finite, and every trained parameter of the vertices named {@code prefix + ".*"} changed
     * (so each of them received a gradient).
     */
    public static void assertFitsOneStep(ComputationGraph g, MultiDataSet data, String prefix, String ctx) {
        Map<String, INDArray> before = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            if (e.getKey().startsWith(prefix + ".")) {
                before.put(e.getKey(), e.getValue().dup());
            }
        }
        assertTrue(!before.isEmpty(), ctx + ": no parameter under prefix " + prefix);
        g.fit(data);
        assertTrue(Double.isFinite(g.score()), ctx + ": score after one step is " + g.score());
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            INDArray now = g.paramTable().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), now.shape(), ctx + ": shape of " + e.getKey());
            double change = e.getValue().castTo(DataType.DOUBLE).sub(now.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            assertTrue(change > 0, ctx + ": parameter " + e.getKey() + " did not change in one fit step");
            assertTrue(Double.isFinite(now.castTo(DataType.DOUBLE).sumNumber().doubleValue()),
                    ctx + ": parameter " + e.getKey() + " has NaN/Inf after one step");
        }
    }
}
