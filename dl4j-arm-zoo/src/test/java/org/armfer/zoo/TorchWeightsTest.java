package org.armfer.zoo;

import org.armfer.layers.ArmModule;
import org.armfer.layers.GarMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Import paths on weights the tests make (Java-side), strictness and layouts. Parity with PyTorch: PyTorchParityTest. */
class TorchWeightsTest {

    private static ComputationGraph small(String blocks, long seed) {
        return ResNet.builder().armBlocks(blocks).inputSize(48).numClasses(4).seed(seed).build().init();
    }

    /** Random values everywhere, running variances positive. */
    private static void randomise(ComputationGraph g, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            INDArray r = Nd4j.rand(e.getValue().dataType(), e.getValue().shape());
            e.getValue().assign(e.getKey().endsWith("_var") ? r.addi(0.5) : r.subi(0.5));
        }
    }

    @Test
    void exportThenLoadReproducesTheModel(@TempDir Path dir) throws Exception {
        ComputationGraph a = small("FA+DA+SA", 1);
        randomise(a, 2);
        Path f = dir.resolve("a.npz");
        Npz.write(f, TorchWeights.export(a));
        Map<String, INDArray> sd = Npz.read(f);
        assertEquals(Nd4j.createFromArray(a.getLayer("fc").getParam("W").shape()[1], a.getLayer("fc").getParam("W").shape()[0]),
                Nd4j.createFromArray(sd.get("fc.weight").shape()), "fc.weight is [out, in] as in PyTorch");
        ComputationGraph b = small("FA+DA+SA", 9);
        assertNotEquals(a.params(), b.params());
        TorchWeights.Report r = TorchWeights.load(b, f);
        assertEquals(a.params(), b.params());
        assertEquals(b.paramTable().size(), r.loaded().size());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 48, 48);
        assertEquals(a.outputSingle(x), b.outputSingle(x));
    }

    @Test
    void armReferenceKeysAndModulePrefixAreUnderstood() {
        ComputationGraph a = small("FA+DA+SA", 1);
        randomise(a, 3);
        Map<String, INDArray> torchvision = TorchWeights.export(a);
        Map<String, INDArray> reference = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : torchvision.entrySet()) {
            String k = e.getKey();
            if (k.equals("arm.sa.running_gar")) continue; // the reference has no running GAR
            k = k.replaceFirst("^conv1\\.", "features.0.").replaceFirst("^bn1\\.", "features.1.")
                    .replaceFirst("^layer1\\.", "features.4.").replaceFirst("^layer2\\.", "features.5.")
                    .replaceFirst("^layer3\\.", "features.6.").replaceFirst("^layer4\\.", "features.7.")
                    .replace("arm.da.weight", "arm.de_albino.weight").replace("arm.sa.alpha", "arm.alpha");
            reference.put("module." + k, e.getValue());
        }
        reference.put("module.arm.bn.num_batches_tracked", Nd4j.scalar(100L));
        assertTrue(reference.containsKey("module.features.7.1.bn2.running_var"));
        ComputationGraph b = ResNet18Arm.builder().inputSize(48).numClasses(4).arm(ArmModule.builder().kernelSize(9).stride(2)
                .garMode(GarMode.BATCH).build()).build().init();
        TorchWeights.Report r = TorchWeights.load(b, reference, TorchWeights.Scope.ALL, "reference");
        assertEquals(java.util.List.of("arm.sa_runningGar"), r.notInFile());
        assertEquals(java.util.List.of("module.arm.bn.num_batches_tracked"), r.skipped());
        for (String k : b.paramTable().keySet()) {
            if (!k.endsWith("runningGar")) {
                assertEquals(a.paramTable().get(k), b.paramTable().get(k), k);
            }
        }
    }

    @Test
    void backboneOnlyLoadKeepsTheNewHead() {
        ComputationGraph imagenet = ResNet18.builder().inputSize(48).numClasses(1000).seed(1).build().init();
        randomise(imagenet, 4);
        Map<String, INDArray> sd = TorchWeights.export(imagenet);
        ComputationGraph arm = small("FA+DA+SA", 5);
        INDArray fcBefore = arm.getLayer("fc").getParam("W").dup();
        INDArray daBefore = arm.getLayer("arm.da").getParam("W").dup();
        TorchWeights.Report r = TorchWeights.load(arm, sd, TorchWeights.Scope.BACKBONE, "imagenet");
        assertTrue(r.skipped().contains("fc.weight") && r.skipped().contains("fc.bias"), r.skipped().toString());
        assertEquals(imagenet.getLayer("layer4.1.conv2").getParam("W"), arm.getLayer("layer4.1.conv2").getParam("W"));
        assertEquals(imagenet.getLayer("bn1").getParam("var"), arm.getLayer("bn1").getParam("var"));
        assertEquals(fcBefore, arm.getLayer("fc").getParam("W"), "new classifier untouched");
        assertEquals(daBefore, arm.getLayer("arm.da").getParam("W"), "ARM untouched");
        // the full (strict) load of an ImageNet file into a 4-class ARM model fails: fc shapes differ, ARM keys missing
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchWeights.load(small("FA+DA+SA", 5), sd, TorchWeights.Scope.ALL, "imagenet"));
        assertTrue(e.getMessage().contains("shape mismatch for 'fc.weight' -> fc_W: file [1000, 512], graph [144, 4]"), e.getMessage());
        assertTrue(e.getMessage().contains("missing: graph parameter arm.da_W [1, 1, 9, 9]"), e.getMessage());
    }

    @Test
    void strictLoadNamesEveryProblemAndChangesNothing() {
        ComputationGraph g = small("none", 1);
        randomise(g, 6);
        Map<String, INDArray> sd = new LinkedHashMap<>(TorchWeights.export(g));
        sd.remove("layer2.0.downsample.1.running_mean");
        sd.put("layer9.0.conv1.weight", Nd4j.zeros(3, 3));
        sd.put("bn1.weight", Nd4j.zeros(DataType.FLOAT, 65));
        sd.put("conv1.weight", Nd4j.zeros(DataType.FLOAT, 64, 3, 5, 5));
        ComputationGraph target = small("none", 2);
        INDArray before = target.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchWeights.load(target, sd, TorchWeights.Scope.ALL, "bad.npz"));
        String m = e.getMessage();
        assertTrue(m.contains("missing: graph parameter layer2.0.downsample.1_mean"), m);
        assertTrue(m.contains("unused key 'layer9.0.conv1.weight': the graph has no layer vertex 'layer9.0.conv1'"), m);
        assertTrue(m.contains("shape mismatch for 'bn1.weight' -> bn1_gamma: file [65], graph [64]"), m);
        assertTrue(m.contains("shape mismatch for 'conv1.weight' -> conv1_W: file [64, 3, 5, 5], graph [64, 3, 7, 7]"), m);
        assertTrue(m.startsWith("Cannot load bad.npz into the graph (4 problems; nothing was changed)"), m);
        assertEquals(before, target.params(), "nothing changed");
    }

    @Test
    void nanAndInfiniteWeightsAreRefusedNamingTheKeyAndChangeNothing() {
        ComputationGraph g = small("none", 1);
        randomise(g, 7);
        Map<String, INDArray> sd = new LinkedHashMap<>(TorchWeights.export(g));
        INDArray w = sd.get("layer1.0.conv1.weight").dup();
        w.putScalar(new long[]{0, 0, 0, 0}, Float.NaN);
        w.putScalar(new long[]{1, 0, 0, 0}, Float.NaN);
        sd.put("layer1.0.conv1.weight", w);
        INDArray fc = sd.get("fc.bias").dup();
        fc.putScalar(3, Double.NEGATIVE_INFINITY);
        sd.put("fc.bias", fc);
        ComputationGraph target = small("none", 2);
        INDArray before = target.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchWeights.load(target, sd, TorchWeights.Scope.ALL, "nan.npz"));
        String m = e.getMessage();
        assertTrue(m.startsWith("Cannot load nan.npz into the graph (2 problems; nothing was changed)"), m);
        assertTrue(m.contains("'layer1.0.conv1.weight' holds 2 NaN or infinite values (of " + w.length() + ")"), m);
        assertTrue(m.contains("'fc.bias' holds 1 NaN or infinite value (of 4)"), m);
        assertEquals(before, target.params(), "nothing changed");
    }

    @Test
    void logStdBatchNormIsConverted() {
        // a DL4J BatchNormalization with useLogStd stores log10(sqrt(var))
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("in").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(4, 4, 3))
                .addLayer("bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().useLogStd(true).build(), "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.CnnLossLayer.Builder().build(), "bn").setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Map<String, INDArray> sd = new LinkedHashMap<>();
        sd.put("bn.weight", Nd4j.createFromArray(1f, 2f, 3f));
        sd.put("bn.bias", Nd4j.createFromArray(0f, 0f, 0f));
        sd.put("bn.running_mean", Nd4j.createFromArray(0f, 1f, 2f));
        sd.put("bn.running_var", Nd4j.createFromArray(100f, 4f, 0.25f));
        TorchWeights.load(g, sd, TorchWeights.Scope.ALL, "bn");
        assertTrue(Nd4j.createFromArray(1f, (float) Math.log10(2), (float) Math.log10(0.5))
                .reshape(g.getLayer("bn").getParam("log10stdev").shape())
                .equalsWithEps(g.getLayer("bn").getParam("log10stdev"), 1e-6));
        assertTrue(sd.get("bn.running_var").equalsWithEps(TorchWeights.export(g).get("bn.running_var"), 1e-4));
    }
}
