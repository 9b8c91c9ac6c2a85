package org.armfer.examples.cli;

import org.armfer.examples.report.RunReport;
import org.armfer.examples.train.Checkpoints;
import org.armfer.examples.train.TrainRun;
import org.armfer.examples.train.Trainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand on the demo data, small: exit codes, the files written, resume equality, and usage errors for bad
 * flags. Training runs use 48x48 inputs and a few batches per epoch to stay fast.
 */
class CliTest {

    @TempDir
    static Path tmp;
    static Path demo;
    /** A finished two-epoch run shared by the evaluate/predict tests. */
    static Path run;

    static final String[] SMALL = {"--dataset", "demo", "--batch", "8", "--seed", "7"};

    static String[] args(String[] head, String... tail) {
        String[] a = new String[head.length + tail.length];
        System.arraycopy(head, 0, a, 0, head.length);
        System.arraycopy(tail, 0, a, head.length, tail.length);
        return a;
    }

    /** A small training run; three batches per pass unless {@code extra} gives --max-batches. */
    static String[] train(String... extra) {
        String[] a = args(new String[]{"train"}, SMALL);
        if (!java.util.Arrays.asList(extra).contains("--max-batches")) {
            a = args(a, "--max-batches", "3");
        }
        a = args(a, "--root", demo.toString());
        return args(a, extra);
    }

    @BeforeAll
    static void trainOnce() {
        demo = tmp.resolve("demo");
        try {
            Files.createDirectories(demo);
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
        run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run(train("--epochs", "2", "--out", run.toString()));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("epoch 1/2") && r.out().contains("epoch 2/2"), r.toString());
        assertTrue(r.out().contains("WA ") && r.out().contains("Report: "), r.toString());
    }

    @Test
    void trainWritesTheWholeReportFolder() throws Exception {
        for (String f : List.of(RunReport.CONFIG, RunReport.EPOCHS, RunReport.CURVES, RunReport.CONFUSION, RunReport.CONFUSION_TEXT,
                RunReport.HTML, TrainRun.MODEL, Trainer.CHECKPOINT)) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(run.resolve(RunReport.EPOCHS));
        assertEquals(3, csv.size(), "header + one line per epoch: " + csv);
        assertTrue(Files.readString(run.resolve(RunReport.HTML)).contains("curves.png"));
        // PNGs are real images
        assertTrue(ImageIO.read(run.resolve(RunReport.CURVES).toFile()).getWidth() > 100);
        // a second run into the same folder without --resume is refused, and nothing is overwritten
        long modified = Files.getLastModifiedTime(run.resolve(TrainRun.MODEL)).toMillis();
        CliRunner.Result again = CliRunner.run(train("--epochs", "1", "--out", run.toString()));
        assertEquals(1, again.exitCode(), again.toString());
        assertTrue(again.err().contains("--resume"), again.toString());
        assertEquals(modified, Files.getLastModifiedTime(run.resolve(TrainRun.MODEL)).toMillis());
    }

    @Test
    void resumeAfterAnInterruptionEndsWhereTheUninterruptedRunEnds() throws Exception {
        Path b = tmp.resolve("interrupted");
        // the "interrupted" run stops after its first checkpoint; --resume takes it to two epochs
        assertEquals(0, CliRunner.run(train("--epochs", "1", "--out", b.toString())).exitCode());
        Files.delete(b.resolve(TrainRun.MODEL)); // a kill before the end leaves no final model
        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", b.toString(), "--epochs", "2");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("epoch 2/2") && !r.out().contains("epoch 1/2"), r.toString());
        ComputationGraph whole = Checkpoints.loadModel(run.resolve(TrainRun.MODEL));
        ComputationGraph resumed = Checkpoints.loadModel(b.resolve(TrainRun.MODEL));
        INDArray p1 = whole.params();
        INDArray p2 = resumed.params();
        double maxDiff = p1.sub(p2).amaxNumber().doubleValue();
        // same seed, same batches, same updater state: equal up to float summation order in the native kernels
        assertTrue(maxDiff < 1e-4, "max |param difference| " + maxDiff);
        assertEquals(3, Files.readAllLines(b.resolve(RunReport.EPOCHS)).size());
    }

    @Test
    void resumeWithoutACheckpointOrOutIsAnError() {
        CliRunner.Result r = CliRunner.run("train", "--resume");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--out"), r.toString());
        CliRunner.Result r2 = CliRunner.run("train", "--resume", "--out", tmp.resolve("nothing-here").toString());
        assertEquals(1, r2.exitCode(), r2.toString());
        assertTrue(r2.err().contains("config.json"), r2.toString());
    }

