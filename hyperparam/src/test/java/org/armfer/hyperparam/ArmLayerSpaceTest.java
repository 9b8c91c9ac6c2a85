package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.armfer.layers.GarMode;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.BooleanSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ArmLayerSpace tested as Arbiter's own TestLayerSpace tests its spaces: fixed values, sampled ranges, bad points. */
class ArmLayerSpaceTest {

    /** ResNet-18's final map at 224x224 input. */
    private static final long[] RESNET_224 = {512, 7, 7};

    /** Numbers the leaves the way Arbiter's candidate generators do (TestLayerSpace does the same by hand). */
    static void setIndices(ParameterSpace<?> space) {
        int i = 0;
        for (ParameterSpace leaf : LeafUtils.getUniqueObjects(space.collectLeaves())) {
            if (leaf.numParameters() > 0) {
                leaf.setIndices(i++);
            }
        }
    }

    @Test
    void fixedValuesYieldExactlyWhatThePlainBuilderYields() {
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("defaults = the paper", new Object[]{ArmLayerSpace.builder().build(), ArmModule.builder().build()});
        cases.put("k=9 s=2 lambda=0.5 fixed C'=8", new Object[]{
                ArmLayerSpace.builder().kernelSize(9).stride(2).lambda(0.5).learnableLambda(false).outputChannels(8).build(),
                ArmModule.builder().kernelSize(9).stride(2).lambda(0.5).learnableLambda(false).outputChannels(8).build()});
        cases.put("DA alone k=3 s=1", new Object[]{
                ArmLayerSpace.builder().blocks("DA").kernelSize(3).stride(1).build(),
                ArmModule.builder().blocks("DA").kernelSize(3).stride(1).build()});
        cases.put("base BATCH, no BN, r=4, ratio 0.5 of k=5 -> s=3", new Object[]{
                ArmLayerSpace.builder().base(ArmModule.builder().garMode(GarMode.BATCH).batchNorm(false).blockSize(4).build())
                        .kernelSize(5).strideRatio(0.5).build(),
                ArmModule.builder().garMode(GarMode.BATCH).batchNorm(false).blockSize(4).kernelSize(5).stride(3).build()});
        cases.put("ranges with equal ends are fixed", new Object[]{
                ArmLayerSpace.builder().kernelSize(6, 6).stride(2, 2).lambda(0.25, 0.25).build(),
                ArmModule.builder().kernelSize(6).stride(2).lambda(0.25).build()});
        for (Map.Entry<String, Object[]> c : cases.entrySet()) {
            ArmLayerSpace space = (ArmLayerSpace) c.getValue()[0];
            ArmModule expected = (ArmModule) c.getValue()[1];
            assertEquals(0, space.numParameters(), c.getKey() + ": a fixed space has no parameter");
            ArmModule actual = space.getValue(new double[0]);
            assertEquals(expected, actual, c.getKey());
            assertEquals(expected.toJson(), actual.toJson(), c.getKey() + ": JSON");
        }
    }

