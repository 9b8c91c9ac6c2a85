package org.armfer.zoo;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered model, the way timm's test_models loops: {@code FerModels.init(name, 5, size)} at the model's default
 * size and at 48x48 (every registered architecture takes 48: the ResNets reduce it to 2x2, DeSpaM's network to 6x6),
 * batch 2: the batch dimension and a non-default number of classes in the output, no NaN, and the built model's name
 * is its registry name; at 48x48 also a finite loss and a gradient for every parameter (the trunk's parameters are the
 * same at every input size; one backward pass of the big models at their default size would cost more than the loop).
 * The gradient pass is left out for ResNet-101 and ResNet-152 and their heads: they are ResNet-50's Bottleneck blocks
 * and heads (checked) repeated, and DL4J's per-layer cost makes one pass of theirs cost ~10-20 s of CPU here; for the
 * transformers it runs on the smallest of each kind ({@link #GRADIENT_CHECKED_TRANSFORMERS}).
 */
class ModelRegistryTest {

    /**
     * The transformers whose gradient pass runs: the smallest of each kind. The others repeat their blocks wider or
     * deeper (ViT-S/B: ViT-Ti's encoder block; Swin-S/B: Swin-T's blocks and merging), and every -nr pipeline is
     * vit-ti16-nr64's super-resolution, resizer and head on one of those trunks at 224 (the STN's gradients are
     * TransformerModelsTest's).
     */
    static final java.util.Set<String> GRADIENT_CHECKED_TRANSFORMERS = java.util.Set.of("vit-ti16", "swin-t", "vit-ti16-nr64");

    static List<Arguments> models() {
        List<Arguments> out = new ArrayList<>();
        for (String name : FerModels.names()) {
            ModelEntry e = FerModels.entry(name);
            out.add(Arguments.of(name, e.defaultInputSize()));
            if (e.defaultInputSize() != 48 && 48 >= e.minInputSize()) {
                out.add(Arguments.of(name, 48));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} at {1}x{1}")
    @MethodSource("models")
    void buildsFitsAndHasGradientsEverywhere(String name, int size) {
        String ctx = name + " at " + size + "x" + size;
        // not the default 7; the -nr pipelines' default F-PDLS has the reference's prior, for 7 or 8 classes (FER+: 8)
        int classes = name.contains("-nr") ? 8 : 5;
        FerModel m = FerModels.builder(name).build();
        assertEquals(name, m.modelName(), ctx + ": the registry key is the model's name");
        boolean transformer = m instanceof org.armfer.zoo.transformer.TransformerZooModel;
        if (transformer && !GRADIENT_CHECKED_TRANSFORMERS.contains(name) && (size != 48 || name.contains("-nr"))) {
            // the big transformers at 224 (and every -nr pipeline, whose trunk always runs at 224): the configuration
            // only; their blocks run in the small models' passes and in the parity tests at 224
            ComputationGraphConfiguration c = FerModels.builder(name).numClasses(classes).inputSize(size).build().conf();
            String out = c.getNetworkOutputs().get(0);
            assertEquals(classes, ((FeedForwardLayer) ((LayerVertex) c.getVertices().get(out)).getLayerConf().getLayer())
                    .getNOut(), ctx + ": output width");
            return;
        }
        ComputationGraph g = FerModels.init(name, classes, size);
        String out = g.getConfiguration().getNetworkOutputs().get(0);
        assertEquals(classes, ((FeedForwardLayer) ((LayerVertex) g.getConfiguration().getVertices().get(out)).getLayerConf()
                .getLayer()).getNOut(), ctx + ": output width");
        // batch 8 for the transformers' gradient pass: their stochastic depth skips a block for whole examples (p up to
        // 0.2 in Swin-T), which for both examples of a batch of 2 would leave that block without a gradient
        int n = transformer && size == 48 && GRADIENT_CHECKED_TRANSFORMERS.contains(name) ? 8 : 2;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 2 == 0 ? 1 : 3, 1.0);
        }

        INDArray before = g.outputSingle(false, x);
        assertArrayEquals(new long[]{n, classes}, before.shape(), ctx + ": output shape");
        assertFalse(before.isNaN().any() || before.isInfinite().any(), ctx + ": finite output");
        assertEquals(1.0, before.sum(1).getDouble(1), 1e-4, ctx + ": softmax rows sum to 1");

        if (size != 48 || m instanceof FerResNet r && r.getDepth().depth() > 50 || !GRADIENT_CHECKED_TRANSFORMERS.contains(name)
                && m instanceof org.armfer.zoo.transformer.TransformerZooModel) {
            return;
        }
        // the gradient of one training-mode pass (no updater step: the updater's state would cost more than the pass)
        if (transformer) {
            // zero-initialised weights (ViT's head, as torchvision's; the super-resolution's last convolution, so that it
            // starts as bilinear up-scaling) stop every gradient before them at initialisation: give them small values
            Nd4j.getRandom().setSeed(6);
            for (INDArray p : g.paramTable().values()) {
                if (p.length() > 1 && p.amaxNumber().doubleValue() == 0) {
                    p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(0.02));
                }
            }
        }
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        assertTrue(Double.isFinite(g.score()) && g.score() > 0, ctx + ": finite loss " + g.score());
        Gradient grad = g.gradient();
        for (Map.Entry<String, INDArray> p : g.paramTable().entrySet()) {
            INDArray gp = grad.getGradientFor(p.getKey());
            assertTrue(gp != null && gp.norm1Number().doubleValue() > 0, ctx + ": parameter " + p.getKey() + " got no gradient");
            assertFalse(gp.isNaN().any(), ctx + ": parameter " + p.getKey() + " has a NaN gradient");
        }
    }
}
