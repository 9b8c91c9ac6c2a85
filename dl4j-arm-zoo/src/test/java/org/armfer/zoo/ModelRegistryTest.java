package org.armfer.zoo;

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
 * and heads (checked) repeated, and DL4J's per-layer cost makes one pass of theirs cost ~10-20 s of CPU here.
 */
class ModelRegistryTest {

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
        int classes = 5; // not the default 7
        FerModel m = FerModels.builder(name).build();
        assertEquals(name, m.modelName(), ctx + ": the registry key is the model's name");
        ComputationGraph g = FerModels.init(name, classes, size);
        String out = g.getConfiguration().getNetworkOutputs().get(0);
        assertEquals(classes, ((FeedForwardLayer) ((LayerVertex) g.getConfiguration().getVertices().get(out)).getLayerConf()
                .getLayer()).getNOut(), ctx + ": output width");
        int n = 2;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        y.putScalar(0, 1, 1.0);
        y.putScalar(1, 3, 1.0);

        INDArray before = g.outputSingle(false, x);
        assertArrayEquals(new long[]{n, classes}, before.shape(), ctx + ": output shape");
        assertFalse(before.isNaN().any() || before.isInfinite().any(), ctx + ": finite output");
        assertEquals(1.0, before.sum(1).getDouble(1), 1e-4, ctx + ": softmax rows sum to 1");

        if (size != 48 || m instanceof FerResNet r && r.getDepth().depth() > 50) {
            return;
        }
        // the gradient of one training-mode pass (no updater step: the updater's state would cost more than the pass)
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
