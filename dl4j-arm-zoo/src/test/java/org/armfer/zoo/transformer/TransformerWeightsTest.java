package org.armfer.zoo.transformer;

import org.armfer.zoo.Npz;
import org.armfer.zoo.TorchWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torchvision state dicts in and out of the transformer graphs: export -> .npz -> load is exact, the import is
 * strict (a missing, unused, misshapen or doubled key fails naming it, and nothing changes), the older ViT MLP names
 * load, a trunk-only import fills the transformer of a pipeline and leaves the rest, the bicubic resampling is
 * PyTorch's. (Parity with torchvision's own models: TransformerParityTest.)
 */
@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
class TransformerWeightsTest {

    private static final ViTConfig VIT = new ViTConfig("vit-mini", 8, 16, 2, 2, 24);
    private static final SwinConfig SWIN = new SwinConfig("swin-mini", 4, 8, List.of(2, 2), List.of(2, 4), 3, 0.1);

    private static ComputationGraph vit(long seed) {
        return VisionTransformer.builder().config(VIT).numClasses(3).inputSize(32).seed(seed).build().init();
    }

    private static ComputationGraph swin(long seed) {
        return SwinTransformer.builder().config(SWIN).numClasses(3).inputSize(24).seed(seed).build().init();
    }

    private static void randomise(ComputationGraph g) {
        Nd4j.getRandom().setSeed(9);
        g.params().assign(Nd4j.rand(DataType.FLOAT, g.params().shape()).subi(0.5));
    }

