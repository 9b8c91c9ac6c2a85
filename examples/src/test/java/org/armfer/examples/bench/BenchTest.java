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
        bench.sleeper = ms -> { };
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
    void percentilesInterpolateBetweenTheNearestRanks() {
        // sorted: 1 2 3 4 10 (n = 5): p at position 4·p/100
        List<Double> v = List.of(10.0, 3.0, 1.0, 4.0, 2.0);
        assertEquals(3.0, Bench.percentile(v, 50), 1e-12, "position 2");
        assertEquals(4.0 + 0.6 * (10.0 - 4.0), Bench.percentile(v, 90), 1e-12, "position 3.6");
        assertEquals(4.0 + 0.96 * (10.0 - 4.0), Bench.percentile(v, 99), 1e-12, "position 3.96");
        assertEquals(1.0, Bench.percentile(v, 0), 1e-12);
        assertEquals(10.0, Bench.percentile(v, 100), 1e-12);
        assertEquals(Bench.median(List.of(4.0, 1.0, 2.0, 3.0)), Bench.percentile(List.of(4.0, 1.0, 2.0, 3.0), 50), 1e-12,
                "p50 is the median for even counts too");
        assertEquals(7.0, Bench.percentile(List.of(7.0), 99), 1e-12, "one value");
        assertThrows(IllegalArgumentException.class, () -> Bench.percentile(List.of(), 50));
        assertThrows(IllegalArgumentException.class, () -> Bench.percentile(v, 101));
    }

    @Test
    void latencyRowsCarryPercentilesAndTheTableAndRatiosUseThem() {
        List<Double> ms = new ArrayList<>();
        for (int i = 1; i <= 101; i++) {
            ms.add((double) i);                       // 1 .. 101 ms: p50 51, p90 91, p99 100
        }
        List<Double> slower = new ArrayList<>();
        ms.forEach(m -> slower.add(2 * m));
        List<Bench.Row> rows = List.of(new Bench.Row("dl4j-onednn", "resnet18-arm", Bench.LATENCY, 1, 224, ms),
                new Bench.Row("pytorch", "resnet18-arm", Bench.LATENCY, 1, 224, slower));
        assertEquals(51.0, rows.get(0).p50, 1e-12);
        assertEquals(91.0, rows.get(0).p90, 1e-12);
        assertEquals(100.0, rows.get(0).p99, 1e-12);
        String table = Bench.latencyTable(rows);
        assertTrue(table.contains("dl4j-onednn  resnet18-arm     101    51.00    91.00   100.00     1.00   101.00"), table);
        List<String> ratios = Bench.latencyRatios(rows);
        assertEquals(1, ratios.size(), ratios.toString());
        assertTrue(ratios.get(0).contains("dl4j-onednn vs pytorch    : p50 2.00x, p99 2.00x"), ratios.get(0));
        assertEquals(List.of(), Bench.ratios(rows), "no throughput ratios for latency rows");
        assertEquals(null, new Bench.Row("dl4j", "resnet18", "inference", 16, 224, ms).p50, "throughput rows: none");
    }

    @Test
    void latencyInterleavesEveryEngineOfAModelInOneSequenceOfRounds() {
        List<String> calls = new ArrayList<>();
        Map<String, Runnable> dl4j = new LinkedHashMap<>();
        for (String engine : new String[]{"dl4j", "dl4j-folded", "dl4j-onednn"}) {
            for (String model : new String[]{"resnet18", "resnet18-arm"}) {
                dl4j.put(engine + "|" + model, () -> calls.add(engine + "|" + model));
            }
        }
        Map<String, Map<String, Bench.Timed>> external = new LinkedHashMap<>();
        for (String engine : new String[]{"pytorch", "onnxruntime"}) {
            Map<String, Bench.Timed> bodies = new LinkedHashMap<>();
            for (String model : new String[]{"resnet18", "resnet18-arm"}) {
                bodies.put(model, () -> {
                    calls.add(engine + "|" + model);
                    return 7.5; // the engine's own measurement is what is recorded
                });
            }
            external.put(engine, bodies);
        }
        Map<String, Bench.Timed> order = Bench.latencyOrder(List.of("resnet18", "resnet18-arm"), dl4j, external);
        List<String> expected = List.of("dl4j|resnet18", "dl4j-folded|resnet18", "dl4j-onednn|resnet18",
                "pytorch|resnet18", "onnxruntime|resnet18", "dl4j|resnet18-arm", "dl4j-folded|resnet18-arm",
                "dl4j-onednn|resnet18-arm", "pytorch|resnet18-arm", "onnxruntime|resnet18-arm");
        assertEquals(expected, new ArrayList<>(order.keySet()));

        Bench bench = new Bench(1, 32, 1, 2, 25, s -> { });
        bench.sleeper = ms -> calls.add("settle " + ms);
        List<Bench.Row> rows = bench.latencyRows(order);
        List<String> want = new ArrayList<>(expected);                 // one warm-up each, no pause
        for (int round = 0; round < 2; round++) {
            List<String> r = new ArrayList<>(expected);
            if (round == 1) {
                java.util.Collections.reverse(r);
            }
            for (String body : r) {
                want.add("settle 25");                                 // a pause before every timed run
                want.add(body);
            }
        }
        assertEquals(want, calls);
        assertEquals(10, rows.size());
        for (Bench.Row row : rows) {
            assertEquals(Bench.LATENCY, row.phase);
            assertEquals(2, row.millis.size(), row.engine + " " + row.model);
            assertEquals(1, row.batch);
        }
        Bench.Row torch = rows.stream().filter(r -> r.engine.equals("pytorch")).findFirst().orElseThrow();
        assertEquals(List.of(7.5, 7.5), torch.millis, "PyTorch's own timings");
        assertThrows(IllegalStateException.class, () -> new Bench(2, 32, 0, 1, s -> { }).latency(Map.of()));
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
        IllegalArgumentException settle = assertThrows(IllegalArgumentException.class,
                () -> new Bench(1, 224, 1, 1, -1, s -> { }));
        assertTrue(settle.getMessage().contains("settle=-1"), settle.getMessage());
    }
}
