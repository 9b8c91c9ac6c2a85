package org.armfer.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.EnumSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArmModuleTest {

    @Test
    void paperDefaultsAndGeometry() {
        ArmModule arm = ArmModule.builder().build();
        assertEquals(EnumSet.allOf(ArmBlock.class), arm.getBlocks());
        assertEquals(2, arm.getOutputChannels());
        assertEquals(32, arm.getKernelSize());
        assertEquals(8, arm.getStride());
        assertTrue(arm.isBatchNorm());
        assertEquals(1.0, arm.getLambda());
        assertTrue(arm.isLearnableLambda());
        assertEquals(GarMode.RUNNING, arm.getGarMode());
        assertEquals(16, arm.blockSizeFor(512));
        assertArrayEquals(new long[]{1, 11, 11}, arm.outputShape(512, 7, 7));
        assertEquals(121, arm.numFeatures(512, 7, 7));
        // DA alone on ResNet-18's final map, stride 1 (the paper's Figure 6 sweep)
        assertArrayEquals(new long[]{512, 5, 5}, ArmModule.builder().blocks("DA").kernelSize(3).stride(1).build().outputShape(512, 7, 7));
        assertArrayEquals(new long[]{1, 112, 112}, ArmModule.builder().blocks("FA+SA").build().outputShape(512, 7, 7));
    }

    @Test
    void addToNamesTheVerticesAndReturnsTheLast() {
        ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam(1e-3)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(7, 7, 512));
        String last = ArmModule.builder().build().addTo(b, "in", "arm");
        assertEquals("arm.sa", last);
        b.addLayer("fc", new OutputLayer.Builder().nOut(7).activation(Activation.SOFTMAX).build(), last).setOutputs("fc");
        ComputationGraphConfiguration conf = b.build();
        assertEquals(conf.getVertexInputs().get("arm.fa").get(0), "in");
        assertEquals(conf.getVertexInputs().get("arm.da").get(0), "arm.fa");
        assertEquals(conf.getVertexInputs().get("arm.bn").get(0), "arm.da");
        assertEquals(conf.getVertexInputs().get("arm.sa").get(0), "arm.bn");
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        assertEquals(121, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) g.getLayer("fc").conf().getLayer()).getNIn());
        INDArray out = g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 512, 7, 7));
        assertArrayEquals(new long[]{2, 7}, out.shape());

        // ablation variants add only their blocks
        ComputationGraphConfiguration.GraphBuilder b2 = TestGraphs.base(DataType.FLOAT, new Adam(1e-3)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(7, 7, 512));
        assertEquals("x.bn", ArmModule.builder().blocks("DA").kernelSize(3).stride(1).build().addTo(b2, "in", "x"));
        assertFalse(b2.getVertices().containsKey("x.fa"));
        assertThrows(IllegalStateException.class, () -> ArmModule.builder().blocks("none").build().addTo(b2, "in", "y"));
    }

    /** Every parameter of {@code before} other than in the vertices named {@code changed} is in {@code after}, equal. */
    private static void assertUntouched(ComputationGraph before, ComputationGraph after, String... changed) {
        java.util.Set<String> skip = java.util.Set.of(changed);
        int compared = 0;
        for (Map.Entry<String, INDArray> e : before.paramTable().entrySet()) {
            String vertex = e.getKey().substring(0, e.getKey().lastIndexOf('_'));
            if (skip.contains(vertex)) {
                continue;
            }
            assertEquals(e.getValue(), after.paramTable().get(e.getKey()), "parameter " + e.getKey());
            compared++;
        }
        assertTrue(compared > 0);
    }

    @Test
    void replacesThePoolingOfDl4jZooResNet50() {
        ResNet50 zoo = ResNet50.builder().numClasses(5).seed(1).inputShape(new int[]{3, 96, 96}).build();
        ComputationGraph resnet = zoo.init();
        assertTrue(ArmModule.poolingVertices(resnet.getConfiguration()).contains("avgpool"));
        ArmModule arm = ArmModule.builder().build();
        ComputationGraph withArm = arm.replacePooling(resnet, "avgpool", InputType.convolutional(96, 96, 3));
        // the pooling's input, measured by a forward pass: 2048x2x2 -> FA (r = 32) 2x64x64 -> DA 32/8 -> 5x5 -> SA 1x5x5
        String poolInput = resnet.getConfiguration().getVertexInputs().get("avgpool").get(0);
        long[] map = resnet.feedForward(Nd4j.rand(DataType.FLOAT, 1, 3, 96, 96), false).get(poolInput).shape();
        assertArrayEquals(new long[]{1, 2048, 2, 2}, map);
        assertArrayEquals(new long[]{1, 5, 5}, arm.outputShape(2048, 2, 2));
        assertEquals(25, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) withArm.getLayer("output").conf().getLayer()).getNIn());
        assertFalse(withArm.getConfiguration().getVertices().containsKey("avgpool"));
        assertEquals("avgpool.sa", withArm.getConfiguration().getVertexInputs().get("output").get(0));
        assertUntouched(resnet, withArm, "output");
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 96, 96);
        assertArrayEquals(new long[]{2, 5}, withArm.outputSingle(x).shape());
        INDArray before = withArm.params().dup();
        withArm.fit(new DataSet(x, TestGraphs.oneHot(2, 5, 1)));
        assertTrue(Double.isFinite(withArm.score()));
        assertNotEquals(before, withArm.params(), "fit changed the parameters");
        assertEquals(1, GarCalibration.sharingAffinityVertices(withArm).size());
    }

    private static ComputationGraph vgg() {
        ComputationGraphConfiguration conf = TestGraphs.base(DataType.FLOAT, new Adam(1e-3)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(8).padding(1, 1).activation(Activation.RELU).build(), "in")
                .addLayer("pool1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[]{2, 2}, new int[]{2, 2}).build(), "conv1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(32).padding(1, 1).activation(Activation.RELU).build(), "pool1")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer("fc1", new DenseLayer.Builder().nOut(10).activation(Activation.RELU).build(), "gap")
                .addLayer("out", new OutputLayer.Builder().nOut(4).activation(Activation.SOFTMAX).build(), "fc1")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void replacePoolingKeepsADoubleGraphDoubleWithItsExactWeights() {
        ComputationGraphConfiguration conf = TestGraphs.base(DataType.DOUBLE, new Adam(1e-3)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(32).padding(1, 1).activation(Activation.RELU).build(), "in")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv1")
                .addLayer("out", new OutputLayer.Builder().nOut(4).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // values float would round away: a kept parameter that went through float cannot equal its original
        g.getLayer("conv1").getParam("W").addi(1e-12);
        g.getLayer("conv1").getParam("b").assign(Nd4j.linspace(DataType.DOUBLE, 1e-9, 1.0 + 1e-9, 32).reshape(1, 32).addi(1e-13));
        Map<String, INDArray> original = new java.util.HashMap<>();
        g.paramTable().forEach((k, v) -> original.put(k, v.dup()));
        ComputationGraph withArm = ArmModule.builder().kernelSize(8).stride(4).build()
                .replacePooling(g, "gap", InputType.convolutional(16, 16, 3));
        assertEquals(DataType.DOUBLE, withArm.params().dataType(), "DOUBLE graph in, DOUBLE graph out");
        assertEquals(DataType.DOUBLE, withArm.getConfiguration().getDataType(), "configuration data type");
        for (Map.Entry<String, INDArray> e : withArm.paramTable().entrySet()) {
            assertEquals(DataType.DOUBLE, e.getValue().dataType(), e.getKey());
        }
        for (String kept : new String[]{"conv1_W", "conv1_b"}) {
            INDArray now = withArm.paramTable().get(kept);
            assertEquals(original.get(kept), now, kept + " kept exactly");
            assertEquals(0.0, original.get(kept).sub(now).amaxNumber().doubleValue(), 0.0, kept + " kept to the last bit");
        }
        assertEquals(original.get("conv1_W"), g.getLayer("conv1").getParam("W"), "the original graph is unchanged");
        assertEquals(DataType.DOUBLE, withArm.outputSingle(Nd4j.rand(DataType.DOUBLE, 2, 3, 16, 16)).dataType());
    }

    @Test
    void replacesTheGlobalPoolingOfAVggStyleGraph() {
        ComputationGraph g = vgg();
        // conv2 gives 32x8x8; FA to 2 channels (r = 4) -> 2x32x32; DA k=8 s=4 -> 7x7; SA -> 49 features
        ArmModule arm = ArmModule.builder().kernelSize(8).stride(4).build();
        ComputationGraph withArm = arm.replacePooling(g, "gap", InputType.convolutional(16, 16, 3));
        assertEquals(49, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) withArm.getLayer("fc1").conf().getLayer()).getNIn());
        assertUntouched(g, withArm, "fc1");
        // the new layers use the graph's updater
        assertEquals(new Adam(1e-3), ((SharingAffinity) withArm.getLayer("gap.sa").conf().getLayer()).getUpdater());
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 16, 16);
        withArm.fit(new DataSet(x, TestGraphs.oneHot(4, 4, 2)));
        assertArrayEquals(new long[]{4, 4}, withArm.outputSingle(x).shape());
        // the JSON configuration round-trips
        assertEquals(withArm.getConfiguration(), ComputationGraphConfiguration.fromJson(withArm.getConfiguration().toJson()));
    }

    @Test
    void surgeryErrorsNameTheProblem() {
        ComputationGraph g = vgg();
        ArmModule arm = ArmModule.builder().kernelSize(8).stride(4).build();
        InputType in = InputType.convolutional(16, 16, 3);
        String m1 = assertThrows(IllegalArgumentException.class, () -> arm.replacePooling(g, "nope", in)).getMessage();
        assertTrue(m1.contains("No vertex \"nope\"") && m1.contains("[pool1, gap]"), m1);
        String m2 = assertThrows(IllegalArgumentException.class, () -> arm.replacePooling(g, "conv2", in)).getMessage();
        assertTrue(m2.contains("not a GlobalPooling or Subsampling"), m2);
        String m3 = assertThrows(IllegalArgumentException.class, () -> arm.replacePooling(g, "gap")).getMessage();
        assertTrue(m3.contains("one InputType per graph input"), m3);
        String m4 = assertThrows(IllegalArgumentException.class,
                () -> ArmModule.builder().kernelSize(40).stride(4).build().replacePooling(g, "gap", in)).getMessage();
        assertEquals("kernelSize 40 is larger than the arranged feature map 32x32 (input 32x8x8, blockSize 4); allowed: 1 <= kernelSize <= 32", m4);
    }

    @Test
    void validationMessagesNameValueAndLimit() {
        assertEquals("kernelSize 40 is larger than the arranged feature map 28x28 (input 512x7x7, blockSize 4); allowed: 1 <= kernelSize <= 28",
                assertThrows(IllegalArgumentException.class,
                        () -> ArmModule.builder().blockSize(4).kernelSize(40).build().outputShape(512, 7, 7)).getMessage());
        String notDivisible = assertThrows(IllegalArgumentException.class,
                () -> ArmModule.builder().blockSize(3).build().outputShape(512, 7, 7)).getMessage();
        assertTrue(notDivisible.contains("512") && notDivisible.contains("blockSize² = 3² = 9"), notDivisible);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.builder().stride(0)).getMessage()
                .contains("stride must be >= 1, got 0"));
        String notCnn = assertThrows(IllegalArgumentException.class, () -> {
            ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam()).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.feedForward(100));
            String last = ArmModule.builder().build().addTo(b, "in", "arm");
            b.addLayer("out", new OutputLayer.Builder().nOut(2).build(), last).setOutputs("out").build();
        }).getMessage();
        assertTrue(notCnn.contains("needs a 4-D CNN input"), notCnn);
        // a kernel too large for the map: the output would be smaller than 1x1
        String tooSmall = assertThrows(IllegalArgumentException.class, () -> {
            ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam()).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.convolutional(1, 1, 512));
            String last = ArmModule.builder().build().addTo(b, "in", "arm");
            b.addLayer("out", new OutputLayer.Builder().nOut(2).build(), last).setOutputs("out").build();
        }).getMessage();
        assertTrue(tooSmall.contains("kernelSize 32 is larger than the input map 16x16"), tooSmall);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.builder().blocks("FA+XX"))
                .getMessage().contains("Unknown ARM block 'XX'"));
    }

    @Test
    void jsonRoundTrip() {
        ArmModule arm = ArmModule.builder().blocks("FA+DA+SA").blockSize(8).kernelSize(12).stride(5).lambda(0.25)
                .learnableLambda(false).garMode(GarMode.BATCH).garDecay(0.95).batchNorm(false).build();
        assertEquals(arm, ArmModule.fromJson(arm.toJson()));
        ArmModule def = ArmModule.builder().build();
        assertEquals(def, ArmModule.fromJson(def.toJson()));
        assertEquals(def, ArmModule.fromJson("{}"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.fromJson("{\"kernal\": 3}"))
                .getMessage().contains("Unknown ARM configuration key \"kernal\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.fromJson("{\"stride\": 0}"))
                .getMessage().contains("stride must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.fromJson("{\"garMode\": \"batchy\"}"))
                .getMessage().contains("[RUNNING, BATCH]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.fromJson("{\"kernelSize\": 2.5}"))
                .getMessage().contains("must be an integer"));
    }

    @Test
    void layerConfigurationsRoundTripThroughGraphJson() {
        ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam(1e-3)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 32));
        String last = ArmModule.builder().blockSize(2).kernelSize(3).stride(2).lambda(0.3).garMode(GarMode.BATCH).garDecay(0.7)
                .build().addTo(b, "in", "arm");
        b.addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), last).setOutputs("out");
        ComputationGraphConfiguration conf = b.build();
        // initialised first: DL4J M2.1's deserializer derives BatchNormalization.useLogStd from the parameter names a
        // network registers on init, so an uninitialised configuration's JSON comes back with useLogStd=true
        new ComputationGraph(conf).init();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        SharingAffinity sa = (SharingAffinity) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("arm.sa")).getLayerConf().getLayer();
        assertEquals(GarMode.BATCH, sa.getGarMode());
        assertEquals(0.7, sa.getGarDecay());
        assertEquals(0.3, sa.getLambda());
        FeatureArrangement fa = (FeatureArrangement) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("arm.fa")).getLayerConf().getLayer();
        assertEquals(2, fa.getBlockSize());
        assertEquals(32, fa.getInChannels());
        DeAlbino da = (DeAlbino) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("arm.da")).getLayerConf().getLayer();
        assertEquals(3, da.getKernelSize());
        assertEquals(2, da.getStride());
    }
}
