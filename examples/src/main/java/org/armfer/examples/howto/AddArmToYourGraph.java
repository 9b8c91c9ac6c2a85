package org.armfer.examples.howto;

import org.armfer.layers.ArmModule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Random;

/**
 * Example 1: put ARM into your own ComputationGraph, where you would otherwise put a global pooling layer.
 * <p>
 * Run it with {@code ./armfer example AddArmToYourGraph}.
 */
public final class AddArmToYourGraph {

    public static void main(String[] args) throws Exception {
        int classes = 3;

        // 1. An ordinary DL4J graph: two convolutions over 1x32x32 images give a 32x8x8 feature map.
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(7).updater(new Adam(3e-3)).weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(32, 32, 1))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(16)
                        .activation(Activation.RELU).build(), "input")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(32)
                        .activation(Activation.RELU).build(), "conv1");

        // 2. ARM instead of global pooling. FA rearranges the 32x8x8 map into 2 channels of 32x32 (block size 4),
        //    DA convolves each with one shared 8x8 kernel at stride 4 (7x7 out), SA averages the channels and adds
        //    lambda times the running GAR. No nIn anywhere: the layers take their input shape from the graph.
        ArmModule arm = ArmModule.builder().outputChannels(2).kernelSize(8).stride(4).build();
        String last = arm.addTo(g, "conv2", "arm");   // adds arm.fa, arm.da, arm.bn, arm.sa; returns "arm.sa"

        // 3. The classifier reads ARM's 1x7x7 output (49 features), as the paper's fully connected layer does.
        g.addLayer("fc", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), last)
                .setOutputs("fc");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        System.out.println(net.summary(InputType.convolutional(32, 32, 1)));

        // 4. Generated data: the class decides which third of the image is brighter.
        DataSet train = generate(300, classes, 1);
        DataSet test = generate(90, classes, 2);
        for (int epoch = 1; epoch <= 15; epoch++) {
            for (DataSet batch : train.batchBy(30)) {
                net.fit(batch);
            }
        }
        System.out.printf("accuracy on generated test data: %.3f (chance %.3f)%n",
                net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(test.asList(), 30))
                        .accuracy(), 1.0 / classes);

        // 5. ARM's SA uses a running GAR at inference (GarMode.RUNNING, the default), so an image's prediction does
        //    not depend on the other images in the batch: batch of one == the same image inside a batch.
        INDArray batchOut = net.outputSingle(test.getFeatures());
        INDArray oneOut = net.outputSingle(test.getFeatures().get(NDArrayIndex.interval(5, 6)).dup());
        System.out.println("batch-independent: " + oneOut.equalsWithEps(batchOut.getRow(5, true), 1e-6));

        // 6. Save and load like any DL4J model.
        File file = File.createTempFile("arm-graph", ".zip");
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(file, true);
        System.out.println("same output after save/load: " + loaded.outputSingle(test.getFeatures()).equalsWithEps(batchOut, 1e-6));
        file.delete();
    }

    static DataSet generate(int n, int classes, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, 1, 32, 32).muli(0.5);
        INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            y.putScalar(i, c, 1);
            x.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(c * 10, c * 10 + 10), NDArrayIndex.all()).addi(0.5);
        }
        return new DataSet(x, y);
    }
}
