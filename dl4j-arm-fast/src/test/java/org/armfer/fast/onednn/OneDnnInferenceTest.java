package org.armfer.fast.onednn;

import org.armfer.fast.CpuBackend;
import org.armfer.fast.FastActivationLayer;
import org.armfer.fast.FastBatchNormalization;
import org.armfer.fast.FastConvolutionLayer;
import org.armfer.fast.FastElementWiseVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OneDnnInferenceTest {

    @BeforeAll
    static void backend() {
        CpuBackend.configure();
    }

    /** A small ResNet: 7x7/2 stem, max-pool, an identity block, a downsampling block, GAP, dense, dropout, softmax. */
    static ComputationGraph resNet(CNN2DFormat f) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(32, 32, 3, f))
                .addLayer("conv1", conv(7, 2, 3, 8, f).hasBias(false).build(), "in")
                .addLayer("bn1", new FastBatchNormalization.Builder().dataFormat(f).build(), "conv1")
                .addLayer("relu", new FastActivationLayer(Activation.RELU), "bn1")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .padding(1, 1).dataFormat(f).build(), "relu");
        block(b, "b1", "pool", 8, 1, f);
        block(b, "b2", "b1.out", 16, 2, f);
        b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "b2.out")
                .addLayer("fc1", new DenseLayer.Builder().nOut(10).activation(Activation.RELU).build(), "gap")
                .addLayer("drop", new DropoutLayer(0.5), "fc1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "drop")
                .setOutputs("out");
        return trained(b.build());
    }

    private static ConvolutionLayer.Builder conv(int k, int s, int p, int out, CNN2DFormat f) {
        return new FastConvolutionLayer.Builder(k, k).stride(s, s).padding(p, p).nOut(out).dataFormat(f)
                .activation(Activation.IDENTITY);
    }

    private static void block(ComputationGraphConfiguration.GraphBuilder b, String p, String in, int out, int stride,
                              CNN2DFormat f) {
        b.addLayer(p + ".c1", conv(3, stride, 1, out, f).hasBias(false).build(), in)
                .addLayer(p + ".bn1", new FastBatchNormalization.Builder().dataFormat(f).build(), p + ".c1")
                .addLayer(p + ".r1", new FastActivationLayer(Activation.RELU), p + ".bn1")
                .addLayer(p + ".c2", conv(3, 1, 1, out, f).hasBias(false).build(), p + ".r1")
                .addLayer(p + ".bn2", new BatchNormalization.Builder().dataFormat(f).build(), p + ".c2");
        String shortcut = in;
        if (stride != 1) {
            b.addLayer(p + ".ds", conv(1, stride, 0, out, f).hasBias(false).build(), in)
                    .addLayer(p + ".dsbn", new FastBatchNormalization.Builder().dataFormat(f).build(), p + ".ds");
            shortcut = p + ".dsbn";
        }
        b.addVertex(p + ".add", new FastElementWiseVertex(ElementWiseVertex.Op.Add), p + ".bn2", shortcut)
                .addLayer(p + ".out", new FastActivationLayer(Activation.RELU), p + ".add");
    }

    /** The graph with batch-norm statistics, scales and shifts away from their initial values, as after training. */
    static ComputationGraph trained(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Nd4j.getRandom().setSeed(3);
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray p = e.getValue();
                switch (e.getKey()) {
                    case "mean":
                    case "beta":
                        p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(0.2));
                        break;
                    case "var":
                    case "gamma":
                        p.assign(Nd4j.rand(p.dataType(), p.shape()).muli(0.8).addi(0.6));
                        break;
                    case "log10stdev":
                        p.assign(Nd4j.rand(p.dataType(), p.shape()).muli(0.4).subi(0.2));
                        break;
                    default:
                }
            }
        }
        return g;
    }

    static INDArray input(long... shape) {
        Nd4j.getRandom().setSeed(21);
        return Nd4j.randn(DataType.FLOAT, shape);
    }

    /** Max absolute difference within {@code tol} of the expected values' largest magnitude (at least 1). */
    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + ": shape");
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |difference| " + diff + " > " + tol * scale);
    }

    private static long count(List<String> steps, String text) {
        return steps.stream().filter(s -> s.contains(text)).count();
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void resNetMatchesDl4jWithEveryBatchNormReluAndAdditionFused(CNN2DFormat f) {
        ComputationGraph g = resNet(f);
        INDArray x = f == CNN2DFormat.NHWC ? input(3, 32, 32, 3) : input(3, 3, 32, 32);
        INDArray expected = g.outputSingle(false, x);
        for (OneDnnInference.Convolutions c : OneDnnInference.Convolutions.values()) {
            try (OneDnnInference fast = OneDnnInference.of(g, c)) {
                assertTrue(fast.isCompiled(), f + " " + c + ": " + fast.fallbackReason());
                assertEquals(java.util.Optional.empty(), fast.fallbackReason(x.shape()), f + " " + c);
                assertClose(expected, fast.output(x), 1e-5, f + " " + c);
                List<String> steps = fast.describe(x.shape());
                assertEquals(6, count(steps, "conv "), f + " " + c + ": one primitive per convolution " + steps);
                assertEquals(0, count(steps, "[ref:"), f + " " + c + ": no reference kernel " + steps);
                assertEquals(2, count(steps, "[sum, eltwise_relu"), f + " " + c + ": both additions fused " + steps);
                assertEquals(0, count(steps, "eltwise_relu(0.0, 0.0) "), f + " " + c + ": no ReLU on its own " + steps);
                assertEquals(1, count(steps, "max pool"), f + " " + c + ": " + steps);
                assertEquals(1, count(steps, "avg pool"), f + " " + c + ": global pooling " + steps);
                assertEquals(2, count(steps, "dense "), f + " " + c + ": " + steps);
            }
        }
    }

    /** Same-mode dilated convolution, average pooling both ways, a batch norm on its own, every element-wise op. */
    private static ComputationGraph otherOps() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(20, 20, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same)
                        .dilation(2, 2).nOut(6).activation(Activation.LEAKYRELU).build(), "in")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .padding(1, 1).avgPoolIncludePadInDivisor(true).build(), "c1")
                .addLayer("bn", new BatchNormalization.Builder().useLogStd(true).build(), "p1")
                .addLayer("s1", new ActivationLayer(Activation.SIGMOID), "bn")
                .addLayer("t1", new ConvolutionLayer.Builder(1, 1).nOut(6).activation(Activation.TANH).build(), "p1")
                .addVertex("prod", new ElementWiseVertex(ElementWiseVertex.Op.Product), "s1", "t1")
                .addVertex("sub", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "prod", "s1")
                .addVertex("avg", new ElementWiseVertex(ElementWiseVertex.Op.Average), "sub", "t1", "prod")
                .addVertex("max", new ElementWiseVertex(ElementWiseVertex.Op.Max), "avg", "s1")
                .addLayer("p2", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .padding(1, 1).avgPoolIncludePadInDivisor(false).build(), "max")
                .addLayer("gmax", new GlobalPoolingLayer.Builder(PoolingType.MAX).collapseDimensions(false).build(),
                        "p2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(5)
                        .activation(Activation.IDENTITY).build(), "gmax")
                .setOutputs("out").build();
        return trained(conf);
    }

    @Test
    void otherLayersAndVerticesMatchDl4j() {
        ComputationGraph g = otherOps();
        INDArray x = input(2, 3, 20, 20);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            assertTrue(fast.isCompiled(), String.valueOf(fast.fallbackReason()));
            assertEquals(java.util.Optional.empty(), fast.fallbackReason(x.shape()));
            assertClose(g.outputSingle(false, x), fast.output(x), 1e-5, "other ops");
            List<String> steps = fast.describe(x.shape());
            assertEquals(1, count(steps, "conv bn groups 6"), "the batch norm on its own: depthwise 1x1 " + steps);
            assertEquals(5, count(steps, "binary_"), "product, subtract, average (2 additions), max " + steps);
            assertEquals(0, count(steps, "[ref:"), "no reference kernel " + steps);
        }
    }

    @Test
    void nhwcFlattenFeedsTheDenseLayerInDl4jsOrder() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(13).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 5, 3, CNN2DFormat.NHWC))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(CNN2DFormat.NHWC)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "c")
                .setOutputs("out").build();
        ComputationGraph g = trained(conf);
        INDArray x = input(2, 6, 5, 3);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            assertTrue(fast.isCompiled(), String.valueOf(fast.fallbackReason()));
            assertClose(g.outputSingle(false, x), fast.output(x), 1e-5, "NHWC flatten");
            assertEquals(0, count(fast.describe(x.shape()), "reorder"), "the dense layer reads the conv's output as it is");
        }
    }

    @Test
    void aGraphWithAnUnsupportedLayerRunsThroughDl4jAndSaysWhy() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(14).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "c")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "lrn")
                .setOutputs("out").build();
        ComputationGraph g = trained(conf);
        INDArray x = input(2, 3, 8, 8);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            assertFalse(fast.isCompiled());
            String reason = fast.fallbackReason().orElseThrow();
            assertTrue(reason.contains("lrn") && reason.contains("LocalResponseNormalization"), reason);
            assertEquals(g.outputSingle(false, x), fast.output(x), "DL4J's own output");
            assertEquals(List.of(), fast.describe(x.shape()));
        }
    }

    @Test
    void doublePrecisionGraphsRunThroughDl4j() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(15).dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "c")
                .setOutputs("out").build();
        ComputationGraph g = trained(conf);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            assertTrue(fast.fallbackReason().orElseThrow().contains("DOUBLE"), fast.fallbackReason().toString());
            INDArray x = input(2, 3, 8, 8).castTo(DataType.DOUBLE);
            assertEquals(g.outputSingle(false, x), fast.output(x));
        }
    }

    @Test
    void eachExampleIsComputedOnItsOwn() {
        ComputationGraph g = resNet(CNN2DFormat.NHWC);
        INDArray x = input(4, 32, 32, 3);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            INDArray batch = fast.output(x);
            for (int i = 0; i < 4; i++) {
                INDArray one = x.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all());
                // a view with an offset: copied before the primitives read it
                assertClose(batch.getRow(i, true), fast.output(one), 1e-5, "example " + i + " alone");
            }
            assertEquals(2, fast.cachedShapes(), "batch 4 and batch 1");
        }
    }

    @Test
    void theGraphAndItsSerializationAreUntouched(@TempDir File dir) throws Exception {
        ComputationGraph g = resNet(CNN2DFormat.NCHW);
        String json = g.getConfiguration().toJson();
        INDArray params = g.params().dup();
        INDArray x = input(2, 3, 32, 32);
        INDArray fastOut;
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            fastOut = fast.output(x);
            g.params().muli(0.5); // a snapshot: later changes to the graph do not reach the compiled plan
            assertEquals(fastOut, fast.output(x));
            g.setParams(params);
        }
        assertEquals(json, g.getConfiguration().toJson(), "configuration unchanged");
        assertEquals(params, g.params(), "parameters unchanged");
        File zip = new File(dir, "model.zip");
        ModelSerializer.writeModel(g, zip, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(zip, false);
        try (OneDnnInference fast = OneDnnInference.of(restored)) {
            assertEquals(fastOut, fast.output(x), "a restored graph compiles to the same outputs");
        }
        assertEquals(g.outputSingle(false, x), restored.outputSingle(false, x));
    }

    @Test
    void compiledShapesAreBoundedAndBadUseIsRejected() {
        ComputationGraph g = resNet(CNN2DFormat.NCHW);
        OneDnnInference fast = OneDnnInference.of(g);
        for (int n = 1; n <= OneDnnInference.DEFAULT_CACHED_SHAPES + 2; n++) {
            INDArray x = input(n, 3, 32, 32);
            assertClose(g.outputSingle(false, x), fast.output(x), 1e-5, "batch " + n);
        }
        assertEquals(OneDnnInference.DEFAULT_CACHED_SHAPES, fast.cachedShapes(), "least recently used plans closed");
        // four channels where the stem has three: not compiled, and DL4J's own error
        INDArray wrong = input(1, 4, 32, 32);
        assertTrue(fast.fallbackReason(wrong.shape()).orElseThrow().contains("expects 3 input channels, got 4"),
                fast.fallbackReason(wrong.shape()).toString());
        Class<? extends Throwable> dl4jError = assertThrows(RuntimeException.class, () -> g.outputSingle(false, wrong))
                .getClass();
        assertThrows(dl4jError, () -> fast.output(wrong));
        assertThrows(IllegalArgumentException.class, () -> fast.output(null));
        fast.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> fast.output(input(1, 3, 32, 32)));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OneDnnInference.of(null));
        assertThrows(IllegalArgumentException.class, () -> OneDnnInference.of(g, null));
        ComputationGraph notInitialised = new ComputationGraph(g.getConfiguration().clone());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OneDnnInference.of(notInitialised));
        assertTrue(e.getMessage().contains("init()"), e.getMessage());
    }
}
