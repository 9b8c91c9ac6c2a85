package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.armfer.layers.DeAlbino;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ArmGraphSpace: valid points become networks, impossible ones invalid candidates, and nothing throws. */
class ArmGraphSpaceTest {

    @Test
    void gridMarksKernelsThatDoNotFitAsInvalidWithoutThrowing() {
        // DA alone on the tiny model's 8x8 map: k = 7, 8 fit, 9, 10 do not
        ArmGraphSpace space = new ArmGraphSpace(ArmSearch.sweepSpace(7, 10), new TinyModel(8, 3), 2);
        GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, 4,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        for (int k = 7; k <= 10; k++) {
            Candidate c = grid.getCandidate();
            assertNull(c.getException(), "k=" + k);
            ArmCandidate ac = (ArmCandidate) c.getValue();
            assertEquals(k, ac.hyperparameters().kernelSize(), "grid order");
            assertEquals(2, ac.getNumEpochs(), "k=" + k);
            if (k <= 8) {
                assertTrue(ac.isValid(), "k=" + k + ": " + ac);
                assertNull(ac.reason(), "k=" + k);
                long side = DeAlbino.outSize(8, k, 1);
                assertEquals(TinyModel.CHANNELS * side * side, ac.features(), "k=" + k + ": DA alone keeps the 8 channels");
                ComputationGraphConfiguration conf = ac.getConfiguration();
                assertNotNull(conf, "k=" + k);
                DeAlbino da = (DeAlbino) ((LayerVertex) conf.getVertices().get("arm.da")).getLayerConf().getLayer();
                assertEquals(k, da.getKernelSize(), "k=" + k + ": the network holds the candidate's kernel");
            } else {
                assertEquals(SearchStatus.INVALID, ac.status(), "k=" + k);
                assertNull(ac.getConfiguration(), "k=" + k + ": an invalid candidate has no network");
                assertTrue(ac.reason().contains("kernelSize " + k + " is larger than the feature map 8x8"),
                        "k=" + k + ": " + ac.reason());
            }
        }
    }

    @Test
    void randomSearchOverAPartlyImpossibleSpaceNeverThrows() {
        // arranged map 16x16 (C' = 2) or 8x8 (C' = 8); C' = 3 never fits 8 channels; k up to 20
        ArmLayerSpace arm = ArmLayerSpace.builder().kernelSize(1, 20).strideRatio(0.1, 0.6).outputChannels(2, 3, 8).build();
        ArmGraphSpace space = new ArmGraphSpace(arm, new TinyModel(8, 2), 1);
        RandomSearchGenerator random = new RandomSearchGenerator(space, null);
        random.setRngSeed(3);
        Set<SearchStatus> seen = EnumSet.noneOf(SearchStatus.class);
        for (int i = 0; i < 60; i++) {
            Candidate c = random.getCandidate();
            assertNull(c.getException(), "candidate " + i);
            ArmCandidate ac = (ArmCandidate) c.getValue();
            seen.add(ac.status());
            ArmHyperparameters p = ac.hyperparameters();
            String at = "candidate " + i + ": " + ac;
            boolean fits = p.stride() >= 1 && p.outputChannels() != 3
                    && p.kernelSize() <= (p.outputChannels() == 2 ? 16 : 8);
            assertEquals(fits, ac.isValid(), at);
            if (!fits) {
                assertNotNull(ac.reason(), at);
            }
        }
        assertEquals(EnumSet.of(SearchStatus.OK, SearchStatus.INVALID), seen, "60 draws hit both valid and invalid points");
    }

    @Test
    void aNetworkThatCannotBeBuiltIsAFailedCandidate() {
        ModelFactory broken = new ModelFactory() {
            @Override
            public long[] featureMapShape() {
                return new long[]{8, 8, 8};
            }

            @Override
            public ComputationGraphConfiguration build(ArmModule arm) {
                throw new IllegalStateException("backbone exploded");
            }

            @Override
            public String describe() {
                return "broken";
            }
        };
        ArmCandidate c = new ArmGraphSpace(ArmSearch.sweepSpace(3, 3), broken, 1).getValue(new double[0]);
        assertEquals(SearchStatus.FAILED, c.status(), c.toString());
        assertTrue(c.reason().contains("backbone exploded"), c.reason());
        assertEquals(3, c.arm().getKernelSize(), "the ARM is still recorded");
    }

    @Test
    void leavesAreTheLayerSpaceLeaves() {
        ArmLayerSpace arm = ArmSearch.randomSpace(2, 16);
        ArmGraphSpace space = new ArmGraphSpace(arm, new TinyModel(8, 2), 1);
        assertEquals(List.copyOf(arm.collectLeaves()), List.copyOf(space.collectLeaves()));
        assertEquals(4, space.numParameters(), "k, stride ratio, lambda, learnable");
    }
}
