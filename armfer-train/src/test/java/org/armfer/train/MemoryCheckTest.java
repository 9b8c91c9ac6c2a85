package org.armfer.train;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory estimate and what the refusal says. */
class MemoryCheckTest {

    @Test
    void thePapersBatchNeedsAboutSeventeenGiBAndAnImpossibleOneIsRefusedWithTheWaysOut() {
        double gib = MemoryCheck.estimateBytes("resnet18-arm", 224, 256) / (double) (1L << 30);
        assertTrue(gib > 16 && gib < 18, "batch 256 at 224x224: " + gib + " GiB");
        assertTrue(MemoryCheck.estimateBytes("resnet18-arm", 224, 32) < MemoryCheck.estimateBytes("resnet34-arm", 224, 32));
        TrainConfig c = new TrainConfig();
        c.resolve("paper-rafdb", Map.of("inputSize", 1024));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryCheck.require(c));
        assertTrue(e.getMessage().contains("recipe paper-rafdb trains resnet18-arm at 1024x1024 on batches of 256")
                && e.getMessage().contains("--no-memory-check") && e.getMessage().contains("GiB"), e.getMessage());
        TrainConfig demo = new TrainConfig();
        demo.resolve("demo", Map.of());
        MemoryCheck.require(demo);
    }

    @Test
    void transformersAndPipelinesUseTheirMeasuredFiguresAndTheUnmeasuredTheNextLargerOnes() {
        long mib = 1L << 20;
        // the swin-t-nr demo run at batch 32 died at ~17.7 GB of native memory: the estimate says so up front
        assertTrue(Math.abs(MemoryCheck.estimateBytes("swin-t-nr", 48, 32) / (double) mib - (973 + 515 * 32)) < 1);
        assertTrue(MemoryCheck.estimateBytes("swin-t-nr", 100, 8) == MemoryCheck.estimateBytes("swin-t-nr", 48, 8),
                "a pipeline resizes to 224 inside: its input size does not matter");
        assertTrue(Math.abs(MemoryCheck.estimateBytes("vit-b16", 112, 4) / (double) mib - (1893 + 259 * 0.25 * 4)) < 1,
                "a transformer's per-example part scales with the pixels");
        assertTrue(MemoryCheck.estimateBytes("swin-s", 224, 16) == MemoryCheck.estimateBytes("swin-b", 224, 16));
        assertTrue(MemoryCheck.estimateBytes("swin-b-nr", 48, 16) == MemoryCheck.estimateBytes("swin-b-nr-stn", 48, 16));
        for (String name : MemoryCheck.LIKE.values()) {
            assertTrue(MemoryCheck.CALIBRATED.containsKey(name), name + " is measured");
        }
        for (String name : MemoryCheck.CALIBRATED.keySet()) {
            org.armfer.zoo.FerModels.entry(name); // a registered model
        }
        for (String name : MemoryCheck.LIKE.keySet()) {
            org.armfer.zoo.FerModels.entry(name);
        }
    }
}
