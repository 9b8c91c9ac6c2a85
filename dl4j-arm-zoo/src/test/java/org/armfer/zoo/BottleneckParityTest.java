package org.armfer.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torchvision's Bottleneck ResNets: a random-initialised {@code torchvision.models.resnet50} / {@code resnet152} (7
 * classes, random BatchNorm statistics) made by Debian's python3-torch during the test, its state dict imported with
 * {@link TorchWeights} by name, the same batch of two 112x112 images in eval mode (every weight takes part at any
 * input size; 112 is a quarter of 224's work).
 */
class BottleneckParityTest {

    @ParameterizedTest(name = "resnet{0}")
    @ValueSource(ints = {50, 152})
    void matchesTorchvision(int depth, @TempDir Path dir) throws Exception {
        PyTorchReference.make("make_models_reference.py", "resnet" + depth, dir, 20 + depth);
        ComputationGraph g = FerModels.builder("resnet" + depth).numClasses(7).inputSize(112).build().init();
        Map<String, INDArray> state = Npz.read(dir.resolve("weights.npz"));
        TorchWeights.Report r = TorchWeights.load(g, state, TorchWeights.Scope.ALL, "torchvision resnet" + depth);
        assertEquals(g.paramTable().size(), r.loaded().size(), "every graph parameter loaded");
        Map<String, INDArray> io = Npz.read(dir.resolve("io.npz"));
        INDArray x = io.get("x");
        INDArray probs = g.outputSingle(false, x);
        INDArray logits = PyTorchParityTest.logits(g, x, FerResNet.POOL);
        ModelParity.assertMatches("torchvision resnet" + depth + ", batch 2, 112x112", probs, logits, io.get("probs"), io.get("logits"));

        if (depth == 50) {
            // an ImageNet file's trunk into an ARM model: every trunk parameter set, the head keeps its initialisation
            ComputationGraph arm = FerModels.builder("resnet50-arm").numClasses(7).inputSize(64).build().init();
            INDArray da = arm.getLayer("arm.da").getParam("W").dup();
            TorchWeights.Report rb = TorchWeights.loadBackbone(arm, dir.resolve("weights.npz"));
            assertEquals(g.getLayer("layer4.2.conv3").getParam("W"), arm.getLayer("layer4.2.conv3").getParam("W"));
            assertEquals(g.getLayer("layer1.0.downsample.1").getParam("var"), arm.getLayer("layer1.0.downsample.1").getParam("var"));
            assertEquals(da, arm.getLayer("arm.da").getParam("W"), "ARM untouched");
            assertTrue(rb.skipped().contains("fc.weight"), rb.skipped().toString());
            long trunk = arm.paramTable().keySet().stream().filter(k -> TorchWeights.isBackbone(k.substring(0, k.lastIndexOf('_'))))
                    .count();
            assertEquals(trunk, rb.loaded().size(), "every trunk parameter from the file");
        }
    }
}
