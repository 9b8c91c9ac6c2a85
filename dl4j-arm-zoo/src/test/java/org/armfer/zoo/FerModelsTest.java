package org.armfer.zoo;

import org.armfer.layers.ArmModule;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.attention.RotationAwareAttention;
import org.armfer.layers.attention.RotationAwareFusion;
import org.armfer.layers.loss.LossPDLS;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The named models and the issue-7 variants (DSM, RARN attention + fusion head, learnable resizer, PDLS loss):
 * vertex names and wiring, parameter counts at 224x224 against hand-computed numbers, and at 48x48 one fit step, a
 * gradient for every parameter and a ModelSerializer round trip.
 */
class FerModelsTest {

    @TempDir
    Path tmp;

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
    void namesDescriptionsAndUnknownNames() {
        assertEquals(List.of("resnet18", "resnet18-arm", "resnet18-dsm", "resnet18-arm-dsm", "resnet18-rarn",
                "resnet18-resizer", "resnet18-arm-resizer", "resnet34", "resnet34-arm"), FerModels.names());
        for (String n : FerModels.names()) {
            String d = FerModels.describe(n);
            assertTrue(d.length() > 20 && !d.contains("\n"), n + ": one descriptive line, got '" + d + "'");
        }
        String unknown = assertThrows(IllegalArgumentException.class, () -> FerModels.builder("resnet50")).getMessage();
        assertTrue(unknown.startsWith("Unknown model 'resnet50'; allowed: ") && unknown.endsWith(String.join(", ", FerModels.names())),
                unknown);
        assertThrows(IllegalArgumentException.class, () -> FerModels.describe("resnet18-xyz"));
        assertThrows(IllegalArgumentException.class, () -> FerModels.builder(null));
        assertEquals("resnet18-rarn1234-fusion", FerModels.builder(" ResNet18-RARN ").build().modelName(),
                "names are trimmed and case-insensitive");

        // what each name means, and -arm = FA+DA+SA with ArmGeometry's defaults
        assertEquals(34, FerModels.builder("resnet34-arm").build().getDepth().depth());
        assertEquals(ArmGeometry.forFeatureMap(ResNet18Arm.builder().build().getArmBlocks(), 512, 7, 7).build(),
                FerModels.builder("resnet18-arm").build().armModule());
        Map<String, FerResNet.Head> heads = new LinkedHashMap<>();
        heads.put("resnet18", FerResNet.Head.GAP);
        heads.put("resnet18-arm", FerResNet.Head.ARM);
        heads.put("resnet18-dsm", FerResNet.Head.GAP);
        heads.put("resnet18-arm-dsm", FerResNet.Head.ARM);
        heads.put("resnet18-rarn", FerResNet.Head.RARN_FUSION);
        heads.put("resnet18-resizer", FerResNet.Head.GAP);
        heads.put("resnet18-arm-resizer", FerResNet.Head.ARM);
        heads.put("resnet34", FerResNet.Head.GAP);
        heads.put("resnet34-arm", FerResNet.Head.ARM);
        for (Map.Entry<String, FerResNet.Head> e : heads.entrySet()) {
            FerResNet m = FerModels.builder(e.getKey()).build();
            assertEquals(e.getValue(), m.head(), e.getKey());
            assertEquals(e.getKey().contains("dsm") ? Set.of(2) : Set.of(), m.getDsmStages(), e.getKey());
            assertEquals(e.getKey().contains("rarn") ? Set.of(1, 2, 3, 4) : Set.of(), m.getRarnStages(), e.getKey());
            assertEquals(e.getKey().contains("resizer"), m.hasLearnableResizer(), e.getKey());
        }
        // a fresh builder per call: changing one does not change the next
        FerModels.builder("resnet18-dsm").dsm(null).head(FerResNet.Head.ARM);
        assertEquals(FerResNet.Head.GAP, FerModels.builder("resnet18-dsm").build().head());
        assertEquals(Set.of(2), FerModels.builder("resnet18-dsm").build().getDsmStages());
    }