    @Test
    void exportedWeightsLoadBackExactly(@TempDir Path dir) throws Exception {
        for (ComputationGraph[] pair : new ComputationGraph[][]{{vit(1), vit(2)}, {swin(1), swin(2)}}) {
            ComputationGraph a = pair[0], b = pair[1];
            randomise(a);
            Map<String, INDArray> state = TransformerWeights.export(a);
            Path file = dir.resolve("w.npz");
            Npz.write(file, state);
            TorchWeights.Report r = TorchWeights.load(b, file);
            assertEquals(a.paramTable().size(), r.loaded().size());
            assertEquals(a.params(), b.params());
            boolean isSwin = a.getConfiguration().getVertices().containsKey(SwinConfig.PATCH_EMBED);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, isSwin ? 24 : 32, isSwin ? 24 : 32);
            if (isSwin) {
                assertTrue(state.containsKey("features.1.0.attn.relative_position_index"), "buffers exported for load_state_dict");
                assertEquals(DataType.LONG, state.get("features.1.0.attn.relative_position_index").dataType());
            } else {
                assertArrayEquals(new long[]{1, 1, 16}, state.get("class_token").shape(), "PyTorch's shapes");
                assertArrayEquals(new long[]{3, 16}, state.get("heads.head.weight").shape(), "Linear [out, in]");
            }
            assertEquals(a.outputSingle(x), b.outputSingle(x));
        }
    }

    private static String loadFails(ComputationGraph g, Map<String, INDArray> state) {
        INDArray before = g.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchWeights.load(g, state, TorchWeights.Scope.ALL, "test.npz"));
        assertEquals(before, g.params(), "nothing changed: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void theImportIsStrict() {
        ComputationGraph a = vit(1);
        randomise(a);
        Map<String, INDArray> good = TransformerWeights.export(a);
        ComputationGraph b = vit(2);

        Map<String, INDArray> missing = new LinkedHashMap<>(good);
        missing.remove("encoder.layers.encoder_layer_1.self_attention.in_proj_bias");
        String m = loadFails(b, missing);
        assertTrue(m.contains("missing") && m.contains("encoder.layers.encoder_layer_1_qkvb")
                && m.contains("encoder.layers.encoder_layer_1.self_attention.in_proj_bias"), m);

        Map<String, INDArray> unused = new LinkedHashMap<>(good);
        unused.put("encoder.layers.encoder_layer_2.ln_1.weight", Nd4j.ones(16));
        m = loadFails(b, unused);
        assertTrue(m.contains("unused key 'encoder.layers.encoder_layer_2.ln_1.weight'"), m);

        Map<String, INDArray> shape = new LinkedHashMap<>(good);
        shape.put("conv_proj.weight", Nd4j.zeros(DataType.FLOAT, 16, 3, 4, 4));
        m = loadFails(b, shape);
        assertTrue(m.contains("shape mismatch for 'conv_proj.weight'") && m.contains("[16, 3, 4, 4]") && m.contains("[16, 3, 8, 8]"), m);

        Map<String, INDArray> doubled = new LinkedHashMap<>(good);
        doubled.put("encoder.layers.encoder_layer_0.mlp.linear_1.weight", good.get("encoder.layers.encoder_layer_0.mlp.0.weight"));
        m = loadFails(b, doubled);
        assertTrue(m.contains("both set encoder.layers.encoder_layer_0_fc1W"), m);

        // torchvision's older MLP key names load (it renames them itself when it loads its own ViT files)
        Map<String, INDArray> legacy = new LinkedHashMap<>();
        good.forEach((k, v) -> legacy.put(k.replace(".mlp.0.", ".mlp.linear_1.").replace(".mlp.3.", ".mlp.linear_2."), v));
        TorchWeights.load(b, legacy, TorchWeights.Scope.ALL, "legacy");
        assertEquals(a.params(), b.params());

        Map<String, INDArray> nan = new LinkedHashMap<>(good);
        INDArray w = good.get("conv_proj.weight").dup();
        w.putScalar(0, Float.NaN);
        w.putScalar(1, Float.POSITIVE_INFINITY);
        nan.put("conv_proj.weight", w);
        m = loadFails(b, nan);
        assertTrue(m.contains("'conv_proj.weight' holds 2 NaN or infinite values (of " + w.length() + ")"), m);

        ComputationGraph s = swin(1);
        Map<String, INDArray> wrongIndex = TransformerWeights.export(s);
        wrongIndex.put("features.1.0.attn.relative_position_index", Nd4j.zeros(DataType.LONG, 81));
        m = loadFails(swin(2), wrongIndex);
        assertTrue(m.contains("features.1.0.attn.relative_position_index") && m.contains("window size"), m);
    }

    @Test
    void aTrunkOnlyImportFillsThePipelinesTransformerAndLeavesTheRest() {
        ComputationGraph src = SwinTransformer.builder().config(SWIN).numClasses(1000).inputSize(24).build().init();
        randomise(src);
        Map<String, INDArray> imagenet = TransformerWeights.export(src);
        ComputationGraph p = NeuralResizerTransformer.builder().backbone(SWIN).transformerSize(24).inputSize(12)
                .superResolutionScale(3).resizer(4, 1).numClasses(8).build().init();
        INDArray headBefore = p.getParam("head.0_W").dup();
        INDArray resizerBefore = p.getParam("resizer.conv1_W").dup();
        TorchWeights.Report r = TorchWeights.load(p, imagenet, TorchWeights.Scope.BACKBONE, "swin-mini ImageNet-style state");
        assertTrue(r.skipped().contains("head.weight") && r.skipped().contains("head.bias"), "ImageNet classifier skipped");
        assertEquals(src.getParam("features.3.1_qkvW"), p.getParam("features.3.1_qkvW"));
        assertEquals(src.getParam("norm_g"), p.getParam("norm_g"));
        assertEquals(headBefore, p.getParam("head.0_W"), "the reference head keeps its initialisation");
        assertEquals(resizerBefore, p.getParam("resizer.conv1_W"), "the resizer keeps its initialisation");
        // a full import of the same file into the pipeline is refused: the pipeline has no 1000-class head.weight
        String m = loadFails(p, imagenet);
        assertTrue(m.contains("unused key 'head.weight'") && m.contains("missing: graph parameter resizer.conv1_W"), m);
    }

    @Test
    void bicubicResamplingIsPyTorchs() {
        double[][] same = TransformerWeights.bicubicMatrix(5, 5);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(i == j ? 1.0 : 0.0, same[i][j], 1e-12, "same size: identity");
            }
        }
        double[][] up = TransformerWeights.bicubicMatrix(14, 3);
        for (double[] row : up) {
            assertEquals(1.0, java.util.Arrays.stream(row).sum(), 1e-12, "rows sum to 1");
        }
        assertEquals(1.0, up[0][0], 1e-12, "align_corners=True: the corners are kept");
        assertEquals(1.0, up[2][13], 1e-12);
        INDArray pos = Nd4j.rand(DataType.FLOAT, 1, 1 + 14 * 14, 4);
        INDArray small = TransformerWeights.interpolatePositionEmbedding(pos, 1 + 3 * 3);
        assertArrayEquals(new long[]{1, 10, 4}, small.shape());
        assertEquals(pos.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0)),
                small.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0)),
                "the class token's embedding is kept");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransformerWeights.interpolatePositionEmbedding(Nd4j.rand(DataType.FLOAT, 1, 11, 4), 10));
        assertTrue(e.getMessage().contains("10 patch tokens"), e.getMessage());
    }
}
