package org.armfer.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks in double precision with a NoOp updater (DL4J's GradientCheckUtil): a 1x1 convolution before ARM,
 * so that FA's and the other blocks' input gradients are checked through the convolution's parameters, and a softmax
 * classifier after it.
 */
class GradientCheckTest {

    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    @ParameterizedTest(name = "blocks={0}, r={1}, k={2}, s={3}, bn={4}, learnableλ={5}, mode={6}")
    @CsvSource({
            "FA+DA+SA, 2, 3, 2, true, true, RUNNING",
            "FA+DA+SA, 2, 2, 1, false, true, BATCH",
            "FA+DA+SA, 2, 4, 4, true, false, RUNNING",
            "FA, 2, 1, 1, false, true, RUNNING",
            "DA, 1, 2, 1, false, true, RUNNING",
            "SA, 1, 1, 1, false, true, RUNNING",
            "FA+SA, 2, 1, 1, false, true, BATCH",
            "DA+SA, 1, 3, 1, true, true, RUNNING",
            "FA+DA, 2, 2, 1, true, true, RUNNING"})   // FA+DA without SA: the channel mean (ChannelMean) at the end
    void gradientsMatchFiniteDifferences(String blocks, int r, int k, int s, boolean bn, boolean learnable, GarMode mode) {
        String ctx = "blocks=" + blocks + ", r=" + r + ", k=" + k + ", s=" + s + ", bn=" + bn + ", learnable=" + learnable + ", mode=" + mode;
        ArmModule arm = ArmModule.builder().blocks(blocks).blockSize(r).kernelSize(k).stride(s).batchNorm(bn)
                .learnableLambda(learnable).lambda(0.6).garMode(mode).build();
        int c = 8, h = 3, w = 3, n = 3, classes = 3;
        ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(Activation.TANH).build(), "in");
        String last = arm.addTo(b, "conv", "arm");
        b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(classes).build(), last).setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        // a non-trivial starting point for λ and the kernel
        if (arm.has(ArmBlock.DA)) {
            g.getLayer("arm.da").getParam(DeAlbino.WEIGHT).assign(Nd4j.rand(DataType.DOUBLE, 1, 1, k, k).subi(0.3));
        }
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, c, h, w).subi(0.5);
        INDArray y = TestGraphs.oneHot(n, classes, 5).castTo(DataType.DOUBLE);
        Set<String> exclude = new HashSet<>();
        exclude.add("arm.sa_" + SharingAffinity.RUNNING_GAR);
        exclude.add("arm.bn_mean");
        exclude.add("arm.bn_var");
        exclude.add("arm.bn_log10stdev");
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{y})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).excludeParams(exclude));
        assertTrue(ok, ctx);
    }
}
