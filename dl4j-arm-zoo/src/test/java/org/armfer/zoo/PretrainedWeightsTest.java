package org.armfer.zoo;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainedWeightsTest {

    @Test
    void recordsAreConsistent() {
        for (PretrainedWeights w : PretrainedWeights.values()) {
            String ctx = w.name();
            // torch.hub file names carry the hash prefix it checks: resnet18-<sha256[:8]>.pth
            assertTrue(w.source().endsWith("/" + w.torchvisionModel() + "-" + w.sha256Prefix() + ".pth"), ctx);
            assertTrue(w.sha256Prefix().matches("[0-9a-f]{8}"), ctx);
            if (w.torchvisionModel().startsWith("resnet")) {
                assertEquals(ResNetDepth.of(w.depth()).depth(), w.depth(), ctx);
                assertEquals("resnet" + w.depth(), w.torchvisionModel(), ctx);
            } else {
                assertTrue(FerModels.names().contains(w.armferModel()), ctx + ": " + w.armferModel());
            }
            assertEquals(3, w.mean().size(), ctx);
            assertTrue(w.conversionSnippet().contains(w.source()) && w.conversionSnippet().contains("check_hash=True"), ctx);
        }
    }
}