    @Test
    void evaluateReportsMetricsAndBatchIndependence() throws Exception {
        Path out = tmp.resolve("eval");
        CliRunner.Result r = CliRunner.run("evaluate", "--model-file", run.resolve(TrainRun.MODEL).toString(), "--dataset", "demo",
                "--root", demo.toString(), "--batch", "16", "--check", "24", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("predictions agree"), r.toString());
        assertTrue(r.out().contains("GarMode.BATCH"), r.toString());
        assertTrue(r.out().contains("happiness"), r.toString());
        String json = Files.readString(out.resolve("metrics.json"));
        assertTrue(json.contains("\"weightedAccuracy\"") && json.contains("\"batchIndependent\" : true"), json);
        assertTrue(Files.size(out.resolve(RunReport.CONFUSION)) > 0);
    }

    @Test
    void predictGivesTopKForAFolderOfImages() throws Exception {
        Path images = tmp.resolve("images");
        Files.createDirectories(images);
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(60, 60, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 60; y++) for (int x = 0; x < 60; x++) img.getRaster().setSample(x, y, 0, (x * 3 + y * i) % 256);
            ImageIO.write(img, "png", images.resolve("face" + i + ".png").toFile());
        }
        Files.writeString(images.resolve("notes.txt"), "not an image");
        Path json = tmp.resolve("pred.json");
        CliRunner.Result r = CliRunner.run("predict", images.toString(), "--model-file", run.resolve(TrainRun.MODEL).toString(),
                "--top-k", "2", "--batch", "2", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().filter(l -> l.contains("face")).toList();
        assertEquals(3, lines.size(), r.toString());
        String pred = Files.readString(json);
        assertEquals(6, pred.split("\"probability\"", -1).length - 1, pred);

        // the same image alone gives the same line (batch-independent)
        CliRunner.Result one = CliRunner.run("predict", images.resolve("face1.png").toString(), "--model-file",
                run.resolve(TrainRun.MODEL).toString(), "--top-k", "2");
        assertEquals(lines.get(1), one.out().strip());

        CliRunner.Result bad = CliRunner.run("predict", images.toString(), "--model-file", run.resolve(TrainRun.MODEL).toString(),
                "--top-k", "9");
        assertEquals(2, bad.exitCode(), bad.toString());
        Path corrupt = images.resolve("broken.jpg");
        Files.write(corrupt, new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        CliRunner.Result broken = CliRunner.run("predict", corrupt.toString(), "--model-file", run.resolve(TrainRun.MODEL).toString());
        assertEquals(1, broken.exitCode(), broken.toString());
        assertTrue(broken.err().contains("broken.jpg"), broken.toString());
    }

    @Test
    void dataChecksALayoutAndFailsOnAWrongOne() throws Exception {
        CliRunner.Result ok = CliRunner.run("data", "--dataset", "demo", "--root", demo.toString());
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.out().contains("OK"), ok.toString());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliRunner.Result bad = CliRunner.run("data", "--dataset", "fer2013", "--root", empty.toString());
        assertEquals(1, bad.exitCode(), bad.toString());
        assertTrue((bad.out() + bad.err()).contains("fer2013.csv"), bad.toString());
        CliRunner.Result json = CliRunner.run("data", "--dataset", "demo", "--root", demo.toString(), "--json");
        assertEquals(0, json.exitCode(), json.toString());
        assertTrue(json.out().strip().startsWith("{"), json.toString());
    }

