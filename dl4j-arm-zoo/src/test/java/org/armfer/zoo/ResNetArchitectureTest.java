package org.armfer.zoo;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.armfer.fast.FastWeightDecay;
import org.armfer.fast.testing.WeightDecayTerms;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResNetArchitectureTest {

    /** Trainable parameters (BatchNorm running statistics and SA's running GAR excluded). */
    static long trainable(ComputationGraph g) {
        long n = 0;
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            String k = e.getKey();
            if (k.endsWith("_mean") || k.endsWith("_var") || k.endsWith("_log10stdev") || k.endsWith("_runningGar")) {
                continue;
            }
            n += e.getValue().length();
        }
        return n;
    }

    private static int[] convKernel(ComputationGraphConfiguration conf, String name) {
        return ((ConvolutionLayer) ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer()).getKernelSize();
    }

    @Test
    void depth18IsBasicBlocksTwoPerStage() {
        assertEquals(ResNetBlock.BASIC, ResNetDepth.RESNET18.block());
        ComputationGraphConfiguration conf = ResNet18.builder().numClasses(1000).build().graphBuilder().build();
        int[] expectedBlocks = {2, 2, 2, 2};
        for (int stage = 1; stage <= 4; stage++) {
            for (int b = 0; b < 4; b++) {
                String block = "layer" + stage + "." + b;
                boolean exists = conf.getVertices().containsKey(block + ".conv1");
                assertEquals(b < expectedBlocks[stage - 1], exists, block + " exists");
                if (!exists) continue;
                // a BasicBlock: two 3x3 convolutions and no third (a bottleneck has 1x1, 3x3, 1x1)
                assertArrayEquals(new int[]{3, 3}, convKernel(conf, block + ".conv1"), block);
                assertArrayEquals(new int[]{3, 3}, convKernel(conf, block + ".conv2"), block);
                assertFalse(conf.getVertices().containsKey(block + ".conv3"), block + " has no conv3");
                assertEquals(b == 0 && stage > 1, conf.getVertices().containsKey(block + ".downsample.0"), block + " downsample");
            }
        }
        assertArrayEquals(new int[]{7, 7}, convKernel(conf, "conv1"));
    }

    @Test
    void bottleneckDepthsAreTorchvisionV15() {
        int[][] blocks = {{3, 4, 6, 3}, {3, 4, 23, 3}, {3, 8, 36, 3}};
        int[] depths = {50, 101, 152};
        for (int d = 0; d < depths.length; d++) {
            String ctx = "resnet" + depths[d];
            assertEquals(ResNetBlock.BOTTLENECK, ResNetDepth.of(depths[d]).block(), ctx);
            ComputationGraphConfiguration conf = ResNet.builder().depth(depths[d]).numClasses(1000).build().conf();
            for (int stage = 1; stage <= 4; stage++) {
                assertTrue(conf.getVertices().containsKey("layer" + stage + "." + (blocks[d][stage - 1] - 1) + ".conv3"), ctx);
                assertFalse(conf.getVertices().containsKey("layer" + stage + "." + blocks[d][stage - 1] + ".conv1"), ctx);
                String first = "layer" + stage + ".0";
                // 1x1, 3x3 with the stage's stride (v1.5: on the 3x3, not the first 1x1), 1x1 to 4 x width
                assertArrayEquals(new int[]{1, 1}, convKernel(conf, first + ".conv1"), first);
                assertArrayEquals(new int[]{1, 1}, conv(conf, first + ".conv1").getStride(), first);
                assertArrayEquals(new int[]{3, 3}, convKernel(conf, first + ".conv2"), first);
                int stride = stage == 1 ? 1 : 2;
                assertArrayEquals(new int[]{stride, stride}, conv(conf, first + ".conv2").getStride(), first);
                assertEquals((64L << (stage - 1)) * 4, conv(conf, first + ".conv3").getNOut(), first);
                assertArrayEquals(new int[]{stride, stride}, conv(conf, first + ".downsample.0").getStride(),
                        first + ": every stage's first block projects (layer1: 64 -> 256 channels)");
                assertTrue(conf.getVertices().containsKey(first + ".bn3") && conf.getVertices().containsKey(first + ".relu3"), first);
                assertFalse(conf.getVertices().containsKey("layer" + stage + ".1.downsample.0"), ctx + ": identity shortcuts after");
            }
            assertEquals(List.of("layer4." + (blocks[d][3] - 1) + ".relu3"), conf.getVertexInputs().get(FerResNet.TO_NCHW), ctx);
        }
    }

    /** Trainable parameters of a configuration, without initialising it (BatchNorm: gamma and beta of its four). */
    static long trainable(ComputationGraphConfiguration conf) {
        long n = 0;
        for (org.deeplearning4j.nn.conf.graph.GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex) {
                org.deeplearning4j.nn.conf.NeuralNetConfiguration nc = ((LayerVertex) v).getLayerConf();
                long p = nc.getLayer().initializer().numParams(nc);
                n += nc.getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization ? p / 2 : p;
            }
        }
        return n;
    }

    private static ConvolutionLayer conv(ComputationGraphConfiguration conf, String name) {
        return (ConvolutionLayer) ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }

    @Test
    void parameterCountsEqualTorchvision() {
        // torchvision: sum(p.numel() for p in resnet18().parameters()) == 11,689,512; resnet34: 21,797,672
        assertEquals(11_689_512L, trainable(ResNet18.builder().numClasses(1000).build().init()));
        assertEquals(21_797_672L, trainable(ResNet.builder().depth(34).numClasses(1000).build().conf()));
        // torchvision 0.14's ResNet50/101/152_Weights meta "num_params"
        assertEquals(25_557_032L, trainable(ResNet.builder().depth(50).numClasses(1000).build().conf()));
        assertEquals(44_549_160L, trainable(ResNet.builder().depth(101).numClasses(1000).build().conf()));
        assertEquals(60_192_808L, trainable(ResNet.builder().depth(152).numClasses(1000).build().conf()));
    }

    @Test
    void vertexNamesFollowTorchvision() {
        ComputationGraphConfiguration conf = ResNet18Arm.builder().build().graphBuilder().build();
        TreeSet<String> names = new TreeSet<>(conf.getVertices().keySet());
        for (String n : new String[]{"conv1", "bn1", "relu", "maxpool", "layer1.0.conv1", "layer1.1.bn2", "layer2.0.downsample.0",
                "layer2.0.downsample.1", "layer4.1.relu2", "arm.fa", "arm.da", "arm.bn", "arm.sa", "fc"}) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        assertFalse(names.contains("avgpool"), "ARM replaces GAP");
        // the trunk runs in NHWC between to_nhwc (after the input) and to_nchw (after layer4)
        assertEquals(FerResNet.INPUT, conf.getVertexInputs().get(FerResNet.TO_NHWC).get(0));
        assertEquals(FerResNet.TO_NHWC, conf.getVertexInputs().get("conv1").get(0));
        assertEquals("layer4.1.relu2", conf.getVertexInputs().get(FerResNet.TO_NCHW).get(0));
        assertEquals(FerResNet.TO_NCHW, conf.getVertexInputs().get("arm.fa").get(0));
        assertEquals("arm.sa", conf.getVertexInputs().get("fc").get(0));
        assertTrue(ResNet18.builder().build().graphBuilder().build().getVertices().containsKey("avgpool"));
    }

    @Test
    void armGeometryPerInputSize() {
        assertArrayEquals(new long[]{512, 7, 7}, ResNet18Arm.builder().inputSize(224).build().featureMapShape());
        assertArrayEquals(new long[]{512, 4, 4}, ResNet18Arm.builder().inputSize(112).build().featureMapShape());
        assertArrayEquals(new long[]{512, 2, 2}, ResNet18Arm.builder().inputSize(48).build().featureMapShape());
        // the paper's geometry at 224: 121 features, and the adapted ones
        assertEquals(121, ResNet18Arm.builder().inputSize(224).build().classifierInputs());
        ArmModule at224 = ResNet18Arm.builder().inputSize(224).build().armModule();
        assertEquals(32, at224.getKernelSize());
        assertEquals(8, at224.getStride());
        assertEquals(100, ResNet18Arm.builder().inputSize(112).build().classifierInputs());
        assertEquals(144, ResNet18Arm.builder().inputSize(48).build().classifierInputs());
        assertEquals(512 * 25, ResNet.builder().armBlocks("DA").build().classifierInputs(), "DA alone: 3x3 kernel on 7x7");
        assertEquals(49, ResNet.builder().armBlocks("SA").build().classifierInputs());
        assertEquals(512, ResNet18.builder().build().classifierInputs());
        assertEquals("resnet18-arm", ResNet18Arm.builder().build().modelName());
        // Bottleneck ResNets: 2048x7x7 at 224, the paper's 2 channels with r = 32, its 32/8 scaled to the 224 side
        FerModel r50 = FerModels.builder("resnet50-arm").build();
        assertArrayEquals(new long[]{2048, 7, 7}, r50.featureMapShape());
        assertEquals(ArmModule.builder().blockSize(32).kernelSize(64).stride(16).build(), r50.armModule());
        assertEquals(121, r50.classifierInputs());
        assertEquals(2048, ResNet.builder().depth(152).build().classifierInputs());
    }

    /**
     * The weight decay is applied once: every weight layer carries one {@code FastWeightDecay} (DL4J M2.1's
     * network-wide weight decay gives each layer two), and the score's regularization term is 0.5 * coefficient *
     * sum(W^2) over the weights, against the same parameters without weight decay.
     */
    @Test
    void weightDecayIsAppliedOnceToEveryWeight() {
        ComputationGraph g = ResNet18.builder().numClasses(3).inputSize(32).weightDecay(0.01).build().init();
        for (String name : new String[]{"conv1", "layer4.1.conv2", "fc"}) {
            List<Regularization> terms = ((BaseLayer) g.getLayer(name).conf().getLayer()).getRegularization();
            assertEquals(List.of(new FastWeightDecay(0.01, true)), terms, name);
            assertInstanceOf(FastWeightDecay.class, terms.get(0), name);
        }
        ComputationGraph none = ResNet18.builder().numClasses(3).inputSize(32).weightDecay(0).build().init();
        none.setParams(g.params());
        double term = WeightDecayTerms.overWeights(0.01, g);
        Nd4j.getRandom().setSeed(1);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 3);
        y.putScalar(0, 1, 1.0);
        y.putScalar(1, 2, 1.0);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), y);
        double measured = g.score(batch) - none.score(batch);
        assertTrue(Math.abs(measured - term) <= 1e-4 * term, "regularization term " + measured + ", expected " + term);
    }

    @Test
    void nonsenseIsRejectedWithTheAllowedValues() {
        assertEquals("numClasses must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> ResNet18.builder().numClasses(0)).getMessage());
        assertEquals("Unsupported ResNet depth 60; allowed: [18, 34, 50, 101, 152]",
                assertThrows(IllegalArgumentException.class, () -> ResNet.builder().depth(60)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ResNet18.builder().inputShape(2, 48, 48).build())
                .getMessage().contains("channels must be 1 (gray) or 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ResNet18.builder().armBlocks("FA+XY"))
                .getMessage().contains("Unknown ARM block 'XY'"));
        String tooSmall = assertThrows(IllegalArgumentException.class,
                () -> ResNet18Arm.builder().inputSize(32).arm(ArmModule.builder().kernelSize(32).stride(8).build()).build())
                .getMessage();
        assertEquals("ARM FA+DA+SA does not fit a 32x32 input (resnet18-arm feature map 512x1x1): kernelSize 32 is larger than"
                + " the arranged feature map 16x16 (input 512x1x1, blockSize 16); allowed: 1 <= kernelSize <= 16", tooSmall);
        // the default geometry adapts instead: k = round(32·16/112) = 5
        assertEquals(5, ResNet18Arm.builder().inputSize(32).build().armModule().getKernelSize());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ResNet18.builder().weightDecay(-1))
                .getMessage().contains("weightDecay must be a finite number >= 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ResNet18.builder().dataType(org.nd4j.linalg.api.buffer.DataType.INT))
                .getMessage().contains("[FLOAT, DOUBLE, HALF]"));
        assertEquals(ArmBlock.parseSet("DA+SA"), ResNet18Arm.builder().armBlocks("da+sa").build().getArmBlocks());
    }

    @Test
    void graySingleChannelInput() {
        ComputationGraph g = ResNet18Arm.builder().inputShape(1, 48, 48).numClasses(7).build().init();
        INDArray out = g.outputSingle(org.nd4j.linalg.factory.Nd4j.rand(2, 1, 48, 48));
        assertArrayEquals(new long[]{2, 7}, out.shape());
    }
}
