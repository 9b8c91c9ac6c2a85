package org.armfer.examples.cli;

import org.armfer.examples.report.RunReport;
import org.armfer.train.ModelFiles;
import org.armfer.zoo.Npz;
import org.armfer.zoo.ResNet18;
import org.armfer.zoo.TorchWeights;
import org.armfer.train.TrainRun;
import org.armfer.train.Trainer;
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
import java.util.Set;
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
        assertTrue(csv.get(0).endsWith(",train_wa") && !csv.get(1).endsWith(","), "the training accuracy column: " + csv);
        // config.json holds the resolved recipe, what was overridden, and which examples formed each split
        JsonNode config = new ObjectMapper().readTree(run.resolve(RunReport.CONFIG).toFile());
        assertEquals("demo", config.at("/recipe/name").asText());
        assertEquals(8, config.at("/recipe/batchSize").asInt());
        assertEquals(2, config.at("/recipe/epochs").asInt());
        assertEquals("REFERENCE", config.at("/recipe/augmentation").asText());
        assertEquals(Set.of("epochs", "batchSize"), Set.copyOf(iterator(config.get("overrides").fieldNames())));
        assertEquals("dataset", config.at("/splits/validation").asText(), "FER2013's PublicTest validates the demo data");
        assertEquals(64, config.at("/splits/splits/test/sha256").asText().length());
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
        ComputationGraph whole = ModelFiles.load(run.resolve(TrainRun.MODEL));
        ComputationGraph resumed = ModelFiles.load(b.resolve(TrainRun.MODEL));
        INDArray p1 = whole.params();
        INDArray p2 = resumed.params();
        double maxDiff = p1.sub(p2).amaxNumber().doubleValue();
        // same seed, same batches, same updater state: equal up to float summation order in the native kernels
        assertTrue(maxDiff < 1e-4, "max |param difference| " + maxDiff);
        assertEquals(3, Files.readAllLines(b.resolve(RunReport.EPOCHS)).size());
    }

    private static <T> List<T> iterator(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void recipesAreListedAndAPretrainedOneNeedsItsBackbone() throws Exception {
        CliRunner.Result list = CliRunner.run("train", "--list-recipes");
        assertEquals(0, list.exitCode(), list.toString());
        for (String r : List.of("paper-rafdb", "paper-affectnet7", "paper-affectnet8", "paper-fer2013", "demo")) {
            assertTrue(list.out().contains(r), r + " listed: " + list.out());
        }
        assertTrue(list.out().contains("weight decay 0.0001 coupled, 70 epochs, batch 256"), list.out());
        Path raf = rafDb(tmp.resolve("raf-plain"), true, false);
        CliRunner.Result noWeights = CliRunner.run("train", "--dataset", "rafdb", "--root", raf.toString(), "--out",
                tmp.resolve("no-weights").toString());
        assertEquals(1, noWeights.exitCode(), noWeights.toString());
        assertTrue(noWeights.err().contains("paper-rafdb") && noWeights.err().contains("--weights")
                && noWeights.err().contains("--from-scratch") && noWeights.err().contains("Pretrained weights"), noWeights.toString());
        CliRunner.Result badField = CliRunner.run("train", "--recipe", "paper-rafdb", "--accumulate", "3");
        assertEquals(2, badField.exitCode(), badField.toString());
        assertTrue(badField.err().contains("accumulate"), badField.toString());
    }

    /**
     * A RAF-DB copy: three 16x16 training images per class; its test rows are listed, their images present but not
     * images at all ({@code unreadableTest}), or not listed ({@code withTest} false).
     */
    static Path rafDb(Path root, boolean withTest, boolean unreadableTest) throws Exception {
        StringBuilder labels = new StringBuilder();
        Path aligned = Files.createDirectories(root.resolve("Image/aligned"));
        int n = 0;
        for (int label = 1; label <= 7; label++) {
            for (int i = 0; i < 3; i++) {
                String name = String.format("train_%05d", ++n);
                labels.append(name).append(".jpg ").append(label).append('\n');
                BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, (label * 30 + x * 4 + i) << 8 | y * 9);
                ImageIO.write(img, "jpeg", aligned.resolve(name + "_aligned.jpg").toFile());
            }
        }
        if (withTest) {
            for (int t = 1; t <= 7; t++) {
                String name = String.format("test_%04d", t);
                labels.append(name).append(".jpg ").append(t).append('\n');
                Path img = aligned.resolve(name + "_aligned.jpg");
                if (unreadableTest) {
                    Files.writeString(img, "not an image: a test split read by mistake fails here");
                } else {
                    ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "jpeg", img.toFile());
                }
            }
        }
        Files.createDirectories(root.resolve("EmoLabel"));
        Files.writeString(root.resolve("EmoLabel/list_patition_label.txt"), labels.toString());
        return root;
    }

    @Test
    void searchRanksOnAHoldOutAndNeverReadsTheTestSplit() throws Exception {
        String[] small = {"--recipe", "demo", "--epochs", "1", "--batch", "7", "--max-batches", "1", "--val-fraction", "0.34"};
        for (boolean withTest : new boolean[]{true, false}) {
            Path raf = rafDb(tmp.resolve("raf-" + withTest), withTest, true);
            Path out = tmp.resolve("raf-search-" + withTest);
            CliRunner.Result r = CliRunner.run(args(new String[]{"search", "--dataset", "rafdb", "--root", raf.toString(), "--kind",
                    "sweep", "--kernel-range", "1,1", "--out", out.toString()}, small));
            assertEquals(0, r.exitCode(), (withTest ? "unreadable test images: " : "no test split: ") + r);
            assertTrue(r.out().contains("ranked on validation: 34% of each training class held out (seed 42), 7 images"), r.toString());
            assertTrue(Files.readAllLines(out.resolve("results.csv")).get(1).contains(",OK,"), "the candidate trained");
        }
        // train reads the test split, once, at the end: there the unreadable images fail, naming the file
        CliRunner.Result t = CliRunner.run(args(new String[]{"train", "--dataset", "rafdb", "--root", tmp.resolve("raf-true").toString(),
                "--out", tmp.resolve("raf-train").toString()}, small));
        assertEquals(1, t.exitCode(), t.toString());
        assertTrue(t.out().contains("epoch 1/1") && t.err().contains("test_0001_aligned.jpg"), "trained, then failed on test: " + t);
    }

    @Test
    void resumeWithAnotherValueForAnOptionNamesItAndTheRunsValue() throws Exception {
        long before = Files.getLastModifiedTime(run.resolve(TrainRun.MODEL)).toMillis();
        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", run.toString(), "--lr", "0.5", "--batch", "8");
        assertEquals(2, r.exitCode(), r.toString());
        String message = r.err().lines().findFirst().orElse(""); // the usage text follows
        assertTrue(message.contains("these options differ: --lr 0.5 (the run has 0.001)"), "names the option and the run's value: " + r);
        assertFalse(message.contains("--batch"), "--batch was given with the run's own value: " + r);
        assertEquals(before, Files.getLastModifiedTime(run.resolve(TrainRun.MODEL)).toMillis(), "the run is untouched");
    }

    @Test
    void resumeWithoutACheckpointOrOutIsAnError() {
        CliRunner.Result r = CliRunner.run("train", "--resume");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--out"), r.toString());
        CliRunner.Result r2 = CliRunner.run("train", "--resume", "--out", tmp.resolve("nothing-here").toString());
        assertEquals(2, r2.exitCode(), "a usage error: " + r2);
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
                "--top-k", "2", "--batch", "2", "--json", json.toString(), "--no-detect", "--out", tmp.resolve("pred").toString());
        assertEquals(0, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().filter(l -> l.contains("face")).toList();
        assertEquals(3, lines.size(), r.toString());
        String pred = Files.readString(json);
        assertEquals(6, pred.split("\"probability\"", -1).length - 1, pred);

        // the same image alone gives the same line (batch-independent)
        CliRunner.Result one = CliRunner.run("predict", images.resolve("face1.png").toString(), "--model-file",
                run.resolve(TrainRun.MODEL).toString(), "--top-k", "2", "--no-detect", "--out", tmp.resolve("pred-one").toString());
        assertEquals(lines.get(1), one.out().strip());

        CliRunner.Result bad = CliRunner.run("predict", images.toString(), "--model-file", run.resolve(TrainRun.MODEL).toString(),
                "--top-k", "9");
        assertEquals(2, bad.exitCode(), bad.toString());
        Path corrupt = images.resolve("broken.jpg");
        Files.write(corrupt, new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        CliRunner.Result broken = CliRunner.run("predict", corrupt.toString(), "--model-file", run.resolve(TrainRun.MODEL).toString(),
                "--out", tmp.resolve("pred-broken").toString());
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
    void ablationTrainsEachConfigurationFromTheBackboneAndWritesTheTable() throws Exception {
        // an "ImageNet" backbone in torchvision's keys
        ComputationGraph imagenet = ResNet18.builder().numClasses(1000).inputSize(48).seed(99).build().init();
        Path npz = tmp.resolve("backbone.npz");
        Npz.write(npz, TorchWeights.export(imagenet));
        Path out = tmp.resolve("ablation");
        String[] a = args(new String[]{"ablation"}, SMALL);
        a = args(a, "--root", demo.toString(), "--configs", "none,FA+DA+SA", "--epochs", "1", "--max-batches", "1", "--weights",
                npz.toString(), "--out", out.toString());
        CliRunner.Result r = CliRunner.run(a);
        assertEquals(0, r.exitCode(), r.toString());
        List<String> csv = Files.readAllLines(out.resolve(AblationCommand.CSV));
        assertEquals(3, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith("none,") && csv.get(2).startsWith("FA+DA+SA,"), csv.toString());
        // each configuration started from the backbone: one Adam step (lr 1e-3) away from it, far from a fresh init
        INDArray backbone = imagenet.getLayer("layer4.1.conv2").getParam("W");
        for (String set : List.of("none", "FA_DA_SA")) {
            INDArray trained = ModelFiles.load(out.resolve(set).resolve(TrainRun.MODEL)).getLayer("layer4.1.conv2").getParam("W");
            double d = trained.sub(backbone).amaxNumber().doubleValue();
            assertTrue(d < 3e-3, set + ": max |difference| from the backbone " + d);
        }
        INDArray fresh = ResNet18.builder().numClasses(7).inputSize(48).build().init().getLayer("layer4.1.conv2").getParam("W");
        assertTrue(fresh.sub(backbone).amaxNumber().doubleValue() > 3e-2, "a fresh initialisation is far from it");
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
                {"evaluate", "--weights", "ref.npz"},
                {"evaluate", "--weights", "ref.npz", "--model-file", "m.zip", "--gar", "batch"},
                {"evaluate", "--weights", "ref.npz", "--gar", "sometimes"},
                {"train", "--resume", "--out", "x", "--lr", "0.5"},
                {"train", "--augment", "mixup"},
                {"train", "--weight-decay-mode", "l3"},
                {"search", "--kind", "genetic"},
                {"ablation", "--configs", "FA+XX"},
                {"example", "NoSuchExample"},
                {"bench", "--batch", "0"},
                {"bench", "--latency", "--batch", "4"},
                {"bench", "--settle-ms", "-1"},
                {"bench", "--model", "resnet19"},
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
        // exactly the registry's names, one per line, each with its description
        List<String> listed = models.out().lines().filter(l -> !l.isBlank()).map(l -> l.split("\\s+")[0]).toList();
        assertEquals(org.armfer.zoo.FerModels.names(), listed, models.toString());
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
    void benchTimesAnyRegisteredModelAndSaysWhatRanInDl4jOnly() throws Exception {
        Path json = tmp.resolve("bench-models.json");
        // resnet50 in every engine; resnet18-dsm has no torchvision equivalent and a vertex OneDnnInference does not
        // compile: its DL4J rows run, and the output says so
        CliRunner.Result r = CliRunner.run("bench", "--model", "resnet50,resnet18-dsm", "--batch", "2", "--input-size", "32",
                "--warmup", "0", "--iterations", "1", "--pytorch", "--onnx", "--skip-block", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("note: pytorch/onnxruntime: no PyTorch equivalent of resnet18-dsm"), r.out());
        assertTrue(r.out().contains("note: dl4j-onednn resnet18-dsm ran through DL4J's own output"), r.out());
        JsonNode out = new ObjectMapper().readTree(json.toFile());
        assertEquals(List.of("resnet50", "resnet18-dsm"), new ObjectMapper().convertValue(out.get("models"), List.class));
        assertEquals(2, out.get("notes").size(), out.toString());
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode row : out.get("rows")) {
            counts.merge(row.get("engine").asText() + " " + row.get("model").asText(), 1, Integer::sum);
        }
        assertEquals(Map.of("dl4j resnet50", 2, "dl4j resnet18-dsm", 2, "dl4j-folded resnet50", 1,
                "dl4j-folded resnet18-dsm", 1, "dl4j-onednn resnet50", 1, "dl4j-onednn resnet18-dsm", 1,
                "pytorch resnet50", 2, "onnxruntime resnet50", 1), counts);
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
