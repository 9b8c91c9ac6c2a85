package org.armfer.fast;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.armfer.fast.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FastBatchNormalization} against DL4J's own batch normalisation: in double precision DL4J's CPU helper
 * declines and DL4J's built-in Java implementation runs, an independent computation of the same layer.
 */
class FastBatchNormalizationTest {

    private static final int N = 4, C = 3, H = 5, CLASSES = 3;

    private static ComputationGraph graph(boolean fast, DataType dt, IUpdater updater) {
        return graph(fast, dt, updater, CNN2DFormat.NCHW);
    }

    private static ComputationGraph graph(boolean fast, DataType dt, IUpdater updater, CNN2DFormat format) {
        BatchNormalization.Builder bn = fast ? new FastBatchNormalization.Builder() : new BatchNormalization.Builder();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(dt).updater(updater)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(H, H, C, format))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(4).dataFormat(format)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", bn.eps(1e-5).decay(0.9).useLogStd(false).dataFormat(format)
                        .activation(Activation.TANH).build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(CLASSES).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // a non-trivial gamma and beta, and input far from zero mean (exercises the variance formula)
        g.getLayer("bn").getParam("gamma").assign(Nd4j.createFromArray(1.5, -0.7, 0.3, 2.0).castTo(dt).reshape(1, 4));
        g.getLayer("bn").getParam("beta").assign(Nd4j.createFromArray(0.1, -0.2, 0.3, 0.0).castTo(dt).reshape(1, 4));
        return g;
    }

    private static INDArray input(DataType dt) {
        return input(dt, CNN2DFormat.NCHW);
    }

    private static INDArray input(DataType dt, CNN2DFormat format) {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, N, C, H, H).muli(3).addi(5).castTo(dt);
        return format == CNN2DFormat.NHWC ? x.permute(0, 2, 3, 1).dup('c') : x;
    }

    private static INDArray labels(DataType dt) {
        INDArray y = Nd4j.zeros(dt, N, CLASSES);
        for (int i = 0; i < N; i++) {
            y.putScalar(i, (i * 2) % CLASSES, 1.0);
        }
        return y;
    }

    @Test
    void helperIsInstalledAndSurvivesSaving(@TempDir File dir) throws Exception {
        ComputationGraph g = graph(true, DataType.FLOAT, new Sgd(0.1));
        assertInstanceOf(FastBatchNormalization.class, g.getConfiguration().getVertices().get("bn") instanceof
                org.deeplearning4j.nn.conf.graph.LayerVertex lv ? lv.getLayerConf().getLayer() : null);
        assertInstanceOf(BatchNormHelper.class, helper(g));
        File f = new File(dir, "m.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        assertInstanceOf(BatchNormHelper.class, helper(r));
        assertEquals(g.params(), r.params());
        INDArray x = input(DataType.FLOAT);
        assertEquals(g.outputSingle(false, x), r.outputSingle(false, x));
    }

    private static Object helper(ComputationGraph g) {
        return ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) g.getLayer("bn")).getHelper();
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void trainingOutputGradientsAndRunningStatisticsMatchDl4jInDouble(CNN2DFormat format) {
        DataType dt = DataType.DOUBLE;
        ComputationGraph ref = graph(false, dt, new Sgd(0.05), format);
        ComputationGraph fast = graph(true, dt, new Sgd(0.05), format);
        assertEquals(ref.params(), fast.params());
        assertTrue(helper(ref) == null || !(helper(ref) instanceof BatchNormHelper));
        INDArray x = input(dt, format);
        INDArray y = labels(dt);
        // forward in training mode: batch statistics
        Map<String, INDArray> a = ref.feedForward(new INDArray[]{x}, true, false);
        Map<String, INDArray> b = fast.feedForward(new INDArray[]{x}, true, false);
        assertClose(a.get("bn"), b.get("bn"), 1e-10, "training-mode output");
        // gradients of every parameter (gamma, beta, the running-statistics updates, conv and classifier)
        Close.computeGradients(x, y, ref, fast);
        assertEquals(ref.score(), fast.score(), 1e-12);
        for (Map.Entry<String, INDArray> e : ref.gradient().gradientForVariable().entrySet()) {
            assertClose(e.getValue(), fast.gradient().getGradientFor(e.getKey()), 1e-9, "gradient " + e.getKey());
        }
        // a few SGD steps: parameters and running mean/var stay together, inference uses the running statistics
        for (int i = 0; i < 3; i++) {
            ref.fit(new MultiDataSet(x, y));
            fast.fit(new MultiDataSet(x, y));
        }
        assertClose(ref.params(), fast.params(), 1e-9, "parameters after 3 steps");
        assertClose(ref.outputSingle(false, x), fast.outputSingle(false, x), 1e-9, "inference output");
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void floatMatchesTheDoubleReference(CNN2DFormat format) {
        ComputationGraph ref = graph(false, DataType.DOUBLE, new Sgd(0.05), format);
        ComputationGraph fast = graph(true, DataType.FLOAT, new Sgd(0.05), format);
        INDArray x = input(DataType.DOUBLE, format);
        INDArray y = labels(DataType.DOUBLE);
        Close.computeGradients(x, y, ref);
        Close.computeGradients(x.castTo(DataType.FLOAT), y.castTo(DataType.FLOAT), fast);
        for (Map.Entry<String, INDArray> e : ref.gradient().gradientForVariable().entrySet()) {
            assertClose(e.getValue(), fast.gradient().getGradientFor(e.getKey()).castTo(DataType.DOUBLE), 2e-4,
                    "float gradient " + e.getKey());
        }
    }

    /**
     * Inference keeps rank-1 views of the layer's parameters between calls: they must follow every change of the
     * parameters in place (a training step, {@code assign}, the network's {@code setParams}) and a replaced array.
     */
    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void inferenceFollowsEveryParameterChange(CNN2DFormat format) {
        ComputationGraph ref = graph(false, DataType.DOUBLE, new Sgd(0.05), format);
        ComputationGraph fast = graph(true, DataType.FLOAT, new Sgd(0.05), format);
        INDArray x = input(DataType.DOUBLE, format);
        INDArray xf = x.castTo(DataType.FLOAT);
        Runnable same = () -> assertClose(ref.outputSingle(false, x),
                fast.outputSingle(false, xf).castTo(DataType.DOUBLE), 1e-5, "inference output");
        same.run();
        // a training step changes gamma, beta and the running statistics in place
        ref.fit(new MultiDataSet(x, labels(DataType.DOUBLE)));
        fast.fit(new MultiDataSet(xf, labels(DataType.FLOAT)));
        same.run();
        // assign into each parameter array
        for (String p : new String[]{"gamma", "beta", "mean", "var"}) {
            INDArray v = Nd4j.createFromArray(0.5, 1.25, 2.0, 0.75).reshape(1, 4);
            ref.getLayer("bn").getParam(p).assign(v);
            fast.getLayer("bn").getParam(p).assign(v.castTo(DataType.FLOAT));
            same.run();
        }
        // the network's setParams (copies into the flattened parameter vector)
        INDArray params = ref.params().add(0.1);
        ref.setParams(params);
        fast.setParams(params.castTo(DataType.FLOAT));
        same.run();
        // a parameter array replaced by another object
        INDArray gamma = Nd4j.createFromArray(-1.0, 0.5, 3.0, 1.0).reshape(1, 4);
        ref.getLayer("bn").setParam("gamma", gamma);
        fast.getLayer("bn").setParam("gamma", gamma.castTo(DataType.FLOAT));
        same.run();
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        DataType previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            checkGradients();
        } finally {
            Nd4j.setDefaultDataTypes(previous, previous);
        }
    }

    private static void checkGradients() {
        ComputationGraph g = graph(true, DataType.DOUBLE, new NoOp());
        assertInstanceOf(BatchNormHelper.class, helper(g));
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{input(DataType.DOUBLE)}).labels(new INDArray[]{labels(DataType.DOUBLE)})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).excludeParams(Set.of("bn_mean", "bn_var")));
        assertTrue(ok);
    }

    @Test
    void ofCopiesEveryOption() {
        BatchNormalization src = new BatchNormalization.Builder().nOut(8).eps(1e-3).decay(0.8).useLogStd(false)
                .lockGammaBeta(false).name("x").build();
        FastBatchNormalization f = FastBatchNormalization.of(src);
        BatchNormalization back = f.clone();
        assertEquals(src.getEps(), back.getEps());
        assertEquals(src.getDecay(), back.getDecay());
        assertEquals(src.getNOut(), back.getNOut());
        assertEquals(src.isUseLogStd(), back.isUseLogStd());
        assertEquals("x", back.getLayerName());
        Supplier<String> json = () -> new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(3, 3, 8)).addLayer("bn", f, "in").setOutputs("bn").build().toJson();
        assertTrue(json.get().contains(FastBatchNormalization.class.getName()), "class name in the JSON");
        Object parsed = ComputationGraphConfiguration.fromJson(json.get()).getVertices().get("bn") instanceof
                org.deeplearning4j.nn.conf.graph.LayerVertex lv ? lv.getLayerConf().getLayer() : null;
        FastBatchNormalization p = assertInstanceOf(FastBatchNormalization.class, parsed);
        assertEquals(1e-3, p.getEps());
        assertEquals(0.8, p.getDecay());
        assertEquals(8, p.getNOut());
    }

}
