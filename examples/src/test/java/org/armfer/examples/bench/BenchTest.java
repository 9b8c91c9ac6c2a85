package org.armfer.examples.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
