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

        // 3. The paper's ARM (FA to 2 channels, DA 32x32 stride 8, BN, SA) in place of "avgpool". The classifier's
        //    nIn is updated from the new shape (2048x7x7 -> FA 2x224x224 -> DA 25x25 -> SA: 625 features).
        ArmModule arm = ArmModule.builder().build();
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
