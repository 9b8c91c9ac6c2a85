package org.armfer.zoo;

import org.armfer.fast.CpuBackend;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.fast.FastActivationLayer;
import org.armfer.fast.FastConvolutionLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NHWC trunk (the default) computes what the NCHW trunk computes, on the same weights. */
class TrunkFormatTest {

    @BeforeAll
    static void backend() {
        CpuBackend.configure();
    }

    @Test
    void nhwcAndNchwTrunksAgreeOnOutputsAndGradients() {
        FerResNet nhwc = ResNet18Arm.builder().numClasses(7).inputSize(48).build();
        FerResNet nchw = ResNet18Arm.builder().numClasses(7).inputSize(48).trunkFormat(CNN2DFormat.NCHW).build();
        assertEquals(CNN2DFormat.NHWC, nhwc.getTrunkFormat());
        ComputationGraph a = nhwc.init();
        ComputationGraph b = nchw.init();
        assertTrue(a.getConfiguration().getVertices().containsKey(FerResNet.TO_NHWC));
        assertTrue(!b.getConfiguration().getVertices().containsKey(FerResNet.TO_NHWC));
        for (Layer l : a.getLayers()) {
            if (l.numParams() > 0) {
                b.getLayer(l.conf().getLayer().getLayerName()).setParams(l.params().dup());
            }
        }
        assertEquals(b.params(), a.params(), "same parameters in the same order");
        INDArray[] xy = batch(3, 4);
        assertClose(b.outputSingle(false, xy[0]), a.outputSingle(false, xy[0]), 1e-4, "inference output");
        computeGradients(xy, a, b);
        assertEquals(b.score(), a.score(), 1e-4);
        for (Map.Entry<String, INDArray> e : b.gradient().gradientForVariable().entrySet()) {
            assertClose(e.getValue(), a.gradient().getGradientFor(e.getKey()), 2e-3, "gradient " + e.getKey());
        }
    }

    @Test
    void inPlaceReluGivesTheSameGradientsAsOutOfPlace() {
        ComputationGraphConfiguration conf = ResNet18Arm.builder().numClasses(7).inputSize(48).build().graphBuilder().build();
        ComputationGraph inPlace = new ComputationGraph(conf.clone());
        inPlace.init();
        int relus = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof FastActivationLayer) {
                FastActivationLayer relu = (FastActivationLayer) ((LayerVertex) v).getLayerConf().getLayer();
                assertTrue(relu.isInPlace());
                relu.setInPlace(false);
                relus++;
            }
        }
        assertEquals(17, relus, "ResNet-18's ReLUs");
        ComputationGraph outOfPlace = new ComputationGraph(conf);
        outOfPlace.init(inPlace.params().dup(), false);
        computeGradients(batch(2, 8), inPlace, outOfPlace);
        assertEquals(outOfPlace.score(), inPlace.score(), 1e-6);
        assertClose(outOfPlace.gradient().gradient(), inPlace.gradient().gradient(), 1e-6, "gradients");
    }

    @Test
    void conv1SkipsTheImageGradientWithTheSameParameterGradients() {
        ComputationGraph skip = ResNet18Arm.builder().numClasses(7).inputSize(48).build().init();
        ComputationGraph keep = ResNet18Arm.builder().numClasses(7).inputSize(48).inputGradient(true).build().init();
        assertTrue(!((FastConvolutionLayer) skip.getLayer("conv1").conf().getLayer()).isInputGradient());
        assertTrue(((FastConvolutionLayer) keep.getLayer("conv1").conf().getLayer()).isInputGradient());
        keep.setParams(skip.params());
        computeGradients(batch(2, 10), skip, keep);
        assertEquals(keep.score(), skip.score(), 1e-6);
        assertClose(keep.gradient().gradient(), skip.gradient().gradient(), 1e-5, "gradients");
        // behind a learnable resizer conv1's input gradient is the resizer's
        ComputationGraph resized = FerModels.builder("resnet18-resizer").numClasses(7).inputSize(48).build().init();
        assertTrue(((FastConvolutionLayer) resized.getLayer("conv1").conf().getLayer()).isInputGradient());
    }

    @Test
    void foldedBatchNormsGiveTheSameInferenceOutput() {
        ComputationGraph g = ResNet18Arm.builder().numClasses(7).inputSize(48).build().init();
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 48, 48);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 7);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i, 1.0);
        }
        for (int i = 0; i < 3; i++) {   // running statistics away from their initial 0 / 1
            g.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        }
        ComputationGraph folded = org.armfer.fast.BatchNormFolding.fold(g);
        // every trunk BN (20) is folded, and every ReLU that follows a BN directly (9 = stem + one per block)
        assertEquals(g.getConfiguration().getVertices().size() - 20 - 9, folded.getConfiguration().getVertices().size());
        assertTrue(folded.getConfiguration().getVertices().containsKey("arm.bn"), "ARM's BN follows DA, not a conv");
        assertClose(g.outputSingle(false, x), folded.outputSingle(false, x), 1e-4, "folded inference output");
    }

    @Test
    void variantsThatReadStageOutputsKeepNchw() {
        FerResNet dsm = ResNet18.builder().numClasses(7).inputSize(48)
                .after("layer2", DecomposedSpatialModulator.builder().build()).build();
        assertEquals(CNN2DFormat.NCHW, dsm.getTrunkFormat());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNet18.builder().numClasses(7)
                .inputSize(48).after("layer2", DecomposedSpatialModulator.builder().build()).trunkFormat(CNN2DFormat.NHWC).build());
        assertTrue(e.getMessage().contains("NCHW"), e.getMessage());
        // a block in front of the stem reads the NCHW input and leaves the trunk NHWC
        assertEquals(CNN2DFormat.NHWC, FerModels.builder("resnet18-resizer").inputSize(48).build() instanceof FerResNet r
                ? r.getTrunkFormat() : null);
        assertEquals(CNN2DFormat.NCHW, ((FerResNet) FerModels.builder("resnet18-rarn").build()).getTrunkFormat());
    }

    /** {x, y}: {@code n} random 3x48x48 images (seed {@code seed}) and one-hot labels of classes 0, 2, 4, ... mod 7. */
    private static INDArray[] batch(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 48, 48);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 7);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (2 * i) % 7, 1.0);
        }
        return new INDArray[]{x, y};
    }

    /** Sets the batch on each graph and computes its gradient and score. */
    private static void computeGradients(INDArray[] xy, ComputationGraph... graphs) {
        for (ComputationGraph g : graphs) {
            g.setInputs(xy[0]);
            g.setLabels(xy[1]);
            g.computeGradientAndScore();
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |difference| " + diff + " > " + tol * scale);
    }
}
