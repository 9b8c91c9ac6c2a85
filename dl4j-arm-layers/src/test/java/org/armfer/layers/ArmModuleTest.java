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
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArmModuleTest {

    @Test
    void paperDefaultsAndGeometry() {
        ArmModule arm = ArmModule.builder().build();
        assertEquals(EnumSet.allOf(ArmBlock.class), arm.getBlocks());
        // the geometry is derived from the map ARM is placed on; on ResNet-18's 512x7x7 it is the paper's
        assertEquals(ArmModule.AUTO, arm.getOutputChannels());
        assertEquals(ArmModule.AUTO, arm.getKernelSize());
        assertEquals(ArmModule.AUTO, arm.getStride());
        assertFalse(arm.isResolved());
        ArmModule paper = ArmModule.builder().outputChannels(2).kernelSize(32).stride(8).build();
        assertEquals(arm.resolve(512, 7, 7), paper.resolve(512, 7, 7));
        assertEquals(ArmModule.builder().blockSize(16).kernelSize(32).stride(8).build(), arm.resolve(512, 7, 7));
        assertTrue(arm.resolve(512, 7, 7).isResolved());
        ArmGeometry g = arm.geometry(512, 7, 7);
        assertArrayEquals(new long[]{2, 112, 112}, g.arrangedShape());
        assertEquals(32, g.getKernelSize());
        assertEquals(8, g.getStride());
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
        // DA without FA: k = round(3·7/7) = 3, s = 1 (Figure 4's kernel)
        assertArrayEquals(new long[]{512, 5, 5}, ArmModule.builder().blocks("DA").build().outputShape(512, 7, 7));
    }

    @Test
    void geometryAdaptsToAnyFeatureMap() {
        ArmModule arm = ArmModule.builder().build();
        // {C, H, W} -> {r, arranged side, k, s, output side, features}
        long[][] cases = {
                {512, 7, 7, 16, 112, 32, 8, 11, 121},      // the paper
                {512, 4, 4, 16, 64, 18, 5, 10, 100},       // ResNet-18 at 112x112
                {512, 2, 2, 16, 32, 9, 2, 12, 144},        // ResNet-18 at 48x48
                {2048, 7, 7, 32, 224, 64, 16, 11, 121},    // torchvision ResNet-50/101/152 at 224
                {2048, 4, 4, 32, 128, 37, 9, 11, 121},     // DL4J zoo ResNet50 at 224
                {2048, 10, 10, 32, 320, 91, 23, 10, 100},  // DL4J zoo Xception at 299
                {1344, 3, 3, 8, 24, 7, 2, 9, 81},          // DL4J zoo InceptionResNetV1 at 160: 21 channels, the nearest to 2
                {256, 7, 7, 16, 112, 32, 8, 11, 121},      // 256 = 1·16²: 1 channel (distance 1 from 2; 4 channels: 2)
                {1024, 7, 7, 32, 224, 64, 16, 11, 121},    // 1024 = 1·32²: 1 channel, nearer to 2 than 4 (r = 16)
        };
        for (long[] c : cases) {
            String ctx = c[0] + "x" + c[1] + "x" + c[2];
            ArmGeometry g = arm.geometry(c[0], c[1], c[2]);
            assertEquals(c[3], g.getBlockSize(), ctx + ": r");
            assertEquals(c[4], g.arrangedShape()[1], ctx + ": arranged side");
            assertEquals(c[5], g.getKernelSize(), ctx + ": k");
            assertEquals(c[6], g.getStride(), ctx + ": s");
            assertArrayEquals(new long[]{1, c[7], c[7]}, g.outputShape(), ctx + ": output");
            assertEquals(c[8], arm.numFeatures(c[0], c[1], c[2]), ctx + ": features");
        }
        assertEquals(List.of(1, 2, 4, 8), ArmGeometry.allowedBlockSizes(1344));
        assertEquals(List.of(21L, 84L, 336L, 1344L), ArmGeometry.allowedOutputChannels(1344));
        assertEquals(16, ArmGeometry.defaultBlockSize(768), "768 = 3·16²: 3 channels, nearer to 2 than 12 (r = 8)");
        // explicit settings win, also where the default would differ
        assertEquals(9, ArmModule.builder().kernelSize(9).build().geometry(2048, 7, 7).getKernelSize());
        assertEquals(16, ArmModule.builder().kernelSize(9).build().geometry(2048, 7, 7).getStride(), "stride still derived");
        assertEquals(4, ArmModule.builder().outputChannels(84).build().geometry(1344, 3, 3).getBlockSize());
        // an impossible explicit setting names the allowed values
        assertEquals("FeatureArrangement: outputChannels 2 does not fit 1344 input channels (C / C' must be a square r²,"
                        + " and 1344 / 2 = 672 is not); allowed outputChannels for 1344 channels: [21, 84, 336, 1344]",
                assertThrows(IllegalArgumentException.class,
                        () -> ArmModule.builder().outputChannels(2).build().geometry(1344, 3, 3)).getMessage());
        assertEquals("FeatureArrangement: input channels 1344 not divisible by blockSize² = 16² = 256; allowed blockSize for"
                        + " 1344 channels: [1, 2, 4, 8]",
                assertThrows(IllegalArgumentException.class, () -> ArmModule.builder().blockSize(16).build()
                        .outputShape(1344, 3, 3)).getMessage());
    }

    @Test
    void withoutSaFaDaAveragesItsChannelsUnlessAskedNotTo() {
        ArmModule faDa = ArmModule.builder().blocks("FA+DA").build();
        assertEquals(121, faDa.numFeatures(512, 7, 7), "§4.3: the two DA channels averaged");
        assertTrue(faDa.geometry(512, 7, 7).isChannelMean());
        assertEquals(242, faDa.toBuilder().channelMean(false).build().numFeatures(512, 7, 7), "the 2-channel head");
        assertEquals(512 * 25, ArmModule.builder().blocks("DA").build().numFeatures(512, 7, 7), "DA alone keeps the channels");
        assertEquals(25, ArmModule.builder().blocks("DA").channelMean(true).build().numFeatures(512, 7, 7));
        assertEquals(121, ArmModule.builder().channelMean(false).build().numFeatures(512, 7, 7), "no effect with SA");

        ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam(1e-3)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(7, 7, 512));
        String last = faDa.addTo(b, "in", "arm");
        assertEquals("arm.mean", last);
        assertEquals(List.of("arm.bn"), b.getVertexInputs().get("arm.mean"));
        b.addLayer("fc", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), last).setOutputs("fc");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        assertEquals(121, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) g.getLayer("fc").conf().getLayer()).getNIn());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 512, 7, 7);
        INDArray bn = g.feedForward(x, false).get("arm.bn");
        assertTrue(bn.mean(true, 1).equalsWithEps(g.feedForward(x, false).get("arm.mean"), 1e-6), "the mean of the two channels");
        g.fit(new DataSet(x, TestGraphs.oneHot(2, 3, 1)));
        assertTrue(Double.isFinite(g.score()));
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
        TestGraphs.assertUntouched(g, withArm, "fc1");
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
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.builder().stride(-1)).getMessage()
                .contains("stride must be >= 1, or 0 (AUTO: derived from the feature map), got -1"));
        String notCnn = assertThrows(IllegalArgumentException.class, () -> {
            ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam()).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.feedForward(100));
            String last = ArmModule.builder().build().addTo(b, "in", "arm");
            b.addLayer("out", new OutputLayer.Builder().nOut(2).build(), last).setOutputs("out").build();
        }).getMessage();
        assertTrue(notCnn.contains("ARM needs a 4-D CNN feature map [N, C, H, W]") && notCnn.contains("\"in\" outputs FF"), notCnn);
        // an explicit kernel too large for the map, found when ARM is added (the geometry is resolved there, once)
        String tooSmall = assertThrows(IllegalArgumentException.class, () -> {
            ComputationGraphConfiguration.GraphBuilder b = TestGraphs.base(DataType.FLOAT, new Adam()).graphBuilder()
                    .addInputs("in").setInputTypes(InputType.convolutional(1, 1, 512));
            ArmModule.builder().kernelSize(32).build().addTo(b, "in", "arm");
        }).getMessage();
        assertEquals("kernelSize 32 is larger than the arranged feature map 16x16 (input 512x1x1, blockSize 16); allowed:"
                + " 1 <= kernelSize <= 16", tooSmall);
        // the same check guards the layer on its own (one implementation: DeAlbino.outputShape)
        assertEquals("DeAlbino: kernelSize 32 is larger than the input map 16x16 (input 2x16x16); allowed: 1 <= kernelSize <= 16",
                assertThrows(IllegalArgumentException.class, () -> DeAlbino.builder().kernelSize(32).build()
                        .outputShape(2, 16, 16)).getMessage());
        assertTrue(assertThrows(IllegalStateException.class, () -> ArmModule.builder().build().daLayer()).getMessage()
                .contains("derived from the feature map: use resolve(channels, height, width).daLayer()"));
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
        assertFalse(def.toJson().contains("kernelSize"), "derived settings are not written: " + def.toJson());
        ArmModule resolved = def.resolve(2048, 7, 7);
        assertEquals(resolved, ArmModule.fromJson(resolved.toJson()));
        assertTrue(resolved.toJson().contains("\"kernelSize\" : 64"), resolved.toJson());
        ArmModule twoChannels = ArmModule.builder().blocks("FA+DA").channelMean(false).build();
        assertEquals(twoChannels, ArmModule.fromJson(twoChannels.toJson()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.fromJson("{\"kernal\": 3}"))
                .getMessage().contains("Unknown ARM configuration key \"kernal\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmModule.fromJson("{\"stride\": -2}"))
                .getMessage().contains("stride must be >= 1, or 0 (AUTO: derived from the feature map), got -2"));
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