    @Test
    void ablationTrainsEachConfigurationAndWritesTheTable() throws Exception {
        Path out = tmp.resolve("ablation");
        String[] a = args(new String[]{"ablation"}, SMALL);
        a = args(a, "--root", demo.toString(), "--configs", "none,FA+DA+SA", "--epochs", "1", "--max-batches", "1", "--out", out.toString());
        CliRunner.Result r = CliRunner.run(a);
        assertEquals(0, r.exitCode(), r.toString());
        List<String> csv = Files.readAllLines(out.resolve(AblationCommand.CSV));
        assertEquals(3, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith("none,") && csv.get(2).startsWith("FA+DA+SA,"), csv.toString());
        // rerun: finished configurations are not trained again
        CliRunner.Result again = CliRunner.run(a);
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("already done"), again.toString());
    }

    @Test
    void searchWritesResultsThatTrainTakesBack() throws Exception {
        Path out = tmp.resolve("search");
        CliRunner.Result r = CliRunner.run("search", "--dataset", "demo", "--root", demo.toString(), "--kind", "random",
                "--candidates", "2", "--epochs", "1", "--batch", "8", "--max-batches", "2", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(3, Files.readAllLines(out.resolve("results.csv")).size());
        assertTrue(Files.isRegularFile(out.resolve("best.json")));
        assertTrue(Files.isRegularFile(out.resolve("scores.png")));
        CliRunner.Result t = CliRunner.run(train("--epochs", "1", "--max-batches", "1", "--arm-config", out.resolve("best.json").toString(),
                "--out", tmp.resolve("from-search").toString()));
        assertEquals(0, t.exitCode(), t.toString());
        String config = Files.readString(tmp.resolve("from-search").resolve(RunReport.CONFIG));
        assertTrue(config.contains("kernelSize"), config);
    }

    @Test
    void badFlagsAreUsageErrorsWithoutStackTraces() {
        String[][] cases = {
                {"train", "--epochs", "0"},
                {"train", "--dataset", "nope"},
                {"train", "--bogus"},
                {"train", "--channels", "5"},
                {"train", "--model", "resnet99"},
                {"train", "--blocks", "XX"},
                {"train", "--loss", "hinge"},
                {"train", "--gar-mode", "SOMETIMES"},
                {"evaluate"},
                {"search", "--kind", "genetic"},
                {"ablation", "--configs", "FA+XX"},
                {"example", "NoSuchExample"},
                {"bench", "--batch", "0"},
                {"bench", "--latency", "--batch", "4"},
                {"bench", "--settle-ms", "-1"},
        };
        for (String[] c : cases) {
            CliRunner.Result r = CliRunner.run(c);
            assertEquals(2, r.exitCode(), String.join(" ", c) + "\n" + r);
            assertFalse(r.err().contains("\tat "), "stack trace for " + String.join(" ", c) + "\n" + r);
            assertFalse(r.err().isBlank(), String.join(" ", c));
        }
        CliRunner.Result unknown = CliRunner.run("train", "--dataset", "nope");
        assertTrue(unknown.err().contains("affectnet8"), "lists the allowed datasets: " + unknown);
    }

    @Test
    void helpIsEverywhere() {
        for (String cmd : List.of("train", "evaluate", "predict", "ablation", "search", "data", "bench", "example")) {
            CliRunner.Result r = CliRunner.run(cmd, "--help");
            assertEquals(0, r.exitCode(), cmd);
            assertTrue(r.out().contains("Usage: armfer " + cmd), cmd + ": " + r.out());
        }
        CliRunner.Result models = CliRunner.run("train", "--list-models");
        assertTrue(models.out().contains("resnet18-arm"), models.toString());
    }

    @Test
    void benchWritesJson() throws Exception {
        Path json = tmp.resolve("bench.json");
        CliRunner.Result r = CliRunner.run("bench", "--batch", "2", "--input-size", "48", "--warmup", "0", "--iterations", "1",
                "--json", json.toString());
        assertEquals(0, r.exitCode(), r.toString());
        String j = Files.readString(json);
        assertTrue(j.contains("resnet18") && j.contains("images"), j);
        assertTrue(j.contains("dl4j-folded"), "the batch-norm-folded inference rows: " + j);
    }

    @Test
    void benchRunsPyTorchAndOnnxRuntimeSideBySide() throws Exception {
        Path json = tmp.resolve("bench-external.json");
        CliRunner.Result r = CliRunner.run("bench", "--batch", "2", "--input-size", "48", "--warmup", "0",
                "--iterations", "2", "--pytorch", "--onnx", "--skip-block", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("rows");
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode row : rows) {
            assertEquals(2, row.get("millis").size(), "two timed iterations: " + row);
            counts.merge(row.get("engine").asText() + " " + row.get("phase").asText(), 1, Integer::sum);
        }
        // both models in every engine and phase
        assertEquals(Map.of("dl4j inference", 2, "dl4j train", 2, "dl4j-folded inference", 2,
                "dl4j-onednn inference", 2, "onnxruntime inference", 2, "pytorch inference", 2, "pytorch train", 2),
                counts);
    }

    @Test
    void benchLatencyTimesOneImageInEveryEngineInTheSameRounds() throws Exception {
        Path json = tmp.resolve("bench-latency.json");
        // PyTorch served and interleaved (ONNX Runtime's bodies are the batch runs' ones, tested there)
        CliRunner.Result r = CliRunner.run("bench", "--latency", "--input-size", "48", "--warmup", "0",
                "--iterations", "3", "--settle-ms", "0", "--pytorch", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("p99 ms") && r.out().contains("dl4j-onednn vs pytorch"), r.out());
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("rows");
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode row : rows) {
            assertEquals(3, row.get("millis").size(), "three timed rounds: " + row);
            assertEquals(1, row.get("batch").asInt(), row.toString());
            assertTrue(row.get("p50").asDouble() > 0 && row.get("p99").asDouble() >= row.get("p50").asDouble(),
                    row.toString());
            counts.merge(row.get("engine").asText(), 1, Integer::sum);
        }
        assertEquals(Map.of("dl4j", 2, "dl4j-folded", 2, "dl4j-onednn", 2, "pytorch", 2), counts,
                "both models in every engine");
    }

    @Test
    void programmerExamplesRun() {
        for (String name : List.of("AddArmToYourGraph", "ImportTorchvisionWeights", "ReadDataset")) {
            CliRunner.Result r = CliRunner.run("example", name);
            assertEquals(0, r.exitCode(), name + ": " + r);
        }
    }
}
