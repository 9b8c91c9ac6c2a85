package org.armfer.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two DL4J M2.1 SameDiff-layer defects that {@link org.armfer.layers.impl.QuietSameDiffLayer} mends: gradients
 * counted twice, and "Added differentiated op" lines on stdout.
 */
class SameDiffGradientFixTest {

    /** y = 3·x, a SameDiff layer; {@code plainDl4j} runs it on DL4J's own runtime layer instead of ours. */
    static final class Times3 extends AbstractCnnSameDiffLayer {
        private boolean plainDl4j;

        Times3(boolean plainDl4j) {
            super(new FeatureArrangement.Builder());
            this.plainDl4j = plainDl4j;
        }

        private Times3() {
        }

        public boolean isPlainDl4j() {
            return plainDl4j;
        }

        @Override
        public long[] outputShape(long c, long h, long w) {
            return new long[]{c, h, w};
        }

        @Override
        public void defineParameters(SDLayerParams params) {
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
            return in.mul(3.0);
        }

        @Override
        public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> l,
                int idx, INDArray view, boolean init, DataType dt) {
            if (!plainDl4j) {
                return super.instantiate(conf, l, idx, view, init, dt);
            }
            org.deeplearning4j.nn.layers.samediff.SameDiffLayer ret = new org.deeplearning4j.nn.layers.samediff.SameDiffLayer(conf, dt);
            ret.setIndex(idx);
            ret.setParamsViewArray(view);
            ret.setParamTable(initializer().init(conf, view, init));
            ret.setConf(conf);
            return ret;
        }
    }

    private static INDArray gradient(boolean plainDl4j, INDArray x, INDArray eps) {
        ComputationGraph g = TestGraphs.single(new Times3(plainDl4j), 2, 3, 4, DataType.FLOAT);
        return TestGraphs.inputGradient(g, x, eps);
    }

    @Test
    void inputGradientIsCountedOnce() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 3, 4);
        INDArray eps = Nd4j.rand(DataType.FLOAT, 2, 2, 3, 4);
        assertEquals(eps.mul(3.0), gradient(false, x, eps), "armfer runtime: dL/dx = 3·eps");
        // DL4J M2.1's own runtime doubles it; when this fails DL4J was fixed and the mend is no longer needed
        assertEquals(eps.mul(6.0), gradient(true, x, eps), "DL4J M2.1 runtime: dL/dx = 2·3·eps (the defect)");
    }

    @Test
    void noSameDiffChatterOnStdout() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            gradient(false, Nd4j.rand(DataType.FLOAT, 1, 2, 3, 4), Nd4j.rand(DataType.FLOAT, 1, 2, 3, 4));
            System.out.println("a line of the user's own");
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("Added differentiated op"), out);
        assertTrue(out.contains("a line of the user's own"), "other output still reaches stdout: " + out);
        assertEquals(original, System.out);
    }
}
