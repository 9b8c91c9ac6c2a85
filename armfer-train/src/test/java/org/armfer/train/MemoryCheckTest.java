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
}
