package org.armfer.fast;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FastActivationLayer} against DL4J's {@link ActivationLayer}: same outputs, gradients and training. */
class FastActivationLayerTest {

    private static ComputationGraph graph(ActivationLayer act, DataType dt) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(dt)
                .updater(new Sgd(0.1)).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(3)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("act", act, "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "act")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(2).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "TANH", "LEAKYRELU"})
    void sameOutputsGradientsAndTrainingAsDl4j(Activation a) {
        for (int variant = 0; variant < 4; variant++) {
            DataType dt = variant % 2 == 0 ? DataType.DOUBLE : DataType.FLOAT;
            boolean inPlace = variant >= 2;
            ComputationGraph ref = graph(new ActivationLayer(a), dt);
            ComputationGraph fast = graph(new FastActivationLayer(a).inPlace(inPlace), dt);
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(dt, 5, 2, 4, 4);    // about half of the conv outputs negative
            INDArray y = Nd4j.zeros(dt, 5, 2);
            for (int i = 0; i < 5; i++) {
                y.putScalar(i, i % 2, 1.0);
            }
            Map<String, INDArray> fa = ref.feedForward(new INDArray[]{x}, true, false);
            Map<String, INDArray> fb = fast.feedForward(new INDArray[]{x}, true, false);
            assertEquals(fa.get("act"), fb.get("act"), a + " " + dt + " output");
            Close.computeGradients(x, y, ref, fast);
            assertEquals(ref.gradient().gradient(), fast.gradient().gradient(), a + " " + dt + " gradients");
            for (int i = 0; i < 3; i++) {
                ref.fit(new MultiDataSet(x, y));
                fast.fit(new MultiDataSet(x, y));
            }
            assertEquals(ref.params(), fast.params(), a + " " + dt + " parameters after 3 steps");
            assertEquals(ref.outputSingle(x), fast.outputSingle(x), a + " " + dt + " inference");
        }
    }

    @Test
    void onlyPlainReluTakesTheFastPath() {
        assertTrue(FastActivationLayer.plainRelu(Activation.RELU.getActivationFunction()));
        assertFalse(FastActivationLayer.plainRelu(new ActivationReLU(6.0, 0.0, 0.0)));
        assertFalse(FastActivationLayer.plainRelu(new ActivationReLU(null, 0.5, null)));
        assertFalse(FastActivationLayer.plainRelu(new ActivationReLU(null, null, 0.1)));
        assertFalse(FastActivationLayer.plainRelu(Activation.TANH.getActivationFunction()));
    }

    @Test
    void survivesSavingAndOfCopiesTheConfiguration(@TempDir File dir) throws Exception {
        ActivationLayer src = new ActivationLayer.Builder().activation(Activation.RELU).name("r").build();
        FastActivationLayer f = FastActivationLayer.of(src).inPlace(true);
        assertEquals("r", f.getLayerName());
        assertEquals(src.getActivationFn(), f.getActivationFn());
        ComputationGraph g = graph(f, DataType.FLOAT);
        File file = new File(dir, "g.zip");
        ModelSerializer.writeModel(g, file, false);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(file, false);
        assertInstanceOf(FastActivationLayer.Runtime.class, r.getLayer("act"));
        assertTrue(((FastActivationLayer) r.getLayer("act").conf().getLayer()).isInPlace(), "inPlace survives saving");
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 2, 4, 4);
        assertEquals(g.outputSingle(x), r.outputSingle(x));
    }
}