    @Test
    void sampledValuesStayInTheirRanges() {
        ArmLayerSpace space = ArmLayerSpace.builder()
                .kernelSize(3, 12)
                .strideRatio(0.25, 0.5)
                .lambda(-0.5, 2.0)
                .learnableLambdaOnOff()
                .outputChannels(2, 8, 32)
                .build();
        assertEquals(5, space.numParameters(), "k, ratio, lambda, learnable, C'");
        List<ParameterSpace> leaves = space.collectLeaves();
        assertInstanceOf(IntegerParameterSpace.class, leaves.get(0), "leaf order: " + leaves);
        assertInstanceOf(ContinuousParameterSpace.class, leaves.get(1), "leaf order: " + leaves);
        assertInstanceOf(ContinuousParameterSpace.class, leaves.get(2), "leaf order: " + leaves);
        assertInstanceOf(BooleanSpace.class, leaves.get(3), "leaf order: " + leaves);
        assertInstanceOf(DiscreteParameterSpace.class, leaves.get(4), "leaf order: " + leaves);
        setIndices(space);

        Random r = new Random(12345);
        Set<Integer> kernels = new TreeSet<>();
        Set<Integer> channels = new TreeSet<>();
        Set<Boolean> learnable = new TreeSet<>();
        for (int i = 0; i < 500; i++) {
            double[] v = new double[5];
            for (int j = 0; j < v.length; j++) {
                v[j] = r.nextDouble();
            }
            ArmHyperparameters p = space.sample(v);
            String at = "draw " + i + " " + java.util.Arrays.toString(v) + " -> " + p;
            assertTrue(p.kernelSize() >= 3 && p.kernelSize() <= 12, at);
            assertTrue(p.strideRatio() >= 0.25 && p.strideRatio() <= 0.5, at);
            assertEquals(Math.round(p.strideRatio() * p.kernelSize()), p.stride(), at);
            assertTrue(p.lambda() >= -0.5 && p.lambda() <= 2.0, at);
            assertTrue(Set.of(2, 8, 32).contains(p.outputChannels()), at);
            assertEquals("FA+DA+SA", p.blocks(), at);
            ArmModule m = space.getValue(v);
            assertEquals(space.module(p), m, at);
            assertEquals(p.kernelSize(), m.getKernelSize(), at);
            assertEquals(p.stride(), m.getStride(), at);
            assertEquals(p.lambda(), m.getLambda(), 0.0, at);
            assertEquals(p.learnableLambda(), m.isLearnableLambda(), at);
            assertEquals(p.outputChannels(), m.getOutputChannels(), at);
            kernels.add(p.kernelSize());
            channels.add(p.outputChannels());
            learnable.add(p.learnableLambda());
        }
        assertEquals(new TreeSet<>(List.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 12)), kernels, "every kernel size is drawn");
        assertEquals(Set.of(2, 8, 32), channels, "every C' is drawn");
        assertEquals(Set.of(true, false), learnable, "both learnable and fixed lambda are drawn");
    }

    @Test
    void absoluteStrideRangeIsSampledAsIs() {
        ArmLayerSpace space = ArmLayerSpace.builder().kernelSize(4, 6).stride(1, 3).build();
        assertEquals(2, space.numParameters());
        setIndices(space);
        assertNull(space.getStrideRatio(), "an absolute stride replaces the ratio");
        for (double a : new double[]{0.0, 0.3, 0.7, 1.0}) {
            for (double b : new double[]{0.0, 0.5, 1.0}) {
                ArmHyperparameters p = space.sample(new double[]{a, b});
                String at = "values " + a + ", " + b + " -> " + p;
                assertTrue(p.kernelSize() >= 4 && p.kernelSize() <= 6, at);
                assertTrue(p.stride() >= 1 && p.stride() <= 3, at);
                assertFalse(p.strideFromRatio(), at);
                assertTrue(Double.isNaN(p.strideRatio()), at);
            }
        }
    }

    @Test
    void strideAndStrideRatioReplaceEachOther() {
        ArmLayerSpace ratioLast = ArmLayerSpace.builder().kernelSize(8).stride(3).strideRatio(0.5).build();
        assertNull(ratioLast.getStride(), "stride(3) then strideRatio(0.5): the ratio wins");
        assertInstanceOf(FixedValue.class, ratioLast.getStrideRatio());
        ArmLayerSpace strideLast = ArmLayerSpace.builder().strideRatio(0.5).stride(3).build();
        assertNull(strideLast.getStrideRatio(), "strideRatio(0.5) then stride(3): the stride wins");
        assertEquals(3, strideLast.getValue(new double[0]).getStride());
        // a ratio needs a kernel to multiply; the default base derives its kernel from the feature map
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ArmLayerSpace.builder().strideRatio(0.5).build())
                .getMessage().contains("strideRatio needs a kernel size to multiply"));
        // an unsearched kernel and stride stay derived from the map: 32/8 on ResNet-18's 512x7x7
        ArmModule auto = ArmLayerSpace.builder().lambda(0.5).build().getValue(new double[0]);
        assertEquals(ArmModule.AUTO, auto.getKernelSize());
        assertEquals(32, auto.geometry(512, 7, 7).getKernelSize());
    }

    @Test
    void gridSearchTriesEveryKernelSizeOnce() {
        // Arbiter Java-serializes each candidate's value (Candidate wraps it in a SerializedSupplier) and ArmModule is not
        // Serializable, so the grid runs over the ArmGraphSpace that holds the layer space, as a search does
        ArmGraphSpace space = new ArmGraphSpace(ArmSearch.sweepSpace(1, 7), new TinyModel(8, 2), 1);
        GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, 7,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        assertEquals(7, grid.getTotalNumCandidates(), "grid over k = 1..7");
        List<Integer> kernels = new ArrayList<>();
        while (grid.hasMoreCandidates()) {
            Candidate c = grid.getCandidate();
            assertNull(c.getException(), "candidate " + c.getIndex());
            ArmCandidate ac = (ArmCandidate) c.getValue();
            assertTrue(ac.isValid(), "candidate " + c.getIndex() + ": " + ac);
            ArmModule m = ac.arm();
            assertEquals(1, m.getStride(), "Figure 6 sweep uses stride 1, candidate " + c.getIndex());
            assertEquals("DA", org.armfer.layers.ArmBlock.format(m.getBlocks()), "candidate " + c.getIndex());
            kernels.add(m.getKernelSize());
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), kernels, "in order, each once");
    }

    @Test
    void invalidCombinationsAreFlaggedWithTheirReason() {
        Map<String, Object[]> cases = new LinkedHashMap<>();
        // {space, expected message fragment or null for valid}
        cases.put("the defaults (the paper's k=32 s=8 on 512x7x7, derived) are valid",
                new Object[]{ArmLayerSpace.builder().build(), null});
        cases.put("k=120 > arranged 112x112",
                new Object[]{ArmLayerSpace.builder().kernelSize(120).build(), "kernelSize 120 is larger than the arranged feature map 112x112"});
        cases.put("k=112 fits exactly (output 1x1)",
                new Object[]{ArmLayerSpace.builder().kernelSize(112).build(), null});
        cases.put("ratio 0.25 of k=1 rounds to stride 0",
                new Object[]{ArmLayerSpace.builder().kernelSize(1).strideRatio(0.25).build(), "stride 0 (= round(strideRatio 0.25 x kernelSize 1))"});
        cases.put("C'=3 does not divide 512",
                new Object[]{ArmLayerSpace.builder().outputChannels(3).build(), "512 is not divisible by 3); allowed outputChannels for 512 channels: [2, 8, 32, 128, 512]"});
        cases.put("C'=4: 512/4 = 128 is not a square",
                new Object[]{ArmLayerSpace.builder().outputChannels(4).build(), "512 / 4 = 128 is not); allowed outputChannels"});
        cases.put("C'=32: r=4, arranged 28x28, k=32 too large",
                new Object[]{ArmLayerSpace.builder().kernelSize(32).outputChannels(32).build(),
                        "kernelSize 32 is larger than the arranged feature map 28x28"});
        cases.put("C'=32 with the kernel derived from the map: 8 on 28x28, valid",
                new Object[]{ArmLayerSpace.builder().outputChannels(32).build(), null});
        cases.put("DA alone k=8 on 7x7",
                new Object[]{ArmSearch.sweepSpace(8, 8), "kernelSize 8 is larger than the feature map 7x7"});
        cases.put("DA alone k=7 on 7x7 is valid",
                new Object[]{ArmSearch.sweepSpace(7, 7), null});
        for (Map.Entry<String, Object[]> c : cases.entrySet()) {
            ArmLayerSpace space = (ArmLayerSpace) c.getValue()[0];
            String expected = (String) c.getValue()[1];
            ArmHyperparameters p = space.sample(new double[0]);
            Optional<String> reason = space.validate(p, RESNET_224[0], RESNET_224[1], RESNET_224[2]);
            if (expected == null) {
                assertTrue(reason.isEmpty(), c.getKey() + ": " + reason);
            } else {
                assertTrue(reason.isPresent(), c.getKey() + ": should be invalid");
                assertTrue(reason.get().contains(expected), c.getKey() + ": reason was \"" + reason.get() + "\"");
            }
        }
        // Arbiter's contract: getValue throws for a point outside the settings' domains
        ArmLayerSpace zeroStride = ArmLayerSpace.builder().kernelSize(1).strideRatio(0.25).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> zeroStride.getValue(new double[0]));
        assertTrue(e.getMessage().contains("must be >= 1"), e.getMessage());
    }

    @Test
    void builderRejectsNonsenseNamingTheParameter() {
        Map<String, Executable> cases = new LinkedHashMap<>();
        cases.put("kernelSize", () -> ArmLayerSpace.builder().kernelSize(0, 3));
        cases.put("kernelSize range [5, 2]", () -> ArmLayerSpace.builder().kernelSize(5, 2));
        cases.put("kernelSize must be >= 1", () -> ArmLayerSpace.builder().kernelSize(0));
        cases.put("stride must be >= 1", () -> ArmLayerSpace.builder().stride(0));
        cases.put("stride range [0, 2]", () -> ArmLayerSpace.builder().stride(0, 2));
        cases.put("strideRatio must be a finite number > 0, got 0.0", () -> ArmLayerSpace.builder().strideRatio(0));
        cases.put("strideRatio must be a finite number > 0, got -1.0", () -> ArmLayerSpace.builder().strideRatio(-1, 1));
        cases.put("lambda must be finite", () -> ArmLayerSpace.builder().lambda(Double.NaN));
        cases.put("lambda range [2.0, 1.0] is empty", () -> ArmLayerSpace.builder().lambda(2, 1));
        cases.put("outputChannels needs at least one value", () -> ArmLayerSpace.builder().outputChannels());
        cases.put("outputChannels must be >= 1", () -> ArmLayerSpace.builder().outputChannels(2, 0));
        cases.put("base ArmModule must not be null", () -> ArmLayerSpace.builder().base(null));
        for (Map.Entry<String, Executable> c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c.getValue()::run, c.getKey());
            assertTrue(e.getMessage().contains(c.getKey()), "expected \"" + c.getKey() + "\" in \"" + e.getMessage() + "\"");
        }
    }

    /** A lambda that may throw, for the table above. */
    @FunctionalInterface
    interface Executable {
        void run();
    }
}
