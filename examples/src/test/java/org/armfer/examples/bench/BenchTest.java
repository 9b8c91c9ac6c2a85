package org.armfer.examples.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchTest {

    @Test
    void interleavedTimingWarmsUpEachThenAlternatesTheOrder() {
        List<String> calls = new ArrayList<>();
        Map<String, Runnable> bodies = new LinkedHashMap<>();
        bodies.put("a", () -> calls.add("a"));
        bodies.put("b", () -> calls.add("b"));
        Bench bench = new Bench(1, 32, 2, 3, s -> { });
        Map<String, List<Double>> ms = bench.timeInterleaved(bodies);
        // two warm-ups each, then rounds a b | b a | a b
        assertEquals(List.of("a", "a", "b", "b", "a", "b", "b", "a", "a", "b"), calls);
        assertEquals(List.of("a", "b"), new ArrayList<>(ms.keySet()));
        assertEquals(3, ms.get("a").size());
        assertEquals(3, ms.get("b").size());
    }

    @Test
    void aFailingBodyFailsTheTiming() {
        Map<String, Runnable> bodies = Map.of("x", () -> {
            throw new IllegalStateException("boom");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Bench(1, 32, 0, 1, s -> { }).timeInterleaved(bodies));
        assertEquals("boom", e.getMessage());
    }

    @Test
    void armOverGapPairsTheInterleavedRounds() {
        // the machine slows down in round 2: per-round ratios are 1.1 each, the ratio of medians is not
        Bench.Row gap = new Bench.Row("dl4j", "resnet18", "train", 1, 32, List.of(100.0, 200.0, 100.0));
        Bench.Row arm = new Bench.Row("dl4j", "resnet18-arm", "train", 1, 32, List.of(110.0, 220.0, 110.0));
        assertEquals(1.1, Bench.armOverGap(arm, gap), 1e-12);
        Bench.Row gapSlowFirst = new Bench.Row("dl4j", "resnet18", "train", 1, 32, List.of(300.0, 100.0, 100.0));
        Bench.Row armOnce = new Bench.Row("dl4j", "resnet18-arm", "train", 1, 32, List.of(105.0));
        assertEquals(1.05, Bench.armOverGap(armOnce, gapSlowFirst), 1e-12, "not paired: ratio of medians");
    }

    @Test
    void ratiosNameTheArmBlocksShareOfTheModel() {
        List<Bench.Row> rows = List.of(
                new Bench.Row("dl4j", "resnet18", "train", 1, 32, List.of(1000.0)),
                new Bench.Row("dl4j", "gap-block", "backward", 1, 7, List.of(2.0)),
                new Bench.Row("dl4j", "arm-block", "backward", 1, 7, List.of(12.0)));
        List<String> r = Bench.ratios(rows);
        assertEquals(1, r.size(), r.toString());
        assertTrue(r.get(0).contains("adds 10.0 ms") && r.get(0).contains("1.0% of ResNet-18's step"), r.get(0));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Bench.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Bench.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Bench(0, 224, 1, 1, s -> { }));
        assertEquals(true, e.getMessage().contains("batch=0"), e.getMessage());
    }
}
