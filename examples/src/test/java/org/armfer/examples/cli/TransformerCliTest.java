package org.armfer.examples.cli;

import org.armfer.train.ModelFiles;
import org.armfer.train.TrainRun;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformers through the one training path: {@code armfer train --model vit-ti16 --input-size 48} on the demo
 * data, then {@code evaluate} and {@code predict} on its model file; the neural-resizer pipeline {@code vit-ti16-nr64}
 * trains with its own F-PDLS; ARM options are refused for a model without ARM; {@code --list-models} lists them.
 */
class TransformerCliTest {

    @TempDir
    static Path tmp;
    static Path demo;
    static Path run;

    @BeforeAll
    static void trainVit() throws Exception {
        demo = Files.createDirectories(tmp.resolve("demo"));
        run = tmp.resolve("vit");
        CliRunner.Result r = CliRunner.run("train", "--model", "vit-ti16", "--dataset", "demo", "--root", demo.toString(),
                "--input-size", "48", "--epochs", "1", "--max-batches", "2", "--batch", "8", "--seed", "7", "--out", run.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("vit-ti16 48x48") && r.out().contains("epoch 1/1"), r.toString());
    }

    @Test
    void theTrainedVitIsAModelFileWithItsRecipeAndTheRecipesTrainingSettings() throws Exception {
        JsonNode config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("vit-ti16", config.at("/recipe/model").asText());
        assertEquals(48, config.at("/recipe/inputSize").asInt());
        ComputationGraph g = ModelFiles.load(run.resolve(TrainRun.MODEL));
        BaseOutputLayer head = (BaseOutputLayer) ((LayerVertex) g.getConfiguration().getVertices().get("heads.head"))
                .getLayerConf().getLayer();
        assertEquals(7, head.getNOut(), "the demo data's 7 classes");
        // the demo recipe's Adam (lr 1e-3) reached the transformer blocks, not the model's own default Adam(1e-4)
        org.armfer.layers.transformer.TokenLayer block = (org.armfer.layers.transformer.TokenLayer) ((LayerVertex) g
                .getConfiguration().getVertices().get("encoder.layers.encoder_layer_0")).getLayerConf().getLayer();
        Adam adam = assertInstanceOf(Adam.class, block.getUpdater());
        assertEquals(1e-3, adam.getLearningRate(0, 0), 1e-12);
        assertFalse(block.getRegularization().isEmpty(), "the demo recipe's decoupled weight decay on the block's weights");
    }

    @Test
    void evaluateAndPredictWorkOnTheTrainedVit() throws Exception {
        Path out = tmp.resolve("eval");
        CliRunner.Result e = CliRunner.run("evaluate", "--model-file", run.resolve(TrainRun.MODEL).toString(), "--dataset", "demo",
                "--root", demo.toString(), "--batch", "16", "--check", "16", "--out", out.toString());
        assertEquals(0, e.exitCode(), e.toString());
        assertTrue(e.out().contains("predictions agree"), e.toString());
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"weightedAccuracy\"") && metrics.contains("\"batchIndependent\" : true"), metrics);

        Path images = Files.createDirectories(tmp.resolve("images"));
        BufferedImage img = new BufferedImage(60, 60, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 60; y++) for (int x = 0; x < 60; x++) img.getRaster().setSample(x, y, 0, (x * 3 + y * 2) % 256);
        ImageIO.write(img, "png", images.resolve("face.png").toFile());
        Path json = tmp.resolve("pred.json");
        CliRunner.Result p = CliRunner.run("predict", "--no-detect", images.resolve("face.png").toString(), "--model-file",
                run.resolve(TrainRun.MODEL).toString(), "--top-k", "3", "--json", json.toString(), "--out", tmp.resolve("pred").toString());
        assertEquals(0, p.exitCode(), p.toString());
        assertTrue(p.out().contains("face.png"), p.toString());
        String pred = Files.readString(json);
        assertEquals(3, pred.split("\"probability\"", -1).length - 1, pred);
    }

    @Test
    void thePipelineTrainsWithItsOwnFpdlsAndArmOptionsAreRefused() throws Exception {
        Path nr = tmp.resolve("nr");
        CliRunner.Result r = CliRunner.run("train", "--model", "vit-ti16-nr64", "--dataset", "demo", "--root", demo.toString(),
                "--epochs", "1", "--max-batches", "1", "--batch", "8", "--out", nr.toString());
        assertEquals(0, r.exitCode(), r.toString());
        ComputationGraph g = ModelFiles.load(nr.resolve(TrainRun.MODEL));
        BaseOutputLayer out = (BaseOutputLayer) ((LayerVertex) g.getConfiguration().getVertices().get("head.4")).getLayerConf()
                .getLayer();
        org.armfer.layers.loss.LossPDLS loss = assertInstanceOf(org.armfer.layers.loss.LossPDLS.class, out.getLossFn(),
                "no --loss: the pipeline's own F-PDLS");
        assertEquals(0.8, loss.getAlpha());
        assertEquals(2.0, loss.getGamma());
        long[] resized = g.feedForward(org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 48, 48),
                false).get("resizer.out").shape();
        assertEquals(List.of(1L, 3L, 64L, 64L), java.util.Arrays.stream(resized).boxed().toList(),
                "the resizer's output is the transformer's input");

        for (String[] bad : new String[][]{{"--kernel-size", "3"}, {"--lambda", "0.5"}}) {
            CliRunner.Result k = CliRunner.run("train", "--model", "vit-ti16", "--dataset", "demo", "--root", demo.toString(),
                    "--input-size", "48", "--epochs", "1", bad[0], bad[1], "--out", tmp.resolve("refused").toString());
            assertEquals(2, k.exitCode(), k.toString());
            assertTrue(k.err().contains("vit-ti16 has no ARM"), k.toString());
        }
        CliRunner.Result b = CliRunner.run("train", "--model", "swin-t", "--dataset", "demo", "--root", demo.toString(),
                "--input-size", "48", "--blocks", "FA+DA+SA", "--out", tmp.resolve("refused").toString());
        assertEquals(2, b.exitCode(), b.toString());
        assertTrue(b.err().contains("swin-t is a transformer"), b.toString());
        assertFalse(Files.exists(tmp.resolve("refused").resolve(TrainRun.MODEL)));
    }

    @Test
    void listModelsShowsTheTransformers() {
        CliRunner.Result r = CliRunner.run("train", "--list-models");
        assertEquals(0, r.exitCode(), r.toString());
        for (String m : List.of("vit-ti16", "vit-b16", "swin-t", "swin-b", "swin-b-nr", "vit-ti16-nr64")) {
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(m + " ") || l.strip().equals(m)), m + "\n" + r);
        }
        CliRunner.Result recipes = CliRunner.run("train", "--list-recipes");
        assertTrue(recipes.out().contains("vt-nr-ferplus"), recipes.toString());
    }
}
