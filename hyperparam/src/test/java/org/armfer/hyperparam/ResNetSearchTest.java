package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.armfer.layers.DeAlbino;
import org.armfer.layers.SharingAffinity;
import org.armfer.zoo.FerResNet;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two ready-made searches on the zoo's ResNet-18 at 48x48 input (FER2013's size; its final map is 512x2x2, the
 * arranged map 2x32x32), one epoch on a handful of generated images.
 */
class ResNetSearchTest {

    private static final int SIZE = 48;
    private static final int CLASSES = 3;
    private static final DataSet TRAIN = TestData.images(6, CLASSES, 3, SIZE, 21);
    private static final DataSet VALIDATION = TestData.images(6, CLASSES, 3, SIZE, 22);

    private static ArmSearch.Builder resnet(Path out) {
        return ArmSearch.builder()
                .train(TestData.supplier(TRAIN, 3))
                .validation(TestData.supplier(VALIDATION, 6))
                .inputSize(SIZE)
                .epochs(1)
                .seed(3)
                .outDir(out);
    }

    @Test
    void figure6SweepOnResNet18(@TempDir Path out) throws IOException {
        // DA alone on the 2x2 final map, stride 1: k = 1, 2 fit, k = 3 does not
        SearchResult r = resnet(out).kind(ArmSearch.Kind.SWEEP).kernelRange(1, 3).build().run();
        assertTrue(r.settings().model().startsWith("resnet18 3x48x48, 3 classes"), r.settings().model());
        assertEquals(List.of(1, 2, 3), r.rows().stream().map(x -> x.hyperparameters().kernelSize()).toList(), r.toString());
        assertEquals(List.of(SearchStatus.OK, SearchStatus.OK, SearchStatus.INVALID),
                r.rows().stream().map(SearchRow::status).toList(), r.toString());
        assertTrue(r.rows().get(2).reason().contains("kernelSize 3 is larger than the feature map 2x2 (input 512x2x2)"),
                r.rows().get(2).reason());
        assertEquals(512L * 2 * 2, r.rows().get(0).features(), "k=1 keeps 512x2x2");
        assertEquals(512L, r.rows().get(1).features(), "k=2 gives 512x1x1");
        assertEquals(4, Files.readAllLines(r.resultsCsv()).size());
        ArmSearchTest.assertPng(r.plot().orElseThrow());

        SearchRow best = r.best().orElseThrow();
        ComputationGraph model = ModelSerializer.restoreComputationGraph(r.bestModel().orElseThrow().toFile(), false);
        assertEquals(FerResNet.FC, model.getConfiguration().getNetworkOutputs().get(0));
        DeAlbino da = (DeAlbino) ((LayerVertex) model.getConfiguration().getVertices().get("arm.da")).getLayerConf().getLayer();
        assertEquals(best.hyperparameters().kernelSize(), da.getKernelSize(), "saved model = best candidate " + best);
        assertEquals(best.arm(), SearchReport.readArm(r.bestJson().orElseThrow()));
    }

    @Test
    void randomSearchOnResNet18Arm(@TempDir Path out) throws IOException {
        SearchResult r = resnet(out).kind(ArmSearch.Kind.RANDOM).candidates(2).build().run();
        assertEquals(2, r.rows().size(), r.toString());
        for (SearchRow row : r.rows()) {
            ArmHyperparameters p = row.hyperparameters();
            String at = row.toString();
            assertEquals("FA+DA+SA", p.blocks(), at);
            assertTrue(p.kernelSize() >= 2 && p.kernelSize() <= 16, "default k range at 48x48 is 2..16: " + at);
            assertTrue(p.strideRatio() >= 0.25 && p.strideRatio() <= 0.5, at);
            assertTrue(p.lambda() >= 0 && p.lambda() <= 2, at);
            assertEquals(SearchStatus.OK, row.status(), "every default candidate fits the 32x32 arranged map: " + at);
            long side = DeAlbino.outSize(32, p.kernelSize(), p.stride());
            assertEquals(side * side, row.features(), at);
            ArmModule arm = row.arm();
            assertEquals(p.lambda(), arm.getLambda(), 0.0, at);
            assertEquals(p.learnableLambda(), arm.isLearnableLambda(), at);
        }
        ComputationGraph model = ModelSerializer.restoreComputationGraph(r.bestModel().orElseThrow().toFile(), false);
        assertTrue(((LayerVertex) model.getConfiguration().getVertices().get("arm.sa")).getLayerConf().getLayer()
                instanceof SharingAffinity, "ResNet-18-ARM's head");
        ArmModule best = r.bestArm().orElseThrow();
        assertEquals(best, ArmModule.fromJson(Files.readString(r.bestArmJson().orElseThrow())));
    }

    @Test
    void imagesOfAnotherSizeThanInputSizeAreAnError(@TempDir Path out) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> resnet(out).inputSize(64).kind(ArmSearch.Kind.SWEEP).build().run());
        assertEquals("inputSize is 64 but the training images are 48x48; resize the data or set inputSize to match",
                e.getMessage());
    }
}
