package org.armfer.zoo;

import org.armfer.layers.ArmModule;
import org.armfer.layers.GarMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity with PyTorch, with reference outputs made during the test run by Debian's python3-torch: random-initialised
 * models with non-trivial BatchNorm statistics, exported to .npz, imported with TorchWeights, same input batch, eval
 * mode.
 */
class PyTorchParityTest {

    /** The classifier's pre-softmax output: fc's W·x + b on the flattened input of fc. */
    static INDArray logits(ComputationGraph g, INDArray x, String fcInput) {
        INDArray feats = g.feedForward(x, false).get(fcInput);
        INDArray flat = feats.reshape('c', feats.size(0), feats.length() / feats.size(0));
        return flat.mmul(g.getLayer(FerResNet.FC).getParam("W")).addiRowVector(g.getLayer(FerResNet.FC).getParam("b"));
    }

    private static void compare(String ctx, ComputationGraph g, Path dir, String fcInput) throws Exception {
        Map<String, INDArray> io = Npz.read(dir.resolve("io.npz"));
        INDArray x = io.get("x");
        INDArray probs = g.outputSingle(x);
        assertArrayEquals(io.get("probs").shape(), probs.shape(), ctx);
        double maxDiff = probs.castTo(DataType.DOUBLE).sub(io.get("probs").castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(maxDiff <= 1e-4, ctx + ": max |softmax difference| " + maxDiff + " > 1e-4");
        INDArray logits = logits(g, x, fcInput).castTo(DataType.DOUBLE);
        double logitDiff = logits.sub(io.get("logits").castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(logitDiff <= 1e-3, ctx + ": max |logit difference| " + logitDiff);
    }

    @Test
    void resnet18MatchesTorchvision(@TempDir Path dir) throws Exception {
        PyTorchReference.make("resnet18", dir, 11);
        ComputationGraph g = ResNet18.builder().numClasses(7).build().init();
        TorchWeights.Report r = TorchWeights.load(g, dir.resolve("weights.npz"));
        assertEquals(g.paramTable().size(), r.loaded().size(), "every graph parameter loaded");
        compare("torchvision resnet18, batch 4, 224x224", g, dir, FerResNet.POOL);
    }

    @Test
    void resnet18ArmMatchesTheReferenceArmInBatchMode(@TempDir Path dir) throws Exception {
        PyTorchReference.make("arm", dir, 12);
        ComputationGraph g = ResNet18Arm.builder().numClasses(7).arm(ArmModule.builder().garMode(GarMode.BATCH).build()).build().init();
        // the reference's key set, random weights: compared row by row as PyTorch computes them (no reordering)
        TorchWeights.Report r = TorchWeights.load(g, dir.resolve("weights.npz"), TorchWeights.Scope.ALL, TorchWeights.ClassOrder.CANONICAL);
        assertEquals(java.util.List.of("arm.sa_runningGar"), r.notInFile());
        assertEquals(0.7, g.getLayer("arm.sa").getParam("lambda").getDouble(0), 1e-7, "arm.alpha -> λ");
        compare("ARM reference (PixelShuffle(16), shared 32x32/8 conv, BN(2), SA), GarMode.BATCH, batch 4", g, dir, "arm.sa");
    }
}
