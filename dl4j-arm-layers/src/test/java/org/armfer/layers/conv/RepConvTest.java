package org.armfer.layers.conv;

import org.armfer.layers.attention.GraphTesting;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Map;

import static org.armfer.layers.conv.RepConv.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The re-parameterisable convolution: which branches its training form has, its parameter count, and that the fused
 * inference form computes what the training form computes in inference mode (double precision, BatchNorm statistics
 * far from 0/1) for plain and depthwise convolutions, strides 1 and 2, with and without ReLU.
 */
class RepConvTest {

    private static ComputationGraph graph(RepConv rep, long c, long h, long w) {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        String last = rep.addTo(b, "in", "rep");
        b.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), last)
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** Random weights; BatchNorm statistics and affine parameters away from 0/1, so that the fusion has work to do. */
    private static void randomise(ComputationGraph g, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            INDArray r = Nd4j.rand(e.getValue().dataType(), e.getValue().shape());
            String k = e.getKey();
            e.getValue().assign(k.endsWith("_var") ? r.muli(1.5).addi(0.5) : k.endsWith("_gamma") ? r.addi(0.5) : r.subi(0.5));
        }
    }

    @ParameterizedTest(name = "C={0}, out={1}, k={2}, s={3}, depthwise={4}, relu={5}")
    @CsvSource({"4,4,3,1,false,true", "4,6,3,2,false,true", "4,4,1,1,false,false", "5,5,7,1,true,true",
            "5,5,3,2,true,false", "3,3,5,1,false,false"})
    void fusedFormEqualsTrainingForm(int c, int out, int k, int s, boolean depthwise, boolean relu) {
        String ctx = "C=" + c + ", out=" + out + ", k=" + k + ", s=" + s + ", depthwise=" + depthwise + ", relu=" + relu;
        RepConv.Builder b = RepConv.builder().kernelSize(k).stride(s).depthwise(depthwise).relu(relu);
        if (!depthwise) {
            b.outChannels(out);
        }
        RepConv rep = b.build();
        int h = 7, w = 6;
        ComputationGraph g = graph(rep, c, h, w);
        ComputationGraphConfiguration conf = g.getConfiguration();
        boolean identity = s == 1 && out == c;
        assertEquals(identity, conf.getVertices().containsKey("rep" + BN_IDENTITY), ctx + ": identity branch");
        assertEquals(k > 1, conf.getVertices().containsKey("rep" + CONV_1X1), ctx + ": 1x1 branch");
        assertEquals(identity || k > 1, conf.getVertices().containsKey("rep" + ADD), ctx + ": sum of branches");
        assertEquals(depthwise, layer(conf, "rep" + CONV_KXK) instanceof DepthwiseConvolution2D, ctx);
        assertEquals(rep.numTrainableParams(c), GraphTesting.trainableParams(g, "rep"), ctx + ": trainable parameters");
        randomise(g, 3);

        ComputationGraph fused = RepConv.reparameterize(g, "rep");
        ComputationGraphConfiguration fc = fused.getConfiguration();
        for (String gone : new String[]{CONV_KXK, BN_KXK, CONV_1X1, BN_1X1, BN_IDENTITY, ADD}) {
            assertFalse(fc.getVertices().containsKey("rep" + gone), ctx + ": removed rep" + gone);
        }
        assertEquals(List.of("in"), fc.getVertexInputs().get("rep" + FUSED_CONV), ctx);
        assertEquals(List.of("rep" + FUSED_CONV), fc.getVertexInputs().get("rep" + ACTIVATION), ctx);
        assertEquals(rep.toBuilder().reparameterized(true).build().numTrainableParams(c), GraphTesting.trainableParams(fused, "rep"), ctx);
        assertEquals(DataType.DOUBLE, fused.params().dataType(), ctx);

        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, c, h, w).subi(0.5).muli(3);
        INDArray before = g.feedForward(x, false).get("rep" + ACTIVATION);
        INDArray after = fused.feedForward(x, false).get("rep" + ACTIVATION);
        long o = rep.outChannels(c);
        assertArrayEquals(new long[]{3, o, rep.outputSide(h), rep.outputSide(w)}, before.shape(), ctx);
        assertTrue(before.equalsWithEps(after, 1e-10), ctx + ": fused output\n" + before + "\n" + after);
        if (!relu) {
            assertTrue(before.minNumber().doubleValue() < 0, ctx + ": no ReLU, negative outputs remain");
        }
        // the inference form built directly has the fused vertices and the same parameter count
        ComputationGraph direct = graph(rep.toBuilder().reparameterized(true).build(), c, h, w);
        assertEquals(fc.getVertices().keySet(), direct.getConfiguration().getVertices().keySet(), ctx);
        assertEquals(fused.numParams(), direct.numParams(), ctx);
    }

    @Test
    void reparameterizeAllFindsEveryRepConvAndBadInputIsRejected() {
        ComputationGraphConfiguration.GraphBuilder b = GraphTesting.base(DataType.DOUBLE, new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(6, 6, 4));
        String a = RepConv.builder().build().addTo(b, "in", "a");
        String last = RepConv.builder().depthwise(true).kernelSize(5).build().addTo(b, a, "b");
        b.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), last)
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        randomise(g, 5);
        assertEquals(List.of("a", "b"), RepConv.prefixesIn(g.getConfiguration()));
        ComputationGraph fused = RepConv.reparameterizeAll(g);
        assertTrue(RepConv.prefixesIn(fused.getConfiguration()).isEmpty());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 4, 6, 6);
        assertTrue(g.outputSingle(false, x).equalsWithEps(fused.outputSingle(false, x), 1e-10));
        assertArrayEquals(new long[]{5, 5, 4, 1}, fused.getLayer("b" + FUSED_CONV).getParam("W").shape(),
                "DL4J's depthwise layout [k, k, C, 1]");

        String wrong = assertThrows(IllegalArgumentException.class, () -> RepConv.reparameterize(g, "c")).getMessage();
        assertTrue(wrong.contains("no training-form RepConv with prefix \"c\"") && wrong.contains("[a, b]"), wrong);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RepConv.reparameterizeAll(fused)).getMessage()
                .contains("has no training-form RepConv"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RepConv.builder().depthwise(true).outChannels(8).build())
                .getMessage().contains("a depthwise convolution keeps its input's channels"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RepConv.builder().kernelSize(4)).getMessage()
                .contains("kernelSize must be an odd number >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RepConv.builder().build()
                .outputType(InputType.feedForward(3))).getMessage().contains("needs a 4-D CNN feature map"));
        ConvolutionLayer k = (ConvolutionLayer) layer(g.getConfiguration(), "a" + CONV_KXK);
        assertArrayEquals(new int[]{1, 1}, k.getPadding(), "padding k/2");
        assertFalse(k.hasBias(), "no bias before a BatchNorm");
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }
}
