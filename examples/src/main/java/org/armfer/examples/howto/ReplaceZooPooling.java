package org.armfer.examples.howto;

import org.armfer.layers.ArmModule;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Example 2: replace the global average pooling of a model from DL4J's own zoo (ResNet-50) with ARM, keeping every
 * other weight. Works the same on a model you restored from a file.
 * <p>
 * Run it with {@code ./armfer example ReplaceZooPooling}.
 */
public final class ReplaceZooPooling {

    public static void main(String[] args) {
        int side = 224;
        // 1. Any built ComputationGraph: here DL4J's zoo ResNet-50 for 7 classes (random weights; use
        //    zoo.initPretrained() where you can download the ImageNet weights).
        ResNet50 zoo = ResNet50.builder().numClasses(7).seed(1).inputShape(new int[]{3, side, side}).build();
        ComputationGraph resnet = zoo.init();

        // 2. Find the pooling vertex to replace. ArmModule lists the graph's pooling vertices for you.
        System.out.println("pooling vertices: " + ArmModule.poolingVertices(resnet.getConfiguration()));

        // 3. The paper's ARM (FA, DA, BN, SA) in place of "avgpool", its geometry derived from the map it replaces the
        //    pooling of (DL4J's ResNet-50 gives 2048x4x4 at 224: FA to 2 channels, r = 32 -> 2x128x128; DA 37x37 stride
        //    9, the paper's 32/8 on 112x112 scaled -> 11x11; SA: 121 features). arm.geometry(2048, 4, 4) prints it.
        //    The classifier's nIn is updated from the new shape.
        ArmModule arm = ArmModule.builder().build();
        System.out.println("ARM on the pooling's input: " + arm.geometry(2048, 4, 4));
        ComputationGraph withArm = arm.replacePooling(resnet, "avgpool", InputType.convolutional(side, side, 3));
        System.out.println("ARM vertices: " + withArm.getConfiguration().getVertexInputs().keySet().stream()
                .filter(v -> v.startsWith("avgpool.")).sorted().toList());
        System.out.printf("parameters: %,d before, %,d after%n", resnet.numParams(), withArm.numParams());

        // 4. Every weight before the pooling is the original one: the features are unchanged.
        String trunkEnd = resnet.getConfiguration().getVertexInputs().get("avgpool").get(0);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, side, side);
        INDArray a = resnet.feedForward(x, false).get(trunkEnd);
        INDArray b = withArm.feedForward(x, false).get(trunkEnd);
        System.out.println("trunk output unchanged: " + a.equalsWithEps(b, 1e-5));
        System.out.println("class probabilities: " + withArm.outputSingle(x));
        // 5. Fine-tune withArm as usual: withArm.fit(yourIterator).
    }
}
