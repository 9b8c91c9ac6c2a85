package org.armfer.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharingAffinityTest {

    /** a_i + λ·mean over the batch of a, a_i = mean over channels, computed element by element. */
    static INDArray formula(INDArray x, double lambda) {
        long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        INDArray out = Nd4j.create(DataType.DOUBLE, n, 1, h, w);
        for (long y = 0; y < h; y++)
            for (long z = 0; z < w; z++) {
                double[] a = new double[(int) n];
                double gar = 0;
                for (int b = 0; b < n; b++) {
                    for (long ch = 0; ch < c; ch++) a[b] += x.getDouble(b, ch, y, z);
                    a[b] /= c;
                    gar += a[b] / n;
                }
                for (int b = 0; b < n; b++) out.putScalar(new long[]{b, 0, y, z}, a[b] + lambda * gar);
            }
        return out;
    }

    @Test
    void batchModeEqualsTheFormula() {
        for (boolean learnable : new boolean[]{true, false}) {
            String ctx = "learnable=" + learnable + ", lambda=0.7, batch=5";
            SharingAffinity sa = SharingAffinity.builder().garMode(GarMode.BATCH).lambda(0.7).learnableLambda(learnable).build();
            ComputationGraph g = TestGraphs.single(sa, 3, 4, 5, DataType.DOUBLE);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3, 4, 5);
            INDArray out = TestGraphs.forward(g, x);
            assertTrue(formula(x, 0.7).equalsWithEps(out, 1e-12), ctx);
            // the reference's flaw, kept in BATCH mode: a single image gets (1 + λ)·a
            INDArray single = TestGraphs.forward(g, x.get(NDArrayIndex.interval(0, 1)));
            assertTrue(x.get(NDArrayIndex.interval(0, 1)).mean(true, 1).mul(1.7).equalsWithEps(single, 1e-12), ctx);
        }
    }

    @Test
    void parametersAndTheirShapes() {
        ComputationGraph g = TestGraphs.single(SharingAffinity.builder().build(), 2, 11, 11, DataType.FLOAT);
        assertArrayEquals(new long[]{1, 1}, g.getLayer("l").getParam(SharingAffinity.LAMBDA).shape());
        assertEquals(1.0, g.getLayer("l").getParam(SharingAffinity.LAMBDA).getDouble(0));
        assertArrayEquals(new long[]{1, 1, 11, 11}, g.getLayer("l").getParam(SharingAffinity.RUNNING_GAR).shape());
        assertEquals(1 + 121, g.numParams());
        ComputationGraph fixed = TestGraphs.single(SharingAffinity.builder().learnableLambda(false).build(), 2, 11, 11, DataType.FLOAT);
        assertEquals(121, fixed.numParams(), "fixed λ is not a parameter");
        assertEquals(InputType.convolutional(11, 11, 1), SharingAffinity.builder().build().getOutputType(0, InputType.convolutional(11, 11, 2)));
    }

    /** A trained ARM (DA -> BN -> SA) classifier on random data. */
    private static ComputationGraph trained(GarMode mode) {
        ArmModule arm = ArmModule.builder().blocks("DA+SA").kernelSize(2).stride(1).garMode(mode).build();
        ComputationGraph g = TestGraphs.classifier(arm, 4, 6, 6, 3, DataType.FLOAT, new Adam(1e-2));
        Nd4j.getRandom().setSeed(7);
        for (int i = 0; i < 5; i++) {
            g.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 16, 4, 6, 6), TestGraphs.oneHot(16, 3, i)));
        }
        return g;
    }

    private static INDArray saOutput(ComputationGraph g, INDArray x) {
        return g.feedForward(x, false).get("arm.sa");
    }

    private static INDArray rows(INDArray x, int from, int to) {
        return x.get(NDArrayIndex.interval(from, to)).dup();
    }

    @Test
    void runningModeIsBatchIndependentBitForBit() {
        ComputationGraph g = trained(GarMode.RUNNING);
        assertNotEquals(0.0, g.getLayer("arm.sa").getParam(SharingAffinity.RUNNING_GAR).norm1Number().doubleValue(),
                "running GAR was updated by training");
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, 4, 6, 6);
        INDArray full = saOutput(g, x);
        INDArray probs = g.outputSingle(x);
        for (int i = 0; i < 32; i++) {
            assertEquals(rows(full, i, i + 1), saOutput(g, rows(x, i, i + 1)), "SA output, batch size 1 vs 32, example " + i);
            assertEquals(rows(probs, i, i + 1), g.outputSingle(rows(x, i, i + 1)), "probabilities, batch size 1 vs 32, example " + i);
        }
        for (int from = 0; from < 32; from += 7) {
            int to = Math.min(32, from + 7);
            assertEquals(rows(full, from, to), saOutput(g, rows(x, from, to)), "batch size 7, examples " + from + ".." + to);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 32; i++) order.add(i);
        Collections.shuffle(order, new Random(3));
        int[] perm = order.stream().mapToInt(Integer::intValue).toArray();
        INDArray shuffled = saOutput(g, x.get(NDArrayIndex.indices(toLong(perm))).dup());
        for (int i = 0; i < 32; i++) {
            assertEquals(rows(full, perm[i], perm[i] + 1), rows(shuffled, i, i + 1), "shuffled batch, example " + perm[i]);
        }
    }

    @Test
    void batchModeDependsOnTheBatch() {
        ComputationGraph g = trained(GarMode.BATCH);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 4, 6, 6);
        INDArray full = saOutput(g, x);
        double diff = full.get(NDArrayIndex.interval(0, 1)).sub(saOutput(g, rows(x, 0, 1))).amaxNumber().doubleValue();
        assertTrue(diff > 1e-4, "BATCH mode: a single image differs from the same image in a batch, max diff " + diff);
    }

    private static long[] toLong(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    @Test
    void runningGarFollowsTheDecayAndIgnoresUpdaterAndRegularization() {
        ArmModule arm = ArmModule.builder().blocks("DA+SA").kernelSize(2).stride(1).garDecay(0.8).build();
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.DOUBLE, new Adam(0.5))
                .l2(10.0).weightDecay(5.0).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 4));
        String last = arm.addTo(b, "in", "arm");
        b.addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), last).setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        INDArray running = g.getLayer("arm.sa").getParam(SharingAffinity.RUNNING_GAR);
        running.assign(Nd4j.rand(DataType.DOUBLE, running.shape()));
        INDArray before = running.dup();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 10, 4, 6, 6);
        INDArray saInput = g.feedForward(x, true).get("arm.bn");
        INDArray batchGar = saInput.mean(true, 1).mean(true, 0);
        g.fit(new DataSet(x, TestGraphs.oneHot(10, 3, 1).castTo(DataType.DOUBLE)));
        INDArray expected = before.mul(0.8).addi(batchGar.mul(0.2));
        assertTrue(expected.equalsWithEps(running, 1e-12), "running GAR after one step: expected " + expected + " got " + running);
    }

    @Test
    void runningGarSurvivesSaveAndLoad(@TempDir File dir) throws Exception {
        ComputationGraph g = trained(GarMode.RUNNING);
        File f = new File(dir, "arm.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.getConfiguration(), r.getConfiguration());
        assertEquals(g.getLayer("arm.sa").getParam(SharingAffinity.RUNNING_GAR), r.getLayer("arm.sa").getParam(SharingAffinity.RUNNING_GAR));
        assertEquals(g.params(), r.params());
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 4, 6, 6);
        assertEquals(g.outputSingle(x), r.outputSingle(x));
        assertEquals(g.outputSingle(rows(x, 1, 2)), r.outputSingle(rows(x, 1, 2)));
        // the updater state round-trips too, so training continues identically
        DataSet ds = new DataSet(Nd4j.rand(DataType.FLOAT, 16, 4, 6, 6), TestGraphs.oneHot(16, 3, 9));
        g.fit(ds);
        r.fit(ds);
        assertEquals(g.params(), r.params());
    }

    @Test
    void calibrationSetsTheExactInferenceMean() {
        ComputationGraph g = trained(GarMode.RUNNING);
        INDArray x = Nd4j.rand(DataType.FLOAT, 24, 4, 6, 6);
        INDArray y = TestGraphs.oneHot(24, 3, 4);
        DataSetIterator it = new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(new DataSet(x, y).asList(), 5);
        GarCalibration.calibrate(g, it);
        INDArray saInput = g.feedForward(x, false).get("arm.bn");
        INDArray expected = saInput.mean(true, 1).mean(true, 0);
        INDArray running = g.getLayer("arm.sa").getParam(SharingAffinity.RUNNING_GAR);
        assertTrue(expected.equalsWithEps(running, 1e-5), "calibrated " + running + " expected " + expected);
        // and a single image is now a + λ·calibrated GAR
        double lambda = g.getLayer("arm.sa").getParam(SharingAffinity.LAMBDA).getDouble(0);
        INDArray one = rows(x, 2, 3);
        INDArray a = g.feedForward(one, false).get("arm.bn").mean(true, 1);
        assertTrue(a.add(running.mul(lambda)).equalsWithEps(saOutput(g, one), 1e-5));
        assertThrows(IllegalArgumentException.class, () -> GarCalibration.calibrate(
                TestGraphs.single(DeAlbino.builder().kernelSize(2).build(), 1, 4, 4, DataType.FLOAT),
                new SingletonDataSetIterator(new DataSet(Nd4j.rand(1, 1, 4, 4), Nd4j.rand(1, 1, 3, 3)))));
    }

    @Test
    void rejectsBadParameters() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SharingAffinity.builder().garDecay(1.0))
                .getMessage().contains("garDecay must be in [0, 1), got 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SharingAffinity.builder().lambda(Double.NaN))
                .getMessage().contains("lambda must be finite"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SharingAffinity.builder().garMode(null))
                .getMessage().contains("[RUNNING, BATCH]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SharingAffinity.builder().build()
                .getOutputType(0, InputType.feedForward(121))).getMessage().contains("4-D CNN"));
        // GradientCheck/optimizer bookkeeping: NoOp updater, no regularization for the running GAR
        SharingAffinity sa = SharingAffinity.builder().build();
        sa.setNIn(InputType.convolutional(3, 3, 2), true);
        assertEquals(new NoOp(), sa.getUpdaterByParam(SharingAffinity.RUNNING_GAR));
        assertTrue(sa.getRegularizationByParam(SharingAffinity.RUNNING_GAR).isEmpty());
    }
}
