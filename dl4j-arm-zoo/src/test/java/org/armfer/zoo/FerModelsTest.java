package org.armfer.zoo;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.armfer.layers.PoolingHead;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.attention.RotationAwareAttention;
import org.armfer.layers.attention.RotationAwareFusion;
import org.armfer.layers.loss.LossPDLS;
import org.armfer.layers.resize.LearnableResizer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry and its presets: names and entries, what each preset holds (head, blocks after stages), vertex wiring
 * and a ModelSerializer round trip at 48x48, parameter counts at 224x224 against hand-computed numbers, the builder's
 * placement rules and errors, {@code setInputShape}, models registered by a factory, and the reference recipes. The
 * loop over every model is {@link ModelRegistryTest}.
 */
class FerModelsTest {

    @TempDir
    Path tmp;

    static final List<String> NAMES = List.of("resnet18", "resnet18-arm", "resnet18-dsm", "resnet18-arm-dsm", "resnet18-rarn",
            "resnet18-resizer", "resnet18-arm-resizer", "resnet34", "resnet34-arm", "resnet50", "resnet50-arm", "resnet50-rarn",
            "resnet101", "resnet101-arm", "resnet152", "resnet152-arm", "resnet152-rarn", "despam", "despam-arm");

    private static DataSet tiny(int n, int side, int classes) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, side, side);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) y.putScalar(i, (2 * i + 1) % classes, 1);
        return new DataSet(x, y);
    }

    private static void assertThrowsWith(String expectedPart, Runnable r) {
        String m = assertThrows(IllegalArgumentException.class, r::run).getMessage();
        assertTrue(m.contains(expectedPart), "expected '" + expectedPart + "' in: " + m);
    }

    @Test
    void namesEntriesAndWhatEachPresetHolds() {
        assertEquals(NAMES, FerModels.names());
        for (String n : FerModels.names()) {
            ModelEntry e = FerModels.entry(n);
            assertEquals(n, e.name());
            assertTrue(e.description().length() > 20 && !e.description().contains("\n"), n + ": one descriptive line");
            FerModel m = FerModels.builder(n).build();
            assertEquals(n, m.modelName(), n);
            assertArrayEquals(new int[]{3, e.defaultInputSize(), e.defaultInputSize()}, m.getInputShape(), n + ": default size");
            boolean arm = n.contains("-arm");
            assertEquals(arm, m.hasArm(), n);
            assertEquals(arm, m.head() instanceof ArmModule, n + ": head " + m.head());
            assertEquals(!arm && !n.contains("rarn"), m.head() instanceof PoolingHead, n + ": head " + m.head());
            assertEquals(n.contains("rarn"), m.head() instanceof RotationAwareFusion, n);
            assertEquals(n.startsWith("despam") ? DeSpaMNet.class : FerResNet.class, m.getClass(), n);
        }
        assertEquals(224, FerModels.entry("resnet152-rarn").defaultInputSize());
        assertEquals(112, FerModels.entry("despam").defaultInputSize());
        assertEquals("rarn-fer2013", FerModels.entry("resnet152-rarn").recipe());
        assertEquals("despam-rafdb", FerModels.entry("despam").recipe());
        assertNull(FerModels.entry("resnet18").recipe());

        String unknown = assertThrows(IllegalArgumentException.class, () -> FerModels.builder("resnet51")).getMessage();
        assertTrue(unknown.startsWith("Unknown model 'resnet51'; allowed: ") && unknown.endsWith(String.join(", ", NAMES)),
                unknown);
        assertThrows(IllegalArgumentException.class, () -> FerModels.describe("resnet18-xyz"));
        assertThrows(IllegalArgumentException.class, () -> FerModels.builder(null));
        assertEquals("resnet18-rarn", FerModels.builder(" ResNet18-RARN ").build().modelName(), "trimmed, any case");
        assertThrowsWith("A model named 'resnet18' is registered already",
                () -> FerModels.register("resnet18", "another ResNet-18 of some kind", 224, (c, s) -> null));

        // what the presets hold
        assertEquals(152, ((FerResNet) FerModels.builder("resnet152-rarn").build()).getDepth().depth());
        FerModel rarn = FerModels.builder("resnet152-rarn").build();
        assertEquals(List.of("rarn1 after layer1", "rarn2 after layer2", "rarn3 after layer3", "rarn4 after layer4"),
                rarn.placedBlocks().stream().map(p -> p.prefix() + " after " + p.stage()).toList());
        assertEquals(RotationAwareAttention.builder().featureKernelSize(1).build(), rarn.placedBlocks().get(0).block());
        assertEquals(5, ((RotationAwareFusion) rarn.head()).levels());
        assertEquals(5 * 256, rarn.classifierInputs());
        FerModel dsm = FerModels.builder("resnet18-dsm").build();
        assertEquals("dsm2 after layer2", dsm.placedBlocks().get(0).prefix() + " after " + dsm.placedBlocks().get(0).stage());
        assertEquals(DeSpaMNet.MODULATOR, FerModels.builder("despam").build().placedBlocks().get(0).prefix());
        assertEquals("input", FerModels.builder("resnet18-resizer").build().placedBlocks().get(0).stage());
        // ARM presets: the geometry resolved on the model's map, once
        assertEquals(ArmModule.builder().blockSize(16).kernelSize(32).stride(8).build(), FerModels.builder("resnet18-arm").build().armModule());
        assertEquals(ArmModule.builder().blockSize(16).kernelSize(64).stride(16).build(), FerModels.builder("despam-arm").build().armModule());
        assertEquals(121, FerModels.builder("despam-arm").build().classifierInputs());
        // a fresh builder per call: changing one does not change the next
        FerModels.builder("resnet18-dsm").clearBlocks().head(ArmModule.builder().build());
        assertInstanceOf(PoolingHead.class, FerModels.builder("resnet18-dsm").build().head());
        assertEquals(1, FerModels.builder("resnet18-dsm").build().placedBlocks().size());
    }

    /** Expected vertex -> its (first) input, for each preset with blocks at 48x48. */
    private static Map<String, Map<String, String>> expectedWiring() {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        Map<String, String> dsm = Map.of(
                "dsm2.conv1_rep.conv_kxk", "layer2.1.relu2",
                "dsm2.conv1_rep.conv_1x1", "layer2.1.relu2",
                "dsm2.conv2", "dsm2.dropout_1",
                "dsm2.gate", "layer2.1.relu2",
                "layer3.0.conv1", "dsm2.dropout_2",
                "layer3.0.downsample.0", "dsm2.dropout_2");
        Map<String, String> dsmGap = new LinkedHashMap<>(dsm);
        dsmGap.put("avgpool", "layer4.1.relu2");
        m.put("resnet18-dsm", dsmGap);
        Map<String, String> dsmArm = new LinkedHashMap<>(dsm);
        dsmArm.put("arm.fa", "layer4.1.relu2");
        dsmArm.put("fc", "arm.sa");
        m.put("resnet18-arm-dsm", dsmArm);
        Map<String, String> rarn = new LinkedHashMap<>();
        rarn.put("rarn.fusion.lateral0", "relu");   // level 0: the stem, 1/2 resolution
        for (int s = 1; s <= 4; s++) {
            rarn.put("rarn" + s + ".conv", "layer" + s + ".1.relu2");
            rarn.put("rarn" + s + ".gate", "layer" + s + ".1.relu2");
            rarn.put("rarn.fusion.lateral" + s, "rarn" + s + ".gate");
            rarn.put("rarn.fusion.gap" + s, "rarn.fusion.smooth" + s);
        }
        rarn.put("maxpool", "relu");
        rarn.put("layer2.0.conv1", "rarn1.gate");
        rarn.put("rarn.fusion.up3", "rarn.fusion.lateral4");
        rarn.put("rarn.fusion.up0", "rarn.fusion.merge1");
        rarn.put("rarn.fusion.merge0", "rarn.fusion.lateral0");
        rarn.put("rarn.fusion.concat", "rarn.fusion.gap0");
        rarn.put("fc", "rarn.fusion.concat");
        m.put("resnet18-rarn", rarn);
        Map<String, String> resizer = new LinkedHashMap<>();
        resizer.put("resizer.skip", FerModel.INPUT);
        resizer.put("resizer.conv1", FerModel.INPUT);
        resizer.put("resizer.res0.conv1", "resizer.resize");
        // NHWC trunk: the resizer's NCHW output is converted in front of the stem, layer4's output behind it
        resizer.put(FerResNet.TO_NHWC, "resizer.out");
        resizer.put("conv1", FerResNet.TO_NHWC);
        resizer.put(FerResNet.TO_NCHW, "layer4.1.relu2");
        Map<String, String> resizerGap = new LinkedHashMap<>(resizer);
        resizerGap.put("avgpool", FerResNet.TO_NCHW);
        m.put("resnet18-resizer", resizerGap);
        Map<String, String> resizerArm = new LinkedHashMap<>(resizer);
        resizerArm.put("fc", "arm.sa");
        m.put("resnet18-arm-resizer", resizerArm);
        return m;
    }

    @Test
    void presetsWithBlocksAreWiredAndRoundTrip() throws Exception {
        int classes = 5;
        for (Map.Entry<String, Map<String, String>> e : expectedWiring().entrySet()) {
            String ctx = e.getKey() + " at 48x48";
            FerModel zoo = FerModels.builder(e.getKey()).numClasses(classes).inputShape(3, 48, 48).seed(3).build();
            ComputationGraph g = zoo.init();
            ComputationGraphConfiguration conf = g.getConfiguration();
            for (Map.Entry<String, String> w : e.getValue().entrySet()) {
                assertTrue(conf.getVertices().containsKey(w.getKey()), ctx + " lacks " + w.getKey() + ": " + conf.getVertices().keySet());
                assertEquals(w.getValue(), conf.getVertexInputs().get(w.getKey()).get(0), ctx + ": input of " + w.getKey());
            }
            assertEquals(zoo.head() instanceof PoolingHead, conf.getVertices().containsKey("avgpool"), ctx + ": avgpool only with GAP");
            assertEquals(zoo.hasArm(), conf.getVertices().containsKey("arm.sa"), ctx + ": arm.* only with the ARM head");
            assertEquals(zoo.classifierInputs(), ((FeedForwardLayer) g.getLayer("fc").conf().getLayer()).getNIn(), ctx);
            DataSet ds = tiny(2, 48, classes);
            g.fit(ds);
            File f = tmp.resolve(e.getKey() + ".zip").toFile();
            ModelSerializer.writeModel(g, f, false);
            ComputationGraph back = ModelSerializer.restoreComputationGraph(f, false);
            assertEquals(conf.toJson(), back.getConfiguration().toJson(), ctx + ": configuration after save/load");
            assertEquals(g.params(), back.params(), ctx + ": parameters after save/load");
            assertEquals(g.outputSingle(false, ds.getFeatures()), back.outputSingle(false, ds.getFeatures()),
                    ctx + ": same output after save/load");
        }
    }

    @Test
    void parameterCountsAt224AreTheHandComputedOnes() {
        // torchvision's resnet18: 11,689,512 trainable with a 1000-class fc (512*1000 + 1000); with 7 classes:
        long trunk = 11_689_512L - 513_000L;
        long fc7 = 512 * 7 + 7;
        // DSM after layer2, C = 128, C/r = 16: conv7x7 128*16*49 = 100,352; BN 2*16; conv1x1 128*16 = 2,048; BN 2*16;
        // conv3x3 16 -> 1: 144  =>  102,608 (the same formula gives the 57,756 at C = 96)
        assertEquals(trunk + 102_608L + fc7, ResNetArchitectureTest.trainable(FerModels.builder("resnet18-dsm").build().conf()));
        // learnable resizer, 3 channels, 16 filters, 1 residual block: 12,083 (Talebi & Milanfar's count)
        assertEquals(trunk + 12_083L + fc7, ResNetArchitectureTest.trainable(FerModels.builder("resnet18-resizer").build().conf()));
        // RARN attention at C with a 1x1 angle transform: C*C + BN 2C + spatial conv 2*49 + BN 2
        long rarn = 0;
        for (long c : new long[]{64, 128, 256, 512}) {
            rarn += c * c + 2 * c + 98 + 2;
        }
        assertEquals(350_480L, rarn);
        // fusion, d = 256, five levels (stem 64, layer1-4 64, 128, 256, 512): laterals and 3x3 smoothing, with biases
        long fusion = (64 + 64 + 128 + 256 + 512) * 256L + 5 * 256 + 5 * (9 * 256 * 256 + 256);
        assertEquals(3_213_824L, fusion);
        long fc = 5 * 256 * 7 + 7;
        assertEquals(trunk + rarn + fusion + fc, ResNetArchitectureTest.trainable(FerModels.builder("resnet18-rarn").build().conf()));
        // ResNet-152 with RARN: torchvision's trunk (60,192,808 - 2048*1000 - 1000) and 2048-channel stages
        long rarn152 = 0;
        for (long c : new long[]{256, 512, 1024, 2048}) {
            rarn152 += c * c + 2 * c + 100;
        }
        long fusion152 = (64 + 256 + 512 + 1024 + 2048) * 256L + 5 * 256 + 5 * (9 * 256 * 256 + 256);
        assertEquals(60_192_808L - 2_049_000L + rarn152 + fusion152 + fc,
                ResNetArchitectureTest.trainable(FerModels.builder("resnet152-rarn").build().conf()));
    }

    @Test
    void blocksGoAfterNamedStagesAndNonsenseIsRejected() {
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().kernelSize(5).reduction(4).dropout(0).build();
        // a DSM without dropout ends at its gate, which the next stage reads
        ComputationGraphConfiguration conf = ResNet.builder().after("layer1", dsm).inputSize(48).build().conf();
        assertEquals("dsm1.gate", conf.getVertexInputs().get("layer2.0.conv1").get(0));
        assertFalse(conf.getVertices().containsKey("dsm1.dropout_2"));
        // two blocks after the same stage: in the order given
        conf = ResNet.builder().after("layer3", dsm).after("layer3", RotationAwareAttention.builder().build()).inputSize(48)
                .build().conf();
        assertEquals("dsm3.gate", conf.getVertexInputs().get("rarn3.conv").get(0));
        assertEquals("rarn3.gate", conf.getVertexInputs().get("layer4.0.conv1").get(0));
        // explicit prefixes, a block after the stem, and the head as data
        conf = ResNet.builder().after("stem", "stemattention", RotationAwareAttention.builder().build())
                .head(PoolingHead.of(PoolingType.MAX)).inputSize(48).build().conf();
        assertEquals("stemattention.gate", conf.getVertexInputs().get("maxpool").get(0));
        assertEquals(PoolingType.MAX, ((GlobalPoolingLayer) ((LayerVertex) conf.getVertices().get("avgpool")).getLayerConf()
                .getLayer()).getPoolingType());
        // a block that changes the channels: the next stage projects
        FerModel fewer = ResNet.builder().after("layer2", "reduce", org.armfer.layers.conv.RepConv.builder().kernelSize(1)
                .outChannels(32).build()).inputSize(48).build();
        assertEquals(32, ((ConvolutionLayer) ((LayerVertex) fewer.conf().getVertices().get("layer3.0.downsample.0"))
                .getLayerConf().getLayer()).getNIn());
        // armBlocks keeps the ARM settings given, "none" is GAP
        FerModel.Builder<?> b = ResNet.builder().arm(ArmModule.builder().lambda(0.3).build()).armBlocks("DA+SA");
        assertEquals(0.3, ((ArmModule) b.getHead()).getLambda());
        assertEquals(ArmBlock.parseSet("DA+SA"), b.build().getArmBlocks());
        assertInstanceOf(PoolingHead.class, b.armBlocks("none").build().head());

        assertThrowsWith("after(\"layer5\", ...): resnet18 has no stage \"layer5\"; allowed: [input, stem, layer1, layer2, layer3,"
                + " layer4]", () -> ResNet.builder().after("layer5", dsm).build());
        assertThrowsWith("Two blocks have the vertex prefix \"dsm2\"",
                () -> ResNet.builder().after("layer2", dsm).after("layer2", dsm).build());
        assertThrowsWith("dsm1 after layer1 (64x56x56): DecomposedSpatialModulator: reduction 128 leaves no hidden channel",
                () -> ResNet.builder().after("layer1", DecomposedSpatialModulator.builder().reduction(128).build()).build());
        assertThrowsWith("head must not be null", () -> ResNet.builder().head(null));
        assertThrowsWith("arm must not be null", () -> ResNet.builder().arm(null));
        assertThrowsWith("reads 6 levels; a ResNet has 5: [stem, layer1, layer2, layer3, layer4]",
                () -> ResNet.builder().head(RotationAwareFusion.builder().levels(6).build()).build());
        assertThrowsWith("trunkFormat NHWC is not available", () -> ((FerResNet.Builder) FerModels.builder("resnet18-rarn"))
                .trunkFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC).build());
    }

    @Test
    void aResizerInFrontTakesTheNetworkInputAndSetInputShapeWorks() {
        FerModel zoo = ResNet.builder().arm(ArmModule.builder().build()).inputSize(64)
                .after("input", LearnableResizer.builder().outputSize(48, 48).build()).numClasses(3).build();
        assertArrayEquals(new int[]{3, 64, 64}, zoo.getInputShape());
        assertArrayEquals(new int[]{3, 64, 64}, zoo.metaData().getInputShape()[0]);
        assertEquals(144, zoo.classifierInputs(), "ARM geometry follows the trunk's 48x48, not the network's 64x64");
        ComputationGraph g = zoo.init();
        assertArrayEquals(new long[]{2, 3}, g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64)).shape());

        // ZooModel's contract: setInputShape changes what init() builds, and the geometry with it
        FerModel arm = FerModels.builder("resnet18-arm").numClasses(4).build();
        assertEquals(121, arm.classifierInputs());
        arm.setInputShape(new int[][]{{3, 112, 112}});
        assertArrayEquals(new int[]{3, 112, 112}, arm.metaData().getInputShape()[0]);
        assertEquals(100, arm.classifierInputs());
        assertEquals(18, arm.armModule().getKernelSize(), "resolved again: 32 scaled to the 64x64 arranged map");
        ComputationGraph g112 = arm.init();
        assertArrayEquals(new long[]{1, 4}, g112.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 3, 112, 112)).shape());
        assertThrowsWith("inputShape channels must be 1 (gray) or 3", () -> arm.setInputShape(new int[][]{{2, 48, 48}}));
        FerModel explicit = FerModels.builder("resnet18-arm").arm(ArmModule.builder().kernelSize(32).stride(8).build()).build();
        assertThrowsWith("kernelSize 32 is larger than the arranged feature map 16x16",
                () -> explicit.setInputShape(new int[][]{{3, 32, 32}}));
        assertArrayEquals(new int[]{3, 224, 224}, explicit.getInputShape(), "a rejected shape leaves the model as it was");
        assertEquals(121, explicit.classifierInputs());
        FerModel despam = FerModels.builder("despam").build();
        despam.setInputShape(new int[][]{{1, 48, 48}});
        assertArrayEquals(new long[]{512, 6, 6}, despam.featureMapShape());
        assertThrowsWith("has one input", () -> despam.setInputShape(new int[][]{{3, 48, 48}, {3, 48, 48}}));
    }

    /** A tiny network a factory makes: conv, global pooling, softmax; Sgd(0.5) and MSE, seed 1. */
    private static ComputationGraph tinyFactoryGraph(int numClasses, int inputSize) {
        ComputationGraphConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1)
                .updater(new Sgd(0.5)).graphBuilder().addInputs("image")
                .setInputTypes(InputType.convolutional(inputSize, inputSize, 3))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "image")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(new LossMSE()).nOut(numClasses).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void modelsBuiltByAFactoryRegisterAndTakeTheTrainingSettings() {
        ModelEntry e = ModelEntry.ofFactory("tiny-vit", "a stand-in for a factory-built model (ViT, Swin)", 32,
                FerModelsTest::tinyFactoryGraph).withMinInputSize(8);
        ComputationGraph plain = e.init(6, 16);
        assertEquals(6, ((FeedForwardLayer) plain.getLayer("out").conf().getLayer()).getNOut());
        assertThrowsWith("input side 4 is below the smallest it takes, 8", () -> e.init(6, 4));
        FerModel m = e.newBuilder().numClasses(3).inputSize(16).build();
        assertEquals("tiny-vit", m.modelName());
        assertInstanceOf(FactoryModel.class, m);
        assertEquals(4, m.classifierInputs());
        // nothing set: the factory's graph as it is
        assertEquals(new Sgd(0.5), ((BaseLayer) m.init().getLayer("conv").conf().getLayer()).getIUpdater());
        // explicit settings are written into the factory's configuration
        ComputationGraph tuned = e.newBuilder().numClasses(3).inputSize(16).updater(new Adam(2e-3)).weightDecay(1e-3)
                .loss(new org.nd4j.linalg.lossfunctions.impl.LossMCXENT()).seed(7).build().init();
        BaseLayer conv = (BaseLayer) tuned.getLayer("conv").conf().getLayer();
        assertEquals(new Adam(2e-3), conv.getIUpdater());
        assertEquals(List.of(new org.armfer.fast.FastWeightDecay(1e-3, true)), conv.getRegularization());
        assertTrue(conv.getRegularizationBias().isEmpty(), "biases are not decayed");
        assertInstanceOf(org.nd4j.linalg.lossfunctions.impl.LossMCXENT.class,
                ((BaseOutputLayer) tuned.getLayer("out").conf().getLayer()).getLossFn());
        assertEquals(7, tuned.getConfiguration().getDefaultConfiguration().getSeed());
        ComputationGraph again = e.newBuilder().numClasses(3).inputSize(16).seed(7).build().init();
        assertEquals(again.params(), e.newBuilder().numClasses(3).inputSize(16).seed(7).build().init().params(), "seeded");
        assertNotEquals(again.params(), e.newBuilder().numClasses(3).inputSize(16).build().init().params(),
                "seed 7, not the factory's 1");
        tuned.fit(tiny(2, 16, 3));
        assertTrue(Double.isFinite(tuned.score()));

        assertThrowsWith("tiny-vit is built by its factory: its head and blocks cannot be changed",
                () -> e.newBuilder().arm(ArmModule.builder().build()).build());
        assertThrowsWith("built by its factory for square 3-channel input; got 3x16x20",
                () -> e.newBuilder().inputShape(3, 16, 20).build());
    }

    @Test
    void torchWeightsExportLoadRoundTripAndBackboneLoadWithBlocks() {
        // one graph with a block everywhere: resizer, DSM, RARN attention, fusion head
        FerResNet.Builder all = ResNet.builder().inputSize(48).numClasses(4).after("input", LearnableResizer.builder().build())
                .after("layer2", DecomposedSpatialModulator.builder().build()).after("layer3", RotationAwareAttention.builder().build())
                .after("layer4", RotationAwareAttention.builder().build()).head(RotationAwareFusion.builder().build());
        ComputationGraph a = all.seed(1).build().init();
        Nd4j.getRandom().setSeed(11);
        for (Map.Entry<String, INDArray> e : a.paramTable().entrySet()) {
            INDArray r = Nd4j.rand(e.getValue().dataType(), e.getValue().shape());
            e.getValue().assign(e.getKey().endsWith("_var") ? r.addi(0.5) : r.subi(0.5));
        }
        Map<String, INDArray> sd = TorchWeights.export(a);
        for (String k : new String[]{"resizer.res0.conv1.weight", "resizer.bn1.running_var", "dsm2.conv1_rep.conv_kxk.weight",
                "dsm2.conv1_rep.bn_1x1.running_mean", "dsm2.conv2.weight", "rarn3.spatial_bn.bias", "rarn4.conv.weight",
                "rarn.fusion.lateral0.bias", "rarn.fusion.smooth4.weight", "fc.weight"}) {
            assertTrue(sd.containsKey(k), k + " exported: " + sd.keySet());
        }
        assertArrayEquals(new long[]{16, 128, 7, 7}, sd.get("dsm2.conv1_rep.conv_kxk.weight").shape(), "OIHW as PyTorch");
        ComputationGraph b = all.seed(2).build().init();
        assertNotEquals(a.params(), b.params());
        TorchWeights.Report r = TorchWeights.load(b, sd, TorchWeights.Scope.ALL, "export");
        assertEquals(b.paramTable().size(), r.loaded().size(), "strict: every parameter set");
        assertEquals(a.params(), b.params());

        // torchvision backbone weights load into a variant; the blocks and the head are not backbone
        ComputationGraph dsm = FerModels.builder("resnet18-dsm").numClasses(7).inputSize(48).build().init();
        INDArray dsmConvBefore = dsm.getLayer("dsm2.conv2").getParam("W").dup();
        TorchWeights.Report rb = TorchWeights.load(dsm, sd, TorchWeights.Scope.BACKBONE, "export");
        assertEquals(a.getLayer("layer4.1.conv2").getParam("W"), dsm.getLayer("layer4.1.conv2").getParam("W"));
        assertEquals(dsmConvBefore, dsm.getLayer("dsm2.conv2").getParam("W"), "a backbone load leaves the DSM alone");
        assertTrue(rb.skipped().contains("dsm2.conv2.weight") && rb.skipped().contains("rarn.fusion.lateral0.weight"),
                rb.skipped().toString());
        assertTrue(rb.vertices().stream().allMatch(TorchWeights::isBackbone), rb.vertices().toString());
    }

    @Test
    void prioredLabelSmoothingLossTrainsAPresetAndIsSavedWithIt() throws Exception {
        double[][] d = new double[4][4];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) d[i][j] = i == j ? 0.7 : 0.1;
        ComputationGraph g = FerModels.builder("resnet18-arm-dsm").numClasses(4).inputSize(48).loss(LossPDLS.focal(d)).build().init();
        DataSet ds = tiny(2, 48, 4);
        INDArray before = g.params().dup();
        g.fit(ds);
        assertTrue(Double.isFinite(g.score()) && g.score() > 0, "score " + g.score());
        assertNotEquals(before, g.params());
        File f = tmp.resolve("pdls.zip").toFile();
        ModelSerializer.writeModel(g, f, false);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, false);
        assertEquals(LossPDLS.focal(d), ((BaseOutputLayer) back.getLayer("fc").conf().getLayer()).getLossFn());
        assertEquals(g.score(ds, false), back.score(ds, false), 1e-5, "same F-PDLS score after save/load");

        assertThrowsWith("The loss's prior matrix is 4x4 but numClasses is 7",
                () -> FerModels.builder("resnet18").loss(LossPDLS.pdls(d)).build());
    }

    @Test
    void referenceRecipesAreTheSourcesSettings() {
        assertEquals(List.of("rarn-fer2013", "despam-rafdb"), ReferenceRecipes.names());
        ReferenceRecipe rarn = ReferenceRecipes.get("rarn-fer2013");
        assertEquals(ReferenceRecipe.Optimizer.SGD, rarn.optimizer());
        assertEquals(0.01, rarn.learningRate());
        assertEquals(33, rarn.epochs());
        assertEquals(64, rarn.batchSize());
        assertEquals("resnet152-rarn", rarn.model());
        // StepLR(3, 0.9): 0.01 for epochs 0-2, 0.009 for 3-5, ..., 0.01 * 0.9^10 in the last epoch (32)
        assertEquals(0.01, rarn.schedule().at(0.01, 2), 1e-12);
        assertEquals(0.009, rarn.schedule().at(0.01, 3), 1e-12);
        assertEquals(0.01 * Math.pow(0.9, 10), rarn.schedule().at(0.01, 32), 1e-12);
        Map<String, Double> jitter = rarn.augmentations().stream().filter(a -> a.name().equals("ColorJitter")).findFirst()
                .orElseThrow().parameters();
        assertEquals(Map.of("brightness", 0.2, "contrast", 0.2, "hue", 0.2), jitter);
        assertEquals(0.2, rarn.augmentations().stream().filter(a -> a.name().equals("RandomGrayscale")).findFirst()
                .orElseThrow().probability());
        assertTrue(rarn.notes().stream().anyMatch(n -> n.startsWith("momentum 0.9")), "the choices are written down");

        ReferenceRecipe despam = ReferenceRecipes.get(" DeSpaM-RAFDB ");
        assertEquals(ReferenceRecipe.Optimizer.ADAMW, despam.optimizer());
        assertEquals(1e-3, despam.learningRate());
        assertEquals(100, despam.epochs());
        assertEquals(64, despam.batchSize());
        assertEquals(112, despam.inputSize());
        assertEquals(1e-3, despam.schedule().at(1e-3, 0), 1e-15);
        assertEquals(0.5e-3, despam.schedule().at(1e-3, 50), 1e-15, "cosine: half way, half the rate");
        assertTrue(despam.metrics().contains("balanced-accuracy"));
        Map<String, Double> erasing = despam.augmentations().stream().filter(a -> a.name().equals("RandomErasing")).findFirst()
                .orElseThrow().parameters();
        assertEquals(0.02, erasing.get("scale_min"));
        assertEquals(0.25, erasing.get("scale_max"));
        assertThrowsWith("Unknown reference recipe 'paper-x'; allowed: [rarn-fer2013, despam-rafdb]", () -> ReferenceRecipes.get("paper-x"));
        for (String n : FerModels.names()) {
            String recipe = FerModels.entry(n).recipe();
            if (recipe != null) {
                assertEquals(n, ReferenceRecipes.get(recipe).model(), n + ": its recipe trains it");
            }
        }
    }
}