    /** Expected vertex -> its (first) input, for each issue-7 name at 48x48. */
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
        for (int s = 1; s <= 4; s++) {
            rarn.put("rarn" + s + ".conv", "layer" + s + ".1.relu2");
            rarn.put("rarn" + s + ".gate", "layer" + s + ".1.relu2");
            rarn.put("rarn.fusion.lateral" + (s - 1), "rarn" + s + ".gate");
            rarn.put("rarn.fusion.gap" + (s - 1), "rarn.fusion.smooth" + (s - 1));
        }
        rarn.put("layer2.0.conv1", "rarn1.gate");
        rarn.put("rarn.fusion.up2", "rarn.fusion.lateral3");
        rarn.put("rarn.fusion.merge0", "rarn.fusion.lateral0");
        rarn.put("rarn.fusion.concat", "rarn.fusion.gap0");
        rarn.put("fc", "rarn.fusion.concat");
        m.put("resnet18-rarn", rarn);
        Map<String, String> resizer = new LinkedHashMap<>();
        resizer.put("resizer.skip", FerResNet.INPUT);
        resizer.put("resizer.conv1", FerResNet.INPUT);
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
    void everyIssue7VariantHasItsVerticesFitsOneStepAndRoundTrips() throws Exception {
        int classes = 5; // not the default 7
        for (Map.Entry<String, Map<String, String>> e : expectedWiring().entrySet()) {
            String ctx = e.getKey() + " at 48x48, batch 2";
            FerResNet zoo = FerModels.builder(e.getKey()).numClasses(classes).inputShape(3, 48, 48).seed(3).build();
            ComputationGraph g = zoo.init();
            ComputationGraphConfiguration conf = g.getConfiguration();
            for (Map.Entry<String, String> w : e.getValue().entrySet()) {
                assertTrue(conf.getVertices().containsKey(w.getKey()), ctx + " lacks " + w.getKey() + ": " + conf.getVertices().keySet());
                assertEquals(w.getValue(), conf.getVertexInputs().get(w.getKey()).get(0), ctx + ": input of " + w.getKey());
            }
            boolean gap = zoo.head() == FerResNet.Head.GAP, arm = zoo.head() == FerResNet.Head.ARM;
            assertEquals(gap, conf.getVertices().containsKey("avgpool"), ctx + ": avgpool only with the GAP head");
            assertEquals(arm, conf.getVertices().containsKey("arm.sa"), ctx + ": arm.* only with the ARM head");
            assertEquals(zoo.classifierInputs(), ((FeedForwardLayer) g.getLayer("fc").conf().getLayer()).getNIn(), ctx);

            DataSet ds = tiny(2, 48, classes);
            INDArray out = g.outputSingle(ds.getFeatures());
            assertArrayEquals(new long[]{2, classes}, out.shape(), ctx + ": output shape");
            INDArray before = g.params().dup();
            g.fit(ds);
            assertTrue(Double.isFinite(g.score()) && g.score() > 0, ctx + ": score " + g.score());
            assertNotEquals(before, g.params(), ctx + ": one step changed the parameters");
            Gradient grad = g.gradient();
            for (String p : g.paramTable().keySet()) {
                INDArray gp = grad.getGradientFor(p);
                assertTrue(gp != null && gp.norm1Number().doubleValue() > 0, ctx + ": parameter " + p + " got no gradient");
            }
            assertFalse(g.outputSingle(ds.getFeatures()).isNaN().any(), ctx + ": finite output after a step");

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
        // conv3x3 16 -> 1: 144  =>  102,608 (the same formula gives the issue's 57,756 at C = 96)
        assertEquals(trunk + 102_608L + fc7, ResNetArchitectureTest.trainable(FerModels.builder("resnet18-dsm").build().init()));
        // learnable resizer, 3 channels, 16 filters, 1 residual block: 12,083 (Talebi & Milanfar's count)
        assertEquals(trunk + 12_083L + fc7, ResNetArchitectureTest.trainable(FerModels.builder("resnet18-resizer").build().init()));
        // RARN attention at C: conv3x3 C*C*9 + BN 2C + spatial conv 2*49 + BN 2:
        //   C=64: 37,092; 128: 147,812; 256: 590,436; 512: 2,360,420
        // fusion, d = 256: laterals (64+128+256+512)*256 + 4*256 = 246,784; smoothing 4*(9*256*256 + 256) = 2,360,320
        // fc on 4*256 features: 1024*7 + 7 = 7,175
        long rarn = 37_092L + 147_812L + 590_436L + 2_360_420L;
        long fusion = 246_784L + 2_360_320L;
        assertEquals(trunk + rarn + fusion + 7_175L, ResNetArchitectureTest.trainable(FerModels.builder("resnet18-rarn").build().init()));
    }

    @Test
    void headsAndStagesAreChosenByBuilderAndNonsenseIsRejected() {
        FerResNet.Builder<ResNet> b = ResNet.builder().inputSize(48).numClasses(3);
        assertEquals(FerResNet.Head.GAP, b.build().head());
        assertEquals(FerResNet.Head.ARM, b.head(FerResNet.Head.ARM).build().head());
        assertEquals(ResNet18Arm.builder().build().getArmBlocks(), b.build().getArmBlocks(), "ARM head: FA+DA+SA by default");
        assertEquals(org.armfer.layers.ArmBlock.parseSet("DA+SA"),
                ResNet.builder().armBlocks("DA+SA").head("arm").build().getArmBlocks(), "ARM head keeps the blocks chosen");
        FerResNet fusion = b.head("rarn-fusion").build();
        assertEquals(FerResNet.Head.RARN_FUSION, fusion.head());
        assertTrue(fusion.getArmBlocks().isEmpty());
        assertEquals(RotationAwareFusion.builder().build(), fusion.getRarnFusion());
        assertEquals(4 * 256, fusion.classifierInputs());
        assertEquals(4 * 64, ResNet.builder().rarnFusion(RotationAwareFusion.builder().channels(64).build())
                .head(FerResNet.Head.RARN_FUSION).build().classifierInputs(), "RARN_FUSION keeps the fusion given");
        assertEquals(FerResNet.Head.GAP, b.head(FerResNet.Head.GAP).build().head());
        assertNull(b.build().getRarnFusion());

        // stages: defaults, explicit sets, removal
        DecomposedSpatialModulator dsm = DecomposedSpatialModulator.builder().kernelSize(5).reduction(4).dropout(0).build();
        assertEquals(FerResNet.DEFAULT_DSM_STAGES, ResNet.builder().dsm(dsm).build().getDsmStages());
        assertEquals(Set.of(3, 4), ResNet.builder().dsm(dsm, 4, 3, 4).build().getDsmStages());
        assertEquals(dsm, ResNet.builder().dsm(dsm, 1).build().getDsm());
        assertEquals(Set.of(), ResNet.builder().dsm(dsm, 1).dsm(null).build().getDsmStages());
        assertEquals(Set.of(1, 2, 3, 4), ResNet.builder().rarnAttention(RotationAwareAttention.builder().build()).build().getRarnStages());
        assertEquals(Set.of(2), ResNet.builder().rarnAttention(RotationAwareAttention.builder().build(), 2).build().getRarnStages());
        // a DSM without dropout ends at its gate, which the next stage reads
        ComputationGraphConfiguration conf = ResNet.builder().dsm(dsm, 1).inputSize(48).build().graphBuilder().build();
        assertEquals("dsm1.gate", conf.getVertexInputs().get("layer2.0.conv1").get(0));
        assertFalse(conf.getVertices().containsKey("dsm1.dropout_2"));
        // DSM and RARN after the same stage: DSM first
        conf = ResNet.builder().dsm(dsm, 3).rarnAttention(RotationAwareAttention.builder().build(), 3).inputSize(48).build()
                .graphBuilder().build();
        assertEquals("dsm3.gate", conf.getVertexInputs().get("rarn3.conv").get(0));
        assertEquals("rarn3.gate", conf.getVertexInputs().get("layer4.0.conv1").get(0));

        assertThrowsWith("Choose one head, not both ARM (armBlocks FA+DA+SA) and the RARN fusion; allowed: GAP",
                () -> FerModels.builder("resnet18-rarn").armBlocks("FA+DA+SA").build());
        assertThrowsWith("RARN_FUSION (rarnFusion", () -> FerModels.builder("resnet18-rarn").arm(ArmModule.builder().build()).build());
        assertThrowsWith("dsm: stage 5 does not exist; allowed: 1, 2, 3, 4", () -> ResNet.builder().dsm(dsm, 2, 5));
        assertThrowsWith("rarnAttention: stage 0 does not exist; allowed: 1, 2, 3, 4",
                () -> ResNet.builder().rarnAttention(RotationAwareAttention.builder().build(), 0));
        assertThrowsWith("dsm: stages [3] given without a block", () -> ResNet.builder().dsm(null, 3));
        assertThrowsWith("Unknown head 'fpn'; allowed: gap, arm, rarn_fusion", () -> ResNet.builder().head("fpn"));
        assertThrowsWith("head must be one of [GAP, ARM, RARN_FUSION]", () -> ResNet.builder().head((FerResNet.Head) null));
        assertThrowsWith("DSM after layer1 (64 channels): DecomposedSpatialModulator: reduction 128 leaves no hidden channel",
                () -> ResNet.builder().dsm(DecomposedSpatialModulator.builder().reduction(128).build(), 1).build());
        assertThrowsWith("learnableResizer input side must be >= 1, or 0 (no resizer), or -1", () -> ResNet.builder().learnableResizer(-2));
    }

    @Test
    void resizerTakesItsOwnInputSize() {
        FerResNet zoo = ResNet.builder().armBlocks("FA+DA+SA").inputSize(48).learnableResizer(64).numClasses(3).build();
        assertArrayEquals(new int[]{3, 64, 64}, zoo.networkInputShape());
        assertArrayEquals(new int[]{3, 64, 64}, zoo.metaData().getInputShape()[0]);
        assertArrayEquals(new int[]{3, 48, 48}, zoo.getInputShape(), "the trunk's input");
        assertEquals(144, zoo.classifierInputs(), "ARM geometry follows the trunk's 48x48, not the resizer's 64x64");
        ComputationGraph g = zoo.init();
        assertArrayEquals(new long[]{2, 3}, g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64)).shape());
        assertArrayEquals(new int[]{1, 40, 40}, FerModels.builder("resnet18-resizer").inputShape(1, 40, 40).build().networkInputShape(),
                "SAME_SIZE: the trunk's input");
        assertFalse(FerModels.builder("resnet18-resizer").learnableResizer(0).build().hasLearnableResizer());
    }

    @Test
    void torchWeightsExportLoadRoundTripAndBackboneLoadWithTheNewBlocks() {
        // one graph with every new block: resizer, DSM, RARN attention, fusion head
        FerResNet.Builder<ResNet> all = ResNet.builder().inputSize(48).numClasses(4).learnableResizer(FerResNet.SAME_SIZE)
                .dsm(DecomposedSpatialModulator.builder().build(), 2).rarnAttention(RotationAwareAttention.builder().build(), 3, 4)
                .head(FerResNet.Head.RARN_FUSION);
        ComputationGraph a = all.seed(1).build().init();
        Nd4j.getRandom().setSeed(11);
        for (Map.Entry<String, INDArray> e : a.paramTable().entrySet()) {
            INDArray r = Nd4j.rand(e.getValue().dataType(), e.getValue().shape());
            e.getValue().assign(e.getKey().endsWith("_var") ? r.addi(0.5) : r.subi(0.5));
        }
        Map<String, INDArray> sd = TorchWeights.export(a);
        for (String k : new String[]{"resizer.res0.conv1.weight", "resizer.bn1.running_var", "dsm2.conv1_rep.conv_kxk.weight",
                "dsm2.conv1_rep.bn_1x1.running_mean", "dsm2.conv2.weight", "rarn3.spatial_bn.bias", "rarn4.conv.weight",
                "rarn.fusion.lateral0.bias", "rarn.fusion.smooth3.weight", "fc.weight"}) {
            assertTrue(sd.containsKey(k), k + " exported: " + sd.keySet());
        }
        assertArrayEquals(new long[]{16, 128, 7, 7}, sd.get("dsm2.conv1_rep.conv_kxk.weight").shape(), "OIHW as PyTorch");
        ComputationGraph b = all.seed(2).build().init();
        assertNotEquals(a.params(), b.params());
        TorchWeights.Report r = TorchWeights.load(b, sd, TorchWeights.Scope.ALL, "export");
        assertEquals(b.paramTable().size(), r.loaded().size(), "strict: every parameter set");
        assertEquals(a.params(), b.params());

        // torchvision backbone weights load into a variant; the new blocks and the head are not backbone
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
    void prioredLabelSmoothingLossTrainsAVariantAndIsSavedWithIt() throws Exception {
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
        // the score of the restored model is the same loss on the same batch
        assertEquals(g.score(ds, false), back.score(ds, false), 1e-5, "same F-PDLS score after save/load");

        assertThrowsWith("The loss's prior matrix is 4x4 but numClasses is 7",
                () -> FerModels.builder("resnet18").loss(LossPDLS.pdls(d)).build());
    }
}
