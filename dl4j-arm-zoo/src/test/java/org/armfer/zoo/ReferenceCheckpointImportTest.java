package org.armfer.zoo;

import org.armfer.layers.GarMode;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Importing a checkpoint as the ARM reference's train_raf-db.py writes it: a {'iter', 'model_state_dict',
 * 'optimizer_state_dict'} .pth made by PyTorch during the test, its classifier in the reference's RAF-DB class order,
 * converted to .npz with README's snippet. armfer must predict what PyTorch predicts, in canonical label order.
 */
class ReferenceCheckpointImportTest {

    @TempDir
    static Path dir;
    static Map<String, INDArray> io;
    /** One graph, reloaded by every case (building ResNet-18-ARM at 224x224 costs seconds). */
    static ComputationGraph g;

    @BeforeAll
    static void makeCheckpoint() throws Exception {
        PyTorchReference.make("arm-checkpoint", dir, 21);
        io = Npz.read(dir.resolve("io.npz"));
        assertTrue(Files.size(dir.resolve("reference.pth")) > 0, "the script wrote the .pth it converted");
        g = ResNet18Arm.builder().numClasses(7).build().init();
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    private static long[] argmax(INDArray p) {
        return p.argMax(1).toLongVector();
    }

    @Test
    void referenceOrderIsDetectedAndBatchModePredictsWhatPyTorchPredicts() throws Exception {
        TorchWeights.Report r = TorchWeights.loadReference(g, dir.resolve("weights.npz"), TorchWeights.ClassOrder.AUTO,
                TorchWeights.GarAfterImport.BATCH, null);
        assertEquals(TorchWeights.ClassOrder.REFERENCE_RAF, r.classOrder(), "features.* + arm.* keys: the reference's order");
        assertEquals(GarMode.BATCH, ((SharingAffinity) g.getLayer("arm.sa").conf().getLayer()).getGarMode());
        INDArray x = io.get("x");
        INDArray probs = g.outputSingle(x);
        double d = maxDiff(probs, io.get("probs_canonical"));
        assertTrue(d <= 1e-4, "canonical probabilities, GarMode.BATCH, batch 4: max |difference| " + d);
        assertArrayEquals(io.get("labels_canonical").toLongVector(), argmax(probs), "canonical labels");
        // the mapping is real: the reference's own rows are not the canonical ones
        assertTrue(maxDiff(io.get("probs"), io.get("probs_canonical")) > 1e-2, "reference order differs from canonical");

        // stated explicitly, the same; stated wrongly (canonical), the rows stay in the reference's order
        TorchWeights.loadReference(g, dir.resolve("weights.npz"), TorchWeights.ClassOrder.REFERENCE_RAF,
                TorchWeights.GarAfterImport.BATCH, null);
        assertTrue(maxDiff(g.outputSingle(x), probs) <= 1e-6, "REFERENCE_RAF stated = detected");
        TorchWeights.loadReference(g, dir.resolve("weights.npz"), TorchWeights.ClassOrder.CANONICAL,
                TorchWeights.GarAfterImport.BATCH, null);
        assertTrue(maxDiff(g.outputSingle(x), io.get("probs")) <= 1e-4, "CANONICAL keeps the file's rows");
    }

    @Test
    void calibratedGarGivesBatchIndependentPredictions() throws Exception {
        INDArray x = io.get("x");
        DataSet calibration = new DataSet(x, Nd4j.zeros(DataType.FLOAT, x.size(0), 7));
        TorchWeights.loadReference(g, dir.resolve("weights.npz"), TorchWeights.ClassOrder.AUTO,
                TorchWeights.GarAfterImport.CALIBRATE, new ListDataSetIterator<>(calibration.asList(), 2));
        assertEquals(GarMode.RUNNING, ((SharingAffinity) g.getLayer("arm.sa").conf().getLayer()).getGarMode());
        // calibrated over exactly these images, the running GAR is their batch GAR: the reference's outputs on the batch
        INDArray probs = g.outputSingle(x);
        double d = maxDiff(probs, io.get("probs_canonical"));
        assertTrue(d <= 1e-4, "calibrated on the batch, GarMode.RUNNING: max |difference| " + d);
        // and each image alone gets the same prediction
        for (int i = 0; i < x.size(0); i += 3) {
            INDArray one = g.outputSingle(x.get(NDArrayIndex.interval(i, i + 1)).dup());
            assertTrue(maxDiff(one, probs.getRow(i, true)) <= 1e-5, "image " + i + " alone");
        }
        assertThrows(IllegalArgumentException.class, () -> TorchWeights.loadReference(g, dir.resolve("weights.npz"),
                TorchWeights.ClassOrder.AUTO, TorchWeights.GarAfterImport.CALIBRATE, null), "calibration needs images");
    }

    @Test
    void theReferenceOrderNeedsSevenClassesAndABackboneLoadIgnoresIt() throws Exception {
        ComputationGraph eight = ResNet18Arm.builder().numClasses(8).inputSize(48).build().init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchWeights.load(eight,
                dir.resolve("weights.npz"), TorchWeights.Scope.ALL, TorchWeights.ClassOrder.REFERENCE_RAF));
        assertTrue(e.getMessage().contains("7"), e.getMessage());
        TorchWeights.Report backbone = TorchWeights.loadBackbone(eight, dir.resolve("weights.npz"));
        assertEquals(null, backbone.classOrder(), "a backbone load reads no classifier");
        assertTrue(TorchWeights.isReferenceCheckpoint(List.of("module.features.0.weight", "module.arm.alpha")),
                "DataParallel's module. prefix");
        assertTrue(!TorchWeights.isReferenceCheckpoint(List.of("conv1.weight", "fc.weight")), "torchvision's keys");
    }
}
