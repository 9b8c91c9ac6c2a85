package org.armfer.zoo.transformer;

import org.armfer.layers.loss.LossPDLS;
import org.armfer.layers.loss.ReferencePriors;
import org.armfer.layers.transformer.SwinBlock;
import org.armfer.zoo.FerModel;
import org.armfer.zoo.FerModels;
import org.armfer.zoo.ModelEntry;
import org.armfer.zoo.PretrainedWeights;
import org.armfer.zoo.ReferenceRecipe;
import org.armfer.zoo.ReferenceRecipes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer zoo models and their registry entries: parameter counts equal torchvision's for every configuration
 * (computed from the configuration, nothing initialised), every entry's sizes and recipe, the registry's builder puts
 * FerModel.Builder's settings (classes, input, seed, updater, weight decay) into the configuration, no ARM head, the
 * neural-resizer pipeline really resizes, its default loss is the reference's F-PDLS, the reference recipe, errors for
 * bad settings.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
public class TransformerModelsTest {

    /** Trainable parameters of a graph configuration, from its layers' initialisers. */
    static long numParams(ComputationGraphConfiguration conf) {
        long n = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex) {
                NeuralNetConfiguration c = ((LayerVertex) v).getLayerConf();
                n += c.getLayer().initializer().numParams(c);
            }
        }
        return n;
    }

    private static ComputationGraphConfiguration conf(TransformerZooModel m) {
        return m.graphBuilder().build();
    }

    @Test
    void parameterCountsEqualTorchvisions() {
        // torchvision 0.14's num_params of its ImageNet weights (1000 classes); ViT-Ti/S as torchvision's
        // VisionTransformer(224, 16, 12, heads, width, mlp) counts them (DeiT-Ti / DeiT-S)
        Map<ViTConfig, Long> vit = Map.of(ViTConfig.B16, 86_567_656L, ViTConfig.S16, 22_050_664L, ViTConfig.TI16, 5_717_416L);
        vit.forEach((c, n) -> assertEquals((long) n, numParams(conf(VisionTransformer.builder().config(c).numClasses(1000)
                .inputSize(224).build())), c.name()));
        Map<SwinConfig, Long> swin = Map.of(SwinConfig.T, 28_288_354L, SwinConfig.S, 49_606_258L, SwinConfig.B, 87_768_224L);
        swin.forEach((c, n) -> assertEquals((long) n, numParams(conf(SwinTransformer.builder().config(c).numClasses(1000)
                .inputSize(224).build())), c.name()));
    }

    @Test
    void swinBlocksFollowTorchvisionsSchedule() {
        ComputationGraphConfiguration c = conf(SwinTransformer.builder().config(SwinConfig.T).inputSize(224).build());
        SwinBlock first = (SwinBlock) ((LayerVertex) c.getVertices().get("features.1.0")).getLayerConf().getLayer();
        SwinBlock second = (SwinBlock) ((LayerVertex) c.getVertices().get("features.1.1")).getLayerConf().getLayer();
        SwinBlock last = (SwinBlock) ((LayerVertex) c.getVertices().get("features.7.1")).getLayerConf().getLayer();
        assertEquals(0, first.getShiftSize());
        assertEquals(3, second.getShiftSize(), "every second block shifted by ws/2");
        assertEquals(0.0, first.getStochasticDepth(), 1e-12);
        assertEquals(0.2 / 11, second.getStochasticDepth(), 1e-12, "0.2 · 1/11");
        assertEquals(0.2, last.getStochasticDepth(), 1e-12);
        assertEquals(7, last.getInHeight(), "224 / 4 / 2 / 2 / 2");
        assertEquals(768, last.getInDim());
    }

    public static final List<String> NAMES = List.of("vit-ti16", "vit-s16", "vit-b16", "swin-t", "swin-s", "swin-b", "vit-b16-nr",
            "swin-t-nr", "swin-s-nr", "swin-b-nr", "swin-b-nr-stn", "vit-ti16-nr64");

    @Test
    void theRegistryHoldsEveryTransformerWithItsSizesAndRecipe() {
        List<String> all = FerModels.names();
        assertEquals(NAMES, all.subList(all.size() - NAMES.size(), all.size()), "registered after armfer's CNNs, in order");
        for (String name : NAMES) {
            boolean nr = name.contains("-nr");
            ModelEntry e = FerModels.entry(name);
            assertEquals(nr ? 48 : 224, e.defaultInputSize(), name + ": default input");
            assertEquals(nr ? TransformerModels.NR_MIN_INPUT : name.startsWith("vit") ? 16 : 4, e.minInputSize(), name);
            assertEquals(nr ? "vt-nr-ferplus" : null, e.recipe(), name + ": recipe");
            int side = nr ? 48 : 112;
            // the builder the training library uses: FerModel.Builder's settings go into the configuration
            FerModel m = FerModels.builder(name).numClasses(nr ? 8 : 5).inputSize(side).seed(7).updater(new Adam(3e-4))
                    .weightDecay(5e-4).build();
            assertEquals(name, m.modelName(), name + ": the registry key is the model's name");
            Class<?> type = nr ? NeuralResizerTransformer.class : name.startsWith("vit") ? VisionTransformer.class
                    : SwinTransformer.class;
            assertEquals(type, m.getClass(), name);
            assertFalse(m.hasArm(), name);
            ComputationGraphConfiguration c = m.conf();
            assertArrayEquals(new int[]{3, side, side}, m.getInputShape(), name + ": input");
            assertArrayEquals(new int[][]{{3, side, side}}, m.metaData().getInputShape(), name + ": ZooModel metadata");
            assertEquals(7L, c.getDefaultConfiguration().getSeed(), name + ": seed");
            String out = c.getNetworkOutputs().get(0);
            BaseOutputLayer o = (BaseOutputLayer) ((LayerVertex) c.getVertices().get(out)).getLayerConf().getLayer();
            assertEquals(nr ? 8 : 5, o.getNOut(), name + ": classes");
            assertEquals(m.classifierInputs(), ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) ((LayerVertex) c.getVertices()
                    .get(nr ? "head.0" : out)).getLayerConf().getLayer()).getNIn(), name + ": classifier inputs");
            assertEquals(new Adam(3e-4), o.getIUpdater(), name + ": updater");
            org.armfer.layers.transformer.TokenLayer block = (org.armfer.layers.transformer.TokenLayer) ((LayerVertex) c.getVertices()
                    .get(name.contains("vit") ? ViTConfig.BLOCK_PREFIX + "0" : "features.1.0")).getLayerConf().getLayer();
            assertEquals(new Adam(3e-4), block.getUpdater(), name + ": the transformer blocks' updater");
            assertEquals(List.of(new org.armfer.fast.FastWeightDecay(5e-4, true)), block.getRegularization(),
                    name + ": decoupled weight decay on the blocks' weight matrices");
            assertTrue(block.getRegularizationBias() == null || block.getRegularizationBias().isEmpty(), name + ": none on"
                    + " biases, norms and embeddings");
            if (nr) {
                NeuralResizerTransformer p = (NeuralResizerTransformer) m;
                int t = name.equals("vit-ti16-nr64") ? 64 : 224;
                assertEquals(t == 64 ? 96 : 384, p.superResolvedSide(), name + ": super-resolution of 48");
                assertEquals(t, p.getTransformerSize(), name);
                assertEquals(name.endsWith("-stn"), c.getVertices().containsKey("stn.sample"), name + ": STN");
                LossPDLS loss = assertInstanceOf(LossPDLS.class, o.getLossFn(), name + ": F-PDLS by default");
                assertEquals(0.8, loss.getAlpha());
                assertEquals(2.0, loss.getGamma());
            } else {
                assertInstanceOf(org.nd4j.linalg.lossfunctions.impl.LossMCXENT.class, o.getLossFn(), name);
            }
            // the defaults where FerModel.Builder's are the ResNets': Adam(1e-4), no weight decay
            FerModel d = FerModels.builder(name).build();
            assertEquals(new Adam(1e-4), d.getUpdater(), name + ": default updater");
            assertEquals(0.0, d.getWeightDecay(), name + ": default weight decay");
            // no head or stage for armfer's blocks
            IllegalArgumentException arm = assertThrows(IllegalArgumentException.class,
                    () -> FerModels.builder(name).armBlocks("FA+DA+SA").build());
            assertTrue(arm.getMessage().contains(name) && arm.getMessage().contains("transformer"), arm.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FerModels.entry("vit-h14"));
        assertTrue(e.getMessage().contains("vit-h14") && e.getMessage().contains("swin-b-nr-stn"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FerModels.init("vit-b16", 7, 100));
        assertTrue(e.getMessage().contains("100x100") && e.getMessage().contains("16"), e.getMessage());
    }

    @Test
    void setInputShapeRebuildsForTheNewSize() {
        FerModel m = FerModels.builder("vit-ti16").build();
        m.setInputShape(new int[][]{{3, 48, 48}});
        assertEquals(1 + 9, ((org.armfer.layers.transformer.TokenLayer) ((LayerVertex) m.conf().getVertices()
                .get(ViTConfig.BLOCK_PREFIX + "0")).getLayerConf().getLayer()).getInTokens(), "class token + 3x3 patches");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.setInputShape(new int[][]{{3, 50, 50}}));
        assertTrue(e.getMessage().contains("50x50"), e.getMessage());
        assertArrayEquals(new int[]{3, 48, 48}, m.getInputShape(), "a refused shape leaves the model as it was");
        NeuralResizerTransformer p = (NeuralResizerTransformer) FerModels.builder("swin-t-nr").build();
        p.setInputShape(new int[][]{{3, 100, 100}});
        assertEquals(4, p.getScale(), "RAF-DB's 100: x4 to 400");
    }

    /** A small pipeline that runs on two cores: ViT 32x32 behind x3 super-resolution of a 14x14 face, with STN. */
    private static NeuralResizerTransformer smallPipeline(NeuralResizerTransformer.Upscaling up) {
        return NeuralResizerTransformer.builder().backbone(new ViTConfig("vit-mini", 8, 16, 1, 2, 32)).transformerSize(32)
                .upscaling(up).superResolutionScale(3).spatialTransformer(true).resizer(4, 1).headShape(8, 0.5)
                .numClasses(7).inputSize(14).updater(new Adam(1e-3)).build();
    }

    @Test
    void theResizerReallyResizesFromTheSuperResolvedImageToTheTransformersInput() throws Exception {
        NeuralResizerTransformer p = smallPipeline(NeuralResizerTransformer.Upscaling.LEARNED);
        ComputationGraph g = p.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 14, 14);
        Map<String, INDArray> a = g.feedForward(x, false);
        assertArrayEquals(new long[]{2, 3, 42, 42}, a.get("sr.out").shape(), "x3 super-resolution");
        assertArrayEquals(new long[]{2, 3, 42, 42}, a.get("stn.sample").shape(), "STN keeps the size");
        assertArrayEquals(new long[]{2, 3, 32, 32}, a.get("resizer.out").shape(), "resizer: 42 -> 32, the transformer's input");
        assertNotEquals(42, a.get("resizer.out").size(2));
        assertArrayEquals(new long[]{2, 7}, g.outputSingle(x).shape());
        assertEquals("vit-mini-nr-stn", p.modelName());
        // the default loss is the reference's F-PDLS, prior in canonical order
        LossPDLS loss = (LossPDLS) p.getLoss();
        assertEquals(0.8, loss.getAlpha());
        assertEquals(2.0, loss.getGamma());
        assertArrayEquals(ReferencePriors.ferPlus(7), loss.getPrior());
        // saves and loads, trains: every parameter of every stage moves in a few steps
        assertSaveLoadRoundTrip(g, x, "small NR pipeline");
        INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 7);
        y.putScalar(0, 3, 1.0);
        y.putScalar(1, 5, 1.0);
        Map<String, INDArray> before = new java.util.LinkedHashMap<>();
        g.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        for (int i = 0; i < 3; i++) {
            g.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        }
        for (String prefix : new String[]{"sr.conv1_W", "stn.localization.0_W", "stn.fc_loc.2_W", "resizer.conv1_W",
                "conv_proj_W", "encoder.layers.encoder_layer_0_qkvW", "head.0_W", "head.4_W"}) {
            assertTrue(!before.get(prefix).equals(g.getParam(prefix)), prefix + " did not change in 3 steps");
        }
    }

    @Test
    void theDefaultSuperResolutionFactorFollowsTheReference() {
        assertEquals(8, NeuralResizerTransformer.defaultScale(48, 224), "FER+ 48 -> 384 -> 224 (Rescale.py's 0.584)");
        assertEquals(4, NeuralResizerTransformer.defaultScale(100, 224), "RAF-DB 100 -> 400");
        assertEquals(2, NeuralResizerTransformer.defaultScale(224, 224));
        NeuralResizerTransformer none = NeuralResizerTransformer.builder().upscaling(NeuralResizerTransformer.Upscaling.NONE)
                .inputSize(384).build();
        assertEquals(384, none.superResolvedSide(), "images super-resolved offline");
        ComputationGraphConfiguration bilinear = smallPipeline(NeuralResizerTransformer.Upscaling.BILINEAR).graphBuilder().build();
        assertTrue(bilinear.getVertices().containsKey("sr.out") && !bilinear.getVertices().containsKey("sr.conv1"),
                "bilinear up-scaling: one Resize2D, no learned layers");
    }

    @Test
    void badSettingsFailNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VisionTransformer.builder().config(ViTConfig.B16).inputSize(100).build());
        assertTrue(e.getMessage().contains("100x100") && e.getMessage().contains("16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VisionTransformer.builder().numClasses(0));
        e = assertThrows(IllegalArgumentException.class, () -> NeuralResizerTransformer.builder().numClasses(5).build());
        assertTrue(e.getMessage().contains("numClasses is 5") && e.getMessage().contains("loss("), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NeuralResizerTransformer.builder().numClasses(7)
                .loss(LossPDLS.referenceFocal(8)).build());
        assertTrue(e.getMessage().contains("8x8") && e.getMessage().contains("7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ViTConfig("bad", 16, 100, 1, 3, 10));
        assertTrue(e.getMessage().contains("100") && e.getMessage().contains("3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SwinConfig("bad", 4, 96, List.of(2, 2), List.of(3), 7, 0.1));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void theReferenceRecipeIsTheReferencesRun() {
        ReferenceRecipe r = ReferenceRecipes.get("vt-nr-ferplus");
        assertEquals("swin-b-nr-stn", r.model());
        assertEquals(ReferenceRecipe.Optimizer.ADAM, r.optimizer());
        assertEquals(1e-4, r.learningRate());
        assertEquals(0.0, r.weightDecay());
        assertEquals(64, r.batchSize());
        assertEquals(100, r.epochs());
        assertEquals(48, r.inputSize());
        // StepLR(15, 0.25)
        assertEquals(1e-4, r.schedule().at(1e-4, 14), 1e-15);
        assertEquals(2.5e-5, r.schedule().at(1e-4, 15), 1e-15);
        assertEquals(1e-4 * Math.pow(0.25, 6), r.schedule().at(1e-4, 99), 1e-18);
        assertTrue(r.loss().contains("0.8") && r.loss().contains("2"), r.loss());
        assertEquals(0.8, LossPDLS.FPDLS_ALPHA);
        assertEquals(2.0, LossPDLS.FPDLS_GAMMA);
    }

    @Test
    void theReferencePriorIsThePapersInCanonicalOrder() {
        double[][] ref = ReferencePriors.ferPlusReferenceOrder();   // neutral, happiness, surprise, sadness, anger, disgust, fear, contempt
        double[][] d = ReferencePriors.ferPlus(8);                // neutral, happiness, sadness, surprise, fear, disgust, anger, contempt
        for (double[] row : d) {
            assertEquals(1.0, java.util.Arrays.stream(row).sum(), 1e-12);
        }
        double sadnessRowSum = java.util.Arrays.stream(ref[3]).sum();
        assertEquals(ref[3][2] / sadnessRowSum, d[2][3], 1e-12, "sadness -> surprise");
        assertEquals(ref[4][6] / java.util.Arrays.stream(ref[4]).sum(), d[6][4], 1e-12, "anger -> fear");
        double[][] d7 = ReferencePriors.ferPlus(7);
        assertEquals(7, d7.length);
        assertEquals(d[0][1] / (1 - d[0][7]), d7[0][1], 1e-12, "contempt dropped, row renormalised");
        assertThrows(IllegalArgumentException.class, () -> ReferencePriors.ferPlus(6));
    }

    @Test
    void pretrainedTransformerFilesAreTorchvisions() throws Exception {
        // torchvision 0.14's own sources name these files (<name>-<8 hex of sha256>.pth)
        Path models = Path.of("/usr/lib/python3/dist-packages/torchvision/models");
        String sources = Files.readString(models.resolve("vision_transformer.py")) + Files.readString(models.resolve("swin_transformer.py"));
        int transformers = 0;
        for (PretrainedWeights w : PretrainedWeights.values()) {
            if (w.torchvisionModel().startsWith("resnet")) {
                continue;
            }
            transformers++;
            assertTrue(sources.contains("url=\"" + w.source() + "\""), w + ": " + w.source() + " is not in torchvision 0.14's sources");
            assertTrue(FerModels.names().contains(w.armferModel()), w.toString());
        }
        assertEquals(4, transformers, "vit_b_16, swin_t, swin_s, swin_b");
    }

    /** ModelSerializer round trip: the configuration JSON, the parameters and the inference output are equal. */
    private static void assertSaveLoadRoundTrip(ComputationGraph g, INDArray x, String ctx) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(g, bytes, true);
        ComputationGraph back = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                new java.io.ByteArrayInputStream(bytes.toByteArray()), true);
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson(), ctx + ": configuration JSON");
        assertEquals(g.params(), back.params(), ctx + ": parameters");
        assertEquals(g.outputSingle(false, x), back.outputSingle(false, x), ctx + ": output after save/load");
    }
}
