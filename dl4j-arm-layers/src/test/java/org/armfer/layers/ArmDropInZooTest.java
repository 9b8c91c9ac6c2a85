package org.armfer.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.Xception;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Drop ARM into any DL4J ComputationGraph", tried on DL4J's own zoo at each model's native input size with the default
 * configuration, {@code ArmModule.builder().build()}, whose geometry adapts to the feature map: the trunk keeps every
 * weight, the graph trains a step, and its predictions do not depend on the batch (SA's running GAR). Batch 2, one step.
 */
class ArmDropInZooTest {

    private static final int CLASSES = 5;

    /**
     * Replaces {@code pooling} of the zoo graph with the default ARM and checks the result.
     *
     * @param map      the pooling's input {C, H, W}
     * @param consumer the layer that read the pooling (its nIn is resized)
     */
    private static void dropIn(ZooModel<?> zoo, String pooling, long[] map, String consumer, long features) {
        int[] shape = zoo.metaData().getInputShape()[0];
        String ctx = zoo.getClass().getSimpleName() + " " + shape[1] + "x" + shape[2];
        ComputationGraph graph = (ComputationGraph) zoo.init();
        assertTrue(ArmModule.poolingVertices(graph.getConfiguration()).contains(pooling), ctx);
        ArmModule arm = ArmModule.builder().build();
        assertEquals(features, arm.numFeatures(map[0], map[1], map[2]), ctx + ": " + arm.geometry(map[0], map[1], map[2]));

        ComputationGraph withArm = arm.replacePooling(graph, pooling, InputType.convolutional(shape[1], shape[2], shape[0]));
        assertFalse(withArm.getConfiguration().getVertices().containsKey(pooling), ctx + ": the pooling is gone");
        assertEquals(pooling + ".sa", withArm.getConfiguration().getVertexInputs().get(consumer).get(0), ctx);
        assertEquals(features, ((FeedForwardLayer) withArm.getLayer(consumer).conf().getLayer()).getNIn(), ctx + ": resized nIn");
        TestGraphs.assertUntouched(graph, withArm, consumer);
        assertEquals(1, GarCalibration.sharingAffinityVertices(withArm).size(), ctx);

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, shape[0], shape[1], shape[2]);
        INDArray daBefore = withArm.getLayer(pooling + ".da").getParam(DeAlbino.WEIGHT).dup();
        withArm.fit(new DataSet(x, TestGraphs.oneHot(2, CLASSES, 4)));
        assertTrue(Double.isFinite(withArm.score()) && withArm.score() > 0, ctx + ": score " + withArm.score());
        assertNotEquals(daBefore, withArm.getLayer(pooling + ".da").getParam(DeAlbino.WEIGHT), ctx + ": DA trained");

        INDArray both = withArm.outputSingle(false, x);
        assertArrayEquals(new long[]{2, CLASSES}, both.shape(), ctx);
        assertFalse(both.isNaN().any(), ctx);
        // the second image alone predicts what it predicts beside the first (SA's running GAR, BatchNorm's statistics)
        INDArray one = withArm.outputSingle(false, x.get(NDArrayIndex.interval(1, 2), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all()).dup());
        assertTrue(one.equalsWithEps(both.getRow(1, true), 1e-5), ctx + ": image 1 alone " + one + " vs in the batch "
                + both.getRow(1, true));
    }

    @Test
    void resNet50() {
        // 2048x4x4 (DL4J's ResNet50 at 224) -> FA r=32 2x128x128 -> DA 37/9 -> 11x11 -> SA: 121 features
        dropIn(ResNet50.builder().numClasses(CLASSES).seed(1).build(), "avgpool", new long[]{2048, 4, 4}, "output", 121);
    }

    @Test
    void xception() {
        // 2048x10x10 at 299 -> FA r=32 2x320x320 -> DA 91/23 -> 10x10 -> SA: 100 features
        dropIn(Xception.builder().numClasses(CLASSES).seed(1).build(), "avg_pool", new long[]{2048, 10, 10}, "predictions", 100);
    }

    @Test
    void inceptionResNetV1() {
        // 1344x3x3 at 160: 1344/2 is no square; FA to 21 channels (r=8) 21x24x24 -> DA 7/2 -> 9x9 -> SA: 81 features
        dropIn(InceptionResNetV1.builder().numClasses(CLASSES).seed(1).build(), "avgpool", new long[]{1344, 3, 3}, "bottleneck", 81);
    }
}
