package org.armfer.examples.bench;

import org.armfer.fast.BatchNormFolding;
import org.armfer.fast.CpuBackend;
import org.armfer.fast.onednn.OneDnnInference;
import org.armfer.layers.GarMode;
import org.armfer.layers.SharingAffinity;
import org.armfer.zoo.ResNet18;
import org.armfer.zoo.ResNet18Arm;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine {@code bench} times as {@code dl4j-onednn}: OneDnnInference on armfer's zoo models at 224x224 against
 * DL4J's own output (the model the performance targets are about, ResNet-18-ARM, and ResNet-18 with GAP).
 */
class OneDnnZooModelsTest {

    private static ComputationGraph arm;
    private static ComputationGraph gap;

    @BeforeAll
    static void models() {
        CpuBackend.configure();
        arm = trained(ResNet18Arm.builder().numClasses(7).inputSize(224).build().init());
        gap = trained(ResNet18.builder().numClasses(7).inputSize(224).build().init());
    }

    /**
     * The model with trained-looking state: batch-norm statistics, scales and shifts away from their initial values,
     * a running GAR and λ of its own, and a classifier scaled so that the softmax is not saturated (its outputs then
     * show differences in the logits).
     */
    private static ComputationGraph trained(ComputationGraph g) {
        Nd4j.getRandom().setSeed(31);
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray p = e.getValue();
                switch (e.getKey()) {
                    case "mean":
                    case "beta":
                        p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(0.1));
                        break;
                    case "var":
                    case "gamma":
                        p.assign(Nd4j.rand(p.dataType(), p.shape()).muli(0.5).addi(0.75));
                        break;
                    case SharingAffinity.RUNNING_GAR:
                        p.assign(Nd4j.randn(p.dataType(), p.shape()));
                        break;
                    case SharingAffinity.LAMBDA:
                        p.assign(0.7);
                        break;
                    default:
                }
            }
        }
        g.getLayer("fc").getParam("W").muli(0.02); // logits a few units apart
        return g;
    }

    private static INDArray input(int n) {
        Nd4j.getRandom().setSeed(32);
        return Nd4j.rand(DataType.FLOAT, n, 3, 224, 224);
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what);
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= tol, what + ": max |difference| " + diff + " > " + tol);
    }

    @Test
    void resNet18ArmMatchesDl4jPlainAndFoldedWithTheHeadFolded() {
        ComputationGraph g = arm;
        INDArray x = input(2);
        INDArray expected = g.outputSingle(false, x);
        assertTrue(expected.maxNumber().doubleValue() < 0.95 && expected.minNumber().doubleValue() > 1e-4,
                "softmax neither saturated nor flat: " + expected);
        ComputationGraph folded = BatchNormFolding.fold(g);
        for (OneDnnInference.Convolutions c : OneDnnInference.Convolutions.values()) {
            for (ComputationGraph model : List.of(g, folded)) {
                String what = (model == g ? "plain " : "folded ") + c;
                try (OneDnnInference fast = OneDnnInference.of(model, c)) {
                    assertEquals(java.util.Optional.empty(), fast.fallbackReason(x.shape()), what);
                    assertClose(expected, fast.output(x), 2e-5, what);
                    List<String> steps = fast.describe(x.shape());
                    assertEquals(20, steps.stream().filter(s -> s.startsWith("conv layer") || s.startsWith("conv conv1"))
                            .count(), what + ": one primitive per trunk convolution " + steps);
                    assertTrue(steps.stream().anyMatch(s -> s.startsWith("depth to space arm.fa r=16")), what + steps);
                    assertTrue(steps.stream().anyMatch(s -> s.startsWith("conv arm.da groups 2")),
                            what + ": DA as a depthwise convolution (BN folded into it) " + steps);
                    assertFalse(steps.stream().anyMatch(s -> s.contains("arm.sa") || s.contains("arm.bn")),
                            what + ": SA folded into fc, BN into DA " + steps);
                }
            }
        }
    }

    @Test
    void resNet18WithGlobalPoolingMatchesDl4j() {
        ComputationGraph g = gap;
        INDArray x = input(2);
        INDArray expected = g.outputSingle(false, x);
        assertTrue(expected.maxNumber().doubleValue() < 0.95, "softmax not saturated: " + expected);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            assertEquals(java.util.Optional.empty(), fast.fallbackReason(x.shape()));
            assertClose(expected, fast.output(x), 2e-5, "ResNet-18 GAP");
            assertTrue(fast.describe(x.shape()).stream().anyMatch(s -> s.startsWith("avg pool avgpool")));
        }
    }

    @Test
    void runningGarKeepsEveryImageIndependentOfItsBatch() {
        INDArray x = input(3);
        try (OneDnnInference fast = OneDnnInference.of(arm)) {
            INDArray batch = fast.output(x);
            for (int i = 0; i < 3; i++) {
                INDArray one = x.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all()).dup();
                assertClose(batch.getRow(i, true), fast.output(one), 2e-5, "image " + i + " alone");
            }
        }
    }

    @Test
    void batchGarModeIsNotCompiledAndRunsThroughDl4j() {
        ComputationGraphConfiguration conf = arm.getConfiguration().clone();
        SharingAffinity sa = (SharingAffinity) ((LayerVertex) conf.getVertices().get("arm.sa")).getLayerConf().getLayer();
        sa.setGarMode(GarMode.BATCH);
        ComputationGraph g = new ComputationGraph(conf);
        g.init(arm.params().dup(), false);
        INDArray x = input(2);
        try (OneDnnInference fast = OneDnnInference.of(g)) {
            assertFalse(fast.isCompiled());
            assertTrue(fast.fallbackReason().orElseThrow().contains("GarMode.BATCH"), fast.fallbackReason().toString());
            assertEquals(g.outputSingle(false, x), fast.output(x), "DL4J's own output, batch GAR and all");
        }
    }
}
