package org.armfer.spark;

import org.armfer.datavec.Split;
import org.armfer.layers.GarCalibration;
import org.armfer.train.DataSpec;
import org.armfer.train.ModelEvaluation;
import org.armfer.train.ModelFiles;
import org.armfer.train.TrainRun;
import org.armfer.train.Trainer;
import org.armfer.layers.GarMode;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code armfer-spark} command line, in Spark local mode, with ResNet18Arm at 48x48 on the demo faces. */
class SparkTrainMainTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("armfer.demo.dir", shared.resolve("demo").toString());
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = SparkTrainMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * The run goes through armfer's training library (recipe, validation, checkpoint, card) and its model.zip is what
     * {@code armfer evaluate} takes: the same loading, the same metrics and batch-independence check.
     */
    @Test
    void trainsResNet18ArmOnTheDemoDatasetIntoAModelThatEvaluatePasses() throws Exception {
        Path out = tmp.resolve("run");
        Run r = run("--master", "local[2]", "--dataset", "demo", "--epochs", "1", "--batch", "8", "--max-batches", "4",
                "--work-dir", tmp.resolve("work").toUri().toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.out() + "\n" + r.err());
        assertTrue(r.out().contains("recipe demo (overridden: epochs 10 -> 1, batchSize 32 -> 8)"), r.out());
        assertTrue(r.out().contains("validation: the dataset's validation split") && r.out().contains("test (32 images, evaluated once"),
                r.out());
        for (String f : List.of(TrainRun.CONFIG, TrainRun.EPOCHS, Trainer.CHECKPOINT, TrainRun.MODEL)) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        ModelFiles.Loaded loaded = ModelFiles.loadWithCard(out.resolve(TrainRun.MODEL));
        assertEquals("demo", loaded.card().recipe.name());
        assertEquals(8, loaded.card().recipe.batchSize());
        List<String> sa = GarCalibration.sharingAffinityVertices(loaded.model());
        assertEquals(1, sa.size(), "one SharingAffinity");
        assertEquals(GarMode.RUNNING, ((SharingAffinity) loaded.model().getLayer(sa.get(0)).conf().getLayer()).getGarMode());
        DataSpec demo = new DataSpec();
        demo.maxBatches = 2;
        ModelEvaluation.Result e = ModelEvaluation.run(loaded.model(), loaded.card(), demo, Split.TEST, 12, 16);
        assertEquals(24, e.metrics().total(), "two batches of 12");
        assertTrue(e.batchIndependent(), "batch 1 vs 12 and shuffled: " + e.independence().maxDiffBatch1 + ", "
                + e.independence().maxDiffShuffled);
        // an ARM model: evaluate also reports how far the reference's GarMode.BATCH would move these predictions
        assertTrue(e.batchMode() != null && e.json().containsKey("batchModeMaxDiffBatch1"), e.json().toString());
    }

    @Test
    void savesTheDemoDataAndTrainsFromTheSavedDataSets() throws Exception {
        Path train = tmp.resolve("train");
        Path val = tmp.resolve("val");
        Run s = run("save", "--dataset", "demo", "--split", "train", "--batch", "8", "--max-batches", "4", "--to", train.toString());
        assertEquals(0, s.code(), s.out() + "\n" + s.err());
        assertTrue(s.out().startsWith("4 DataSets"), s.out());
        assertEquals(0, run("save", "--dataset", "demo", "--split", "val", "--batch", "16", "--max-batches", "2", "--to", val.toString()).code());
        List<Path> files;
        try (Stream<Path> l = Files.list(train)) {
            files = l.sorted().collect(Collectors.toList());
        }
        assertEquals(4, files.size(), files.toString());
        DataSet first = new DataSet();
        first.load(files.get(0).toFile());
        assertEquals(List.of(8L, 3L, 48L, 48L), List.of(first.getFeatures().shape()[0], first.getFeatures().shape()[1],
                first.getFeatures().shape()[2], first.getFeatures().shape()[3]), "saved batch shape");

        Path out = tmp.resolve("saved-run");
        Run r = run("--data-dir", train.toString(), "--val-dir", val.toString(), "--epochs", "1", "--batch", "8",
                "--workers-batch", "4", "--averaging-frequency", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + "\n" + r.err());
        assertTrue(r.out().contains("validation (" + val + ") WA") && r.out().contains("(32 examples)"), r.out());

        // the model restored from the zip predicts each face the same alone or in a batch (GarMode.RUNNING)
        ComputationGraph g = ModelFiles.loadWithCard(out.resolve(TrainRun.MODEL)).model();
        INDArray x = first.getFeatures();
        INDArray all = g.outputSingle(false, x);
        for (int i : new int[]{0, 5, 7}) {
            INDArray one = g.outputSingle(false, x.get(NDArrayIndex.interval(i, i + 1)).dup());
            assertTrue(one.equalsWithEps(all.getRow(i, true), 1e-5), "ResNet18Arm, face " + i + ": " + one + " vs " + all.getRow(i, true));
        }
    }

    @Test
    void rejectsBadUsageWithExitCode2() {
        Path out = tmp.resolve("m.zip");
        assertEquals(2, run("--epochs", "0", "--out", out.toString()).code(), "--epochs 0");
        assertEquals(2, run("--dataset", "demo").code(), "no --out");
        assertEquals(2, run("--dataset", "rafdb", "--out", out.toString()).code(), "rafdb without --root");
        assertEquals(2, run("--data-dir", "x", "--out", out.toString()).code(), "--data-dir without --val-dir");
        assertEquals(2, run("--recipe", "nope", "--out", out.toString()).code(), "unknown recipe");
        assertEquals(2, run("--dataset", "demo", "--data-dir", "x", "--out", out.toString()).code(), "--dataset with --data-dir");
        assertEquals(2, run("--model", "vgg", "--out", out.toString()).code(), "unknown model");
        Run pretrained = run("--dataset", "rafdb", "--root", tmp.toString(), "--out", out.toString());
        assertEquals(1, pretrained.code(), "paper-rafdb needs the ImageNet backbone");
        assertTrue(pretrained.err().contains("--weights") && pretrained.err().contains("--from-scratch"), pretrained.err());
        assertEquals(2, run("save", "--split", "nope", "--to", out.toString()).code(), "unknown split");
        assertTrue(run("--model", "vgg", "--out", out.toString()).err().contains("resnet18-arm"), "the message lists the models");
    }
}
