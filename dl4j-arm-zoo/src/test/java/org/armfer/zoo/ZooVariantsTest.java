package org.armfer.zoo;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every registered variant (depths x Table 2 block sets x input sizes), the way timm's test_models loops. */
class ZooVariantsTest {

    static List<ZooVariants.Variant> variants() {
        return ZooVariants.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void buildsFitsAndHasGradientsEverywhere(ZooVariants.Variant v) {
        String ctx = v.toString();
        int classes = 5; // not the default 7
        FerResNet model = v.builder().numClasses(classes).seed(3).build();
        ComputationGraph g = model.init();
        int n = 2;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, v.inputSize(), v.inputSize());
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        y.putScalar(0, 1, 1.0);
        y.putScalar(1, 3, 1.0);

        INDArray out = g.outputSingle(x);
        assertArrayEquals(new long[]{n, classes}, out.shape(), ctx + ": output shape");
        assertFalse(out.isNaN().any() || out.isInfinite().any(), ctx + ": finite output");
        assertEquals(model.classifierInputs(), ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) g.getLayer(FerResNet.FC)
                .conf().getLayer()).getNIn(), ctx + ": classifier inputs");

        g.fit(new DataSet(x, y));
        assertTrue(Double.isFinite(g.score()), ctx + ": finite loss");
        Gradient grad = g.gradient();
        for (Map.Entry<String, INDArray> p : g.paramTable().entrySet()) {
            INDArray gp = grad.getGradientFor(p.getKey());
            assertTrue(gp != null && gp.norm1Number().doubleValue() > 0, ctx + ": parameter " + p.getKey() + " got no gradient");
        }
        INDArray after = g.outputSingle(x);
        assertFalse(after.isNaN().any(), ctx + ": finite output after a step");
    }
}
