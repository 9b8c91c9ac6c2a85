package org.armfer.zoo;

import org.armfer.layers.ArmModule;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.conv.RepConv;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DeSpaM's network against a PyTorch restatement of DeSpaM_for_FER's {@code ProposedNet} (written in the test's script
 * from the reference's structure, its module names kept): the same state dict, the same outputs (eval mode, random
 * BatchNorm statistics), the same parameter count; and the re-parameterised single-convolution form against the
 * training form, in DL4J and against PyTorch's fused model.
 */
class DeSpaMNetTest {

    private static INDArray logits(ComputationGraph g, INDArray x) {
        INDArray feats = g.feedForward(x, false).get("avgpool");
        return feats.mmul(g.getLayer(DeSpaMNet.CLASSIFIER).getParam("W")).addiRowVector(g.getLayer(DeSpaMNet.CLASSIFIER).getParam("b"));
    }

    @Test
    void matchesTheProposedNetRestatementAndItsReparameterisedForm(@TempDir Path dir) throws Exception {
        PyTorchReference.make("make_models_reference.py", "despam", dir, 31);
        Map<String, INDArray> io = Npz.read(dir.resolve("io.npz"));
        Map<String, INDArray> state = Npz.read(dir.resolve("weights.npz"));
        ComputationGraph g = FerModels.builder("despam").numClasses(7).build().init();
        // ProposedNet: 1,312,339 parameters for 7 classes; the BatchNorms' running statistics are DL4J parameters too
        assertEquals(io.get("params").getLong(0), ResNetArchitectureTest.trainable(g), "trainable parameters as ProposedNet");
        assertEquals(io.get("params").getLong(0) + io.get("buffers").getLong(0), g.numParams(), "with the running statistics");
        Set<String> torchKeys = state.keySet().stream().filter(k -> !k.endsWith("num_batches_tracked"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(torchKeys, new TreeSet<>(TorchWeights.export(g).keySet()), "the reference's module names");

        TorchWeights.Report r = TorchWeights.load(g, state, TorchWeights.Scope.ALL, "ProposedNet restatement");
        assertEquals(g.paramTable().size(), r.loaded().size(), "every graph parameter loaded");
        INDArray x = io.get("x");
        ModelParity.assertMatches("despam, batch 2, 112x112", g.outputSingle(false, x), logits(g, x), io.get("probs"),
                io.get("logits"));

        ComputationGraph fused = DeSpaMNet.reparameterize(g);
        ComputationGraphConfiguration fc = fused.getConfiguration();
        assertTrue(RepConv.prefixesIn(fc).isEmpty(), "every RepConv fused, the modulator's too");
        assertTrue(fc.getVertices().containsKey("backbone.stages.1.2.dw" + RepConv.FUSED_CONV));
        assertTrue(fc.getVertices().containsKey(DeSpaMNet.MODULATOR + DecomposedSpatialModulator.FUSED_CONV));
        INDArray fusedLogits = logits(fused, x);
        double d = fusedLogits.sub(logits(g, x)).amaxNumber().doubleValue();
        assertTrue(d <= 1e-4, "re-parameterised form = training form: max |logit difference| " + d);
        ModelParity.assertMatches("despam re-parameterised against ProposedNet after switch_to_deploy",
                fused.outputSingle(false, x), fusedLogits, io.get("probs"), io.get("logits_deploy"));
        // the inference form built directly has the same vertices and parameters
        ComputationGraph direct = DeSpaMNet.builder().reparameterized(true).after("stages.1", DeSpaMNet.MODULATOR,
                DecomposedSpatialModulator.builder().reparameterized(true).build()).build().init();
        assertEquals(new TreeSet<>(fc.getVertices().keySet()), new TreeSet<>(direct.getConfiguration().getVertices().keySet()));
        assertEquals(fused.numParams(), direct.numParams());
        assertTrue(fused.numParams() < g.numParams(), "fewer parameters once fused");
    }

    @Test
    void structureIsProposedNets() {
        DeSpaMNet net = (DeSpaMNet) FerModels.builder("despam").build();
        assertArrayEquals(new int[]{1, 4, 2}, net.getBlocks());
        assertArrayEquals(new int[]{48, 96, 160}, net.getChannels());
        assertArrayEquals(new long[]{512, 14, 14}, net.featureMapShape(), "112 -> stem /2 -> stages.1 /2 -> stages.2 /2");
        ComputationGraphConfiguration conf = net.conf();
        Map<String, List<String>> in = conf.getVertexInputs();
        // the modulator after the second stage, on its 28x28 map, read by the third stage's downsample
        assertEquals(List.of("backbone.stages.1.4.add"), in.get(DeSpaMNet.MODULATOR + ".conv1_rep.conv_kxk"));
        assertEquals(List.of(DeSpaMNet.MODULATOR + ".dropout_2"), in.get("backbone.stages.2.0.conv.conv_kxk"));
        assertEquals(List.of("backbone.stages.0.0.add"), in.get("backbone.stages.1.0.conv.conv_kxk"));
        assertEquals(List.of("backbone.stages.2.2.add"), in.get("backbone.expansion.conv_kxk"));
        assertFalse(conf.getVertices().containsKey("backbone.stages.0.1.dw.conv_kxk"), "one block in stage 0");
        assertTrue(conf.getVertices().containsKey("backbone.stages.1.4.dw.conv_kxk"), "a downsample and four blocks in stage 1");
        assertFalse(conf.getVertices().containsKey("backbone.stages.1.5.dw.conv_kxk"));
        // a DWConvBlock: depthwise 7x7 with all three branches, 1x1 expansions without, and the residual sum
        assertInstanceOf(DepthwiseConvolution2D.class, layer(conf, "backbone.stages.1.2.dw.conv_kxk"));
        assertArrayEquals(new int[]{7, 7}, ((DepthwiseConvolution2D) layer(conf, "backbone.stages.1.2.dw.conv_kxk")).getKernelSize());
        assertTrue(conf.getVertices().containsKey("backbone.stages.1.2.dw.bn_identity"));
        assertTrue(conf.getVertices().containsKey("backbone.stages.1.2.dw.conv_1x1"));
        assertFalse(conf.getVertices().containsKey("backbone.stages.1.2.fc1.conv_1x1"), "a 1x1 RepConv has no second 1x1 branch");
        assertFalse(conf.getVertices().containsKey("backbone.stages.1.0.conv.bn_identity"), "a downsample has no identity");
        assertFalse(conf.getVertices().containsKey("backbone.stem.conv1.bn_identity"));
        assertEquals(List.of("backbone.stages.1.1.add", "backbone.stages.1.2.fc2.activation"), in.get("backbone.stages.1.2.add"));
        OutputLayer head = (OutputLayer) layer(conf, DeSpaMNet.CLASSIFIER);
        assertEquals(512, head.getNIn());
        assertEquals(0.8, ((org.deeplearning4j.nn.conf.dropout.Dropout) head.getIDropout()).getP(), 1e-12, "dropout 0.2 before it");
        // ARM as the head
        FerModel arm = FerModels.builder("despam-arm").build();
        assertEquals(ArmModule.builder().blockSize(16).kernelSize(64).stride(16).build(), arm.armModule());
        assertEquals(List.of("backbone.expansion.activation"), arm.conf().getVertexInputs().get("arm.fa"));

        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeSpaMNet.builder().stages(new int[]{1, 4}, new int[]{48, 96}))
                .getMessage().contains("3 stages"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeSpaMNet.builder().after("layer2",
                DecomposedSpatialModulator.builder().build()).build()).getMessage()
                .contains("despam has no stage \"layer2\"; allowed: [input, stem, stages.0, stages.1, stages.2]"));
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }
}
