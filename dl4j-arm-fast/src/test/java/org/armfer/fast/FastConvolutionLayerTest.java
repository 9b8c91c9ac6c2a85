package org.armfer.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Map;

import static org.armfer.fast.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FastConvolutionLayer} against DL4J's {@link ConvolutionLayer}: the same gradients, input gradients and
 * training (DL4J with {@code CacheMode.DEVICE}, the fast layer with {@code CacheMode.NONE}, as the zoo uses them).
 */
class FastConvolutionLayerTest {

    @BeforeAll
    static void helpers() {
        CpuBackend.configure();
    }

    private static ComputationGraph graph(boolean fast, DataType dt, CacheMode cache, int k, int s, int p,
                                          boolean bias, Activation act) {
        ConvolutionLayer.Builder c1 = fast ? new FastConvolutionLayer.Builder(k, k) : new ConvolutionLayer.Builder(k, k);
        ConvolutionLayer.Builder c2 = fast ? new FastConvolutionLayer.Builder(3, 3) : new ConvolutionLayer.Builder(3, 3);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).dataType(dt)
                .cacheMode(cache).updater(new Sgd(0.05)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("c1", c1.stride(s, s).padding(p, p).nOut(6).hasBias(bias).activation(act).build(), "in")
                .addLayer("c2", c2.padding(1, 1).nOut(5).hasBias(false).activation(Activation.IDENTITY).build(), "c1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @ParameterizedTest(name = "{0} k={1} s={2} p={3} bias={4} {5}")
    @CsvSource({
            "FLOAT, 7, 2, 3, false, IDENTITY",
            "FLOAT, 3, 1, 1, true, IDENTITY",
            "FLOAT, 1, 2, 0, false, IDENTITY",
            "FLOAT, 3, 1, 1, true, TANH",
            "DOUBLE, 3, 2, 1, false, IDENTITY"})
    void sameGradientsAndTrainingAsDl4j(DataType dt, int k, int s, int p, boolean bias, Activation act) {
        ComputationGraph ref = graph(false, dt, CacheMode.DEVICE, k, s, p, bias, act);
        ComputationGraph fast = graph(true, dt, CacheMode.NONE, k, s, p, bias, act);
        assertInstanceOf(FastConvolutionLayer.Runtime.class, fast.getLayer("c1"));
        assertEquals(ref.params(), fast.params());
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(dt, 4, 3, 9, 9);
        INDArray y = Nd4j.zeros(dt, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        double tol = dt == DataType.FLOAT ? 1e-6 : 1e-12;
        Close.computeGradients(x, y, ref, fast);
        assertClose(ref.gradient().gradient(), fast.gradient().gradient(), tol, "gradients");
        for (int i = 0; i < 3; i++) {
            ref.fit(new MultiDataSet(x, y));
            fast.fit(new MultiDataSet(x, y));
        }
        assertClose(ref.params(), fast.params(), 10 * tol, "parameters after 3 steps");
        assertClose(ref.outputSingle(x), fast.outputSingle(x), 10 * tol, "output");
    }

    @ParameterizedTest(name = "NHWC k={0} s={1} bias={2}")
    @CsvSource({"7, 2, false", "3, 1, true", "1, 2, false"})
    void nhwcMatchesDl4jsNhwcLayer(int k, int s, boolean bias) {
        ComputationGraph[] g = new ComputationGraph[2];
        for (int i = 0; i < 2; i++) {
            boolean fast = i == 1;
            ConvolutionLayer.Builder c1 = fast ? new FastConvolutionLayer.Builder(k, k) : new ConvolutionLayer.Builder(k, k);
            ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).dataType(DataType.FLOAT)
                    .cacheMode(fast ? CacheMode.NONE : CacheMode.DEVICE).updater(new Sgd(0.05)).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.convolutional(9, 9, 3, CNN2DFormat.NHWC))
                    .addLayer("c1", c1.stride(s, s).padding(k / 2, k / 2).nOut(6).hasBias(bias)
                            .dataFormat(CNN2DFormat.NHWC).activation(Activation.IDENTITY).build(), "in")
                    .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c1")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                    .setOutputs("out").build();
            g[i] = new ComputationGraph(conf);
            g[i].init();
        }
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 9, 9, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        assertClose(g[0].outputSingle(x), g[1].outputSingle(x), 1e-6, "NHWC output");
        Close.computeGradients(x, y, g);
        assertClose(g[0].gradient().gradient(), g[1].gradient().gradient(), 1e-6, "NHWC gradients");
    }

    /**
     * A first layer without the input gradient: the parameters' gradients and training equal DL4J's layer's (which
     * computes the input gradient too), over padding that adds, keeps or drops rows at the far edge, NCHW and NHWC
     * (the NHWC input through a {@link DataFormatPreProcessor} vertex, as in the zoo), with and without bias.
     */
    @ParameterizedTest(name = "{0} {1} side={2} k={3} s={4} p={5} bias={6}")
    @CsvSource({
            "FLOAT, NCHW, 9, 7, 2, 3, false",
            "FLOAT, NHWC, 9, 7, 2, 3, false",
            "FLOAT, NCHW, 9, 3, 2, 1, true",
            "FLOAT, NHWC, 10, 3, 2, 0, true",
            "FLOAT, NCHW, 10, 3, 3, 1, false",
            "FLOAT, NHWC, 8, 1, 1, 0, false",
            "DOUBLE, NHWC, 11, 5, 2, 2, true"})
    void withoutInputGradientTheParameterGradientsAreDl4js(DataType dt, CNN2DFormat f, int side, int k, int s, int p,
                                                           boolean bias) {
        ComputationGraph[] g = new ComputationGraph[2];
        for (int i = 0; i < 2; i++) {
            boolean fast = i == 1;
            ConvolutionLayer c1 = fast
                    ? new FastConvolutionLayer.Builder(k, k).inputGradient(false).stride(s, s).padding(p, p).nOut(6)
                        .hasBias(bias).dataFormat(f).activation(Activation.IDENTITY).build()
                    : new ConvolutionLayer.Builder(k, k).stride(s, s).padding(p, p).nOut(6).hasBias(bias)
                        .dataFormat(f).activation(Activation.IDENTITY).build();
            ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(9).dataType(dt)
                    .cacheMode(fast ? CacheMode.NONE : CacheMode.DEVICE).updater(new Sgd(0.05)).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.convolutional(side, side, 3));
            String stem = "in";
            if (f == CNN2DFormat.NHWC) {
                b.addVertex("to_nhwc", new PreprocessorVertex(
                        new DataFormatPreProcessor(CNN2DFormat.NCHW, CNN2DFormat.NHWC)), "in");
                stem = "to_nhwc";
            }
            b.addLayer("c1", c1, stem)
                    .addLayer("c2", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(5).dataFormat(f)
                            .activation(Activation.TANH).build(), "c1")
                    .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                    .setOutputs("out");
            g[i] = new ComputationGraph(b.build());
            g[i].init();
        }
        assertTrue(((FastConvolutionLayer.Runtime) g[1].getLayer("c1")).weightsOnly());
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(dt, 4, 3, side, side);
        INDArray y = Nd4j.zeros(dt, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, (i + 1) % 3, 1.0);
        }
        double tol = dt == DataType.FLOAT ? 1e-5 : 1e-12;
        Close.computeGradients(x, y, g);
        assertClose(g[0].gradient().gradient(), g[1].gradient().gradient(), tol, "gradients");
        for (int i = 0; i < 2; i++) {
            // the layer's own backward pass: DL4J's returns an input gradient, the weights-only one none
            Map<String, INDArray> acts = g[i].feedForward(new INDArray[] {x}, true, false);
            INDArray eps = Nd4j.onesLike(acts.get("c1"));
            INDArray inputGradient = g[i].getLayer("c1").backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces())
                    .getSecond();
            if (i == 0) {
                assertNotNull(inputGradient, "DL4J's layer: an input gradient");
            } else {
                assertNull(inputGradient, "no input gradient");
            }
        }
        for (int i = 0; i < 3; i++) {
            g[0].fit(new MultiDataSet(x, y));
            g[1].fit(new MultiDataSet(x, y));
        }
        assertClose(g[0].params(), g[1].params(), 10 * tol, "parameters after 3 steps");
    }

    @Test
    void inputGradientSurvivesSavingAndDefaultsToTrue(@TempDir File dir) throws Exception {
        assertTrue(((FastConvolutionLayer) new FastConvolutionLayer.Builder(3, 3).nOut(2).build()).isInputGradient());
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 3))
                .addLayer("c1", new FastConvolutionLayer.Builder(3, 3).inputGradient(false).nOut(4)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c1")
                .addLayer("out", new OutputLayer.Builder().activation(Activation.SOFTMAX).nOut(2).build(), "pool")
                .setOutputs("out").build();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        FastConvolutionLayer c1 = (FastConvolutionLayer) ((LayerVertex) back.getVertices().get("c1")).getLayerConf()
                .getLayer();
        assertTrue(!c1.isInputGradient(), "inputGradient(false) survives JSON");
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        File file = new File(dir, "g.zip");
        ModelSerializer.writeModel(g, file, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(file, true);
        assertTrue(((FastConvolutionLayer.Runtime) r.getLayer("c1")).weightsOnly());
    }

    @Test
    void directPathOnlyWhereItApplies() {
        ComputationGraph f = graph(true, DataType.FLOAT, CacheMode.NONE, 3, 1, 1, false, Activation.IDENTITY);
        assertTrue(((FastConvolutionLayer.Runtime) f.getLayer("c1")).direct());
        ComputationGraph t = graph(true, DataType.FLOAT, CacheMode.NONE, 3, 1, 1, false, Activation.TANH);
        assertTrue(!((FastConvolutionLayer.Runtime) t.getLayer("c1")).direct());
    }

    @Test
    void survivesSavingAndOfCopiesTheConfiguration(@TempDir File dir) throws Exception {
        ConvolutionLayer src = new ConvolutionLayer.Builder(5, 3).stride(2, 1).padding(2, 1).nOut(4).name("c")
                .hasBias(false).build();
        FastConvolutionLayer f = FastConvolutionLayer.of(src);
        assertEquals("c", f.getLayerName());
        assertEquals(4, f.getNOut());
        assertEquals(src.getKernelSize()[0], f.getKernelSize()[0]);
        assertEquals(src.getStride()[0], f.getStride()[0]);
        assertEquals(src.hasBias(), f.hasBias());
        ComputationGraph g = graph(true, DataType.FLOAT, CacheMode.NONE, 3, 1, 1, true, Activation.IDENTITY);
        File file = new File(dir, "g.zip");
        ModelSerializer.writeModel(g, file, false);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(file, false);
        assertInstanceOf(FastConvolutionLayer.Runtime.class, r.getLayer("c2"));
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 9, 9);
        assertEquals(g.outputSingle(x), r.outputSingle(x));
    }

}
