package org.armfer.examples.bench;

import org.armfer.zoo.FerModels;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which models {@code bench --model} times, and which PyTorch model stands for each. */
class BenchModelsTest {

    @Test
    void torchvisionNamesForPlainResNetsViTsAndSwins() {
        assertEquals(Optional.of("resnet18"), ExternalBench.torchSpec("resnet18", 224));
        assertEquals(Optional.of("resnet50"), ExternalBench.torchSpec("resnet50", 224));
        assertEquals(Optional.of("resnet152"), ExternalBench.torchSpec(" ResNet152 ", 96));
        assertEquals(Optional.of("vit_b_16"), ExternalBench.torchSpec("vit-b16", 224));
        assertEquals(Optional.of("vit_l_32"), ExternalBench.torchSpec("vit-l-32", 224));
        assertEquals(Optional.of("vit_h_14"), ExternalBench.torchSpec("vit-h14", 224));
        assertEquals(Optional.of("swin_t"), ExternalBench.torchSpec("swin-t", 224));
        assertEquals(Optional.of("swin_s"), ExternalBench.torchSpec("swin-s", 224));
        assertEquals(Optional.of("swin_b"), ExternalBench.torchSpec("SWIN-B", 224));
        assertEquals(Optional.of("swin_v2_t"), ExternalBench.torchSpec("swin-v2-t", 224));
    }

    @Test
    void armModelsGetTheReferenceHeadAtArmfersGeometry() {
        // the paper: PixelShuffle(16) of 512x7x7 to 2x112x112, DA 32/8
        assertEquals(Optional.of("arm:resnet18:16:32:8"), ExternalBench.torchSpec("resnet18-arm", 224));
        assertEquals(Optional.of("arm:resnet34:16:32:8"), ExternalBench.torchSpec("resnet34-arm", 224));
        // 2048x7x7: block size 32 to 2x224x224, DA 64/16 (the paper's scaled; FerModels' description)
        assertEquals(Optional.of("arm:resnet50:32:64:16"), ExternalBench.torchSpec("resnet50-arm", 224));
    }

    @Test
    void theArmHeadsFeatureCountIsDl4jsAtAnotherInputSize() {
        String[] spec = ExternalBench.torchSpec("resnet18-arm", 96).orElseThrow().split(":");
        int r = Integer.parseInt(spec[2]);
        int k = Integer.parseInt(spec[3]);
        int s = Integer.parseInt(spec[4]);
        int side = r * ((96 + 31) / 32);        // what torch_bench.py's ArmResNet arranges
        long out = (side - k) / s + 1;
        ComputationGraph g = FerModels.init("resnet18-arm", 7, 96);
        long nIn = ((FeedForwardLayer) g.getLayer("fc").conf().getLayer()).getNIn();
        assertEquals(nIn, out * out, "PyTorch's Linear reads as many features as DL4J's fc: " + String.join(":", spec));
    }

    @Test
    void modelsWithoutAPyTorchEquivalentMapToNothing() {
        for (String name : List.of("resnet18-dsm", "resnet18-arm-dsm", "resnet18-rarn", "resnet50-rarn", "despam",
                "despam-arm", "resnet18-resizer", "resnet18-arm-resizer", "vit-b16-arm", "swin-t-arm", "resnet20",
                "vit-x16", "swin-x")) {
            assertEquals(Optional.empty(), ExternalBench.torchSpec(name, 224), name);
        }
    }

    @Test
    void theMappedNamesAreTorchvisionConstructors() throws Exception {
        // the Debian torchvision the bench runs (0.14): each name it maps to exists and is callable
        List<String> names = List.of("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vit_b_16",
                "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14", "swin_t", "swin_s", "swin_b", "swin_v2_t");
        for (String n : names) {
            String armferName = n.startsWith("vit_") ? "vit-" + n.charAt(4) + n.substring(6)
                    : n.startsWith("swin_") ? "swin-" + n.substring(5).replace('_', '-') : n;
            assertEquals(Optional.of(n), ExternalBench.torchSpec(armferName, 224), armferName);
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(ExternalBench.PYTHON, "-c", "import sys, torchvision.models"
                + " as m\nprint('checked', ' '.join(n for n in sys.argv[1:] if not callable(getattr(m, n, None))))"));
        cmd.addAll(names);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python did not finish");
        assertEquals(0, p.exitValue(), out);
        assertEquals("checked", out, "torchvision lacks the names after 'checked'");
    }

    @Test
    void anArmModelIsTimedBesideItsGapModel() {
        assertEquals(List.of("resnet18", "resnet18-arm"), Bench.expandModels(List.of(Bench.DEFAULT_MODEL)));
        assertEquals(List.of("resnet50"), Bench.expandModels(List.of("resnet50")));
        assertEquals(List.of("resnet50", "resnet50-arm"), Bench.expandModels(List.of(" RESNET50-ARM", "resnet50")));
        assertEquals(List.of("despam", "despam-arm", "resnet18-dsm"),
                Bench.expandModels(List.of("despam-arm", "resnet18-dsm")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bench.expandModels(List.of("resnet19")));
        assertTrue(e.getMessage().contains("resnet19") && e.getMessage().contains("resnet18-arm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Bench.expandModels(List.of()));
    }

    @Test
    void armsCostIsReportedForEveryArmModelAgainstItsOwnGapModel() {
        List<Bench.Row> rows = List.of(
                new Bench.Row("dl4j", "resnet50", "train", 1, 32, List.of(100.0)),
                new Bench.Row("dl4j", "resnet50-arm", "train", 1, 32, List.of(103.0)),
                new Bench.Row("dl4j", "resnet18", "inference", 1, 32, List.of(10.0)),
                new Bench.Row("dl4j", "resnet50-arm", "inference", 1, 32, List.of(40.0)));
        List<String> r = Bench.ratios(rows);
        assertEquals(1, r.size(), r.toString());
        assertTrue(r.get(0).contains("ARM costs +3.0% time vs GAP (resnet50-arm)"), r.get(0));
    }
}
