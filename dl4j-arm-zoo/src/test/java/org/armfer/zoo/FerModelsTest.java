package org.armfer.zoo;

import org.armfer.layers.loss.LossPDLS;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The named models, the issue-7 variants (DSM, RARN, learnable resizer, PDLS loss) at 48x48: build, fit, save/load. */
class FerModelsTest {

    @TempDir
    Path tmp;

    private static DataSet tiny(int n, int channels, int side, int classes) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, channels, side, side);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) y.putScalar(i, i % classes, 1);
        return new DataSet(x, y);
    }

    @Test
    void namesDescriptionsAndUnknownNames() {
        assertEquals(List.of("resnet18", "resnet18-arm", "resnet18-dsm", "resnet18-arm-dsm", "resnet18-rarn",
                "resnet18-arm-resizer", "resnet34", "resnet34-arm"), FerModels.names());
        for (String n : FerModels.names()) assertTrue(FerModels.describe(n).length() > 10, n);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FerModels.builder("resnet50"));
        assertTrue(e.getMessage().contains("resnet18-rarn"), e.getMessage());
        assertEquals(34, FerModels.builder("resnet34-arm").build().getDepth().depth());
        assertTrue(FerModels.builder("resnet18-arm").build().hasArm());
    }

    @Test
    void everyIssue7VariantBuildsFitsAndRoundTrips() throws Exception {
        Map<String, List<String>> expectedVertices = Map.of(
                "resnet18-dsm", List.of("dsm3.gate", "dsm4.gate", "avgpool"),
                "resnet18-arm-dsm", List.of("dsm3.gate", "dsm4.gate", "arm.sa"),
                "resnet18-rarn", List.of("rarn1.gate", "rarn4.gate", "rarn.fusion.concat"),
                "resnet18-arm-resizer", List.of("resizer.out", "arm.sa"));
        for (Map.Entry<String, List<String>> e : expectedVertices.entrySet()) {
            FerResNet zoo = FerModels.builder(e.getKey()).numClasses(4).inputSize(48).seed(3).build();
            ComputationGraph g = zoo.init();
            Set<String> names = g.getConfiguration().getVertices().keySet();
            for (String v : e.getValue()) assertTrue(names.contains(v), e.getKey() + " lacks " + v + ": " + names);
            assertEquals(zoo.classifierInputs(), ((FeedForwardLayer) g.getLayer("fc").conf().getLayer()).getNIn(), e.getKey());
            DataSet ds = tiny(4, 3, 48, 4);
            INDArray before = g.params().dup();
            g.fit(ds);
            assertTrue(Double.isFinite(g.score()), e.getKey() + " score " + g.score());
            assertNotEquals(before, g.params(), e.getKey() + ": one step changed the parameters");
            File f = tmp.resolve(e.getKey() + ".zip").toFile();
            ModelSerializer.writeModel(g, f, false);
            ComputationGraph back = ModelSerializer.restoreComputationGraph(f, false);
            assertTrue(g.outputSingle(false, ds.getFeatures()).equalsWithEps(back.outputSingle(false, ds.getFeatures()), 1e-5),
                    e.getKey() + ": same output after save/load");
        }
    }

    @Test
    void rarnHeadHasFourLevelsOfDFeaturesAndExcludesArm() {
        FerResNet rarn = FerModels.builder("resnet18-rarn").numClasses(7).inputSize(48).build();
        assertEquals(4 * 256, rarn.classifierInputs());
        assertTrue(rarn.hasFusionHead());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FerModels.builder("resnet18-rarn").armBlocks("FA+DA+SA").inputSize(48).build());
        assertTrue(e.getMessage().contains("one head"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResNet.builder()
                .dsm(org.armfer.layers.attention.DecomposedSpatialModulator.builder().build(), 5).build());
    }

    @Test
    void resizerTakesItsOwnInputSizeAndTheBackboneStillImports() throws Exception {
        FerResNet zoo = ResNet.builder().armBlocks("FA+DA+SA").inputSize(48).learnableResizer(64).numClasses(3).build();
        assertArrayEquals(new int[]{3, 64, 64}, zoo.networkInputShape());
        ComputationGraph g = zoo.init();
        assertArrayEquals(new long[]{2, 3}, g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64)).shape());
        // torchvision backbone weights load into a variant: the new blocks are not backbone
        Map<String, INDArray> sd = TorchWeights.export(ResNet18.builder().numClasses(1000).inputSize(48).build().init());
        ComputationGraph dsm = FerModels.builder("resnet18-dsm").numClasses(7).inputSize(48).build().init();
        TorchWeights.Report r = TorchWeights.load(dsm, sd, TorchWeights.Scope.BACKBONE, "test");
        assertEquals(sd.get("layer4.1.conv2.weight").reshape(-1), dsm.getLayer("layer4.1.conv2").getParam("W").reshape(-1).castTo(sd.get("layer4.1.conv2.weight").dataType()));
        assertTrue(r.loaded().size() > 50, r.loaded().size() + " tensors loaded");
    }

    @Test
    void prioredLabelSmoothingLossTrainsAVariant() {
        double[][] d = new double[4][4];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) d[i][j] = i == j ? 0.7 : 0.1;
        ComputationGraph g = FerModels.builder("resnet18-arm").numClasses(4).inputSize(48).loss(LossPDLS.focal(d)).build().init();
        DataSet ds = tiny(4, 3, 48, 4);
        INDArray before = g.params().dup();
        g.fit(ds);
        assertTrue(Double.isFinite(g.score()) && g.score() > 0, "score " + g.score());
        assertNotEquals(before, g.params());
    }
}
