package org.armfer.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.armfer.layers.ArmModule;
import org.armfer.layers.GarCalibration;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DL4J's Spark training (dl4j-spark 1.0.0-M2 on our M2.1 stack, Spark 3.3, Java 17) of ARM graphs in local mode. */
class SparkTrainingTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void loopback() {
        // SparkConf reads spark.* system properties: bind the driver to loopback whatever the host name resolves to
        System.setProperty("spark.driver.host", "127.0.0.1");
    }

    private static JavaSparkContext localSpark() {
        return new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("armfer-test").set("spark.ui.enabled", "false"));
    }

    /** Class c: a brighter horizontal band c (rows 5c..5c+4) on noise. */
    private static DataSet bands(int n, int classes, Random r) {
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 16, 16).muli(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            y.putScalar(i, c, 1);
            x.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(c * 5, c * 5 + 5), NDArrayIndex.all()).addi(0.6);
        }
        return new DataSet(x, y);
    }

    /** conv 3x3/2 (16 channels, 8x8) -> ARM (FA r=1, DA 4x4/2, BN, SA in GarMode.RUNNING) -> softmax over 3 classes. */
    private static ComputationGraph armGraph(IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(1).updater(updater)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(16, 16, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(16)
                        .activation(Activation.RELU).build(), "in");
        String last = ArmModule.builder().outputChannels(1).kernelSize(4).stride(2).build().addTo(g, "conv", "arm");
        g.addLayer("fc", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), last)
                .setOutputs("fc");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static INDArray gar(ComputationGraph net) {
        return net.getLayer(GarCalibration.sharingAffinityVertices(net).get(0)).getParam(SharingAffinity.RUNNING_GAR);
    }

    private static INDArray bn(ComputationGraph net, String param) {
        return net.getLayer("arm.bn").getParam(param);
    }

    private static void assertBatchIndependent(ComputationGraph net, INDArray features, String what) {
        INDArray all = net.outputSingle(false, features);
        for (long i : new long[]{0, features.size(0) / 2, features.size(0) - 1}) {
            INDArray one = net.outputSingle(false, features.get(NDArrayIndex.interval(i, i + 1)).dup());
            assertTrue(one.equalsWithEps(all.getRow(i, true), 1e-5),
                    what + ", example " + i + ": alone " + one + " vs in a batch of " + features.size(0) + " " + all.getRow(i, true));
        }
    }

    /**
     * With a learning rate of 0 only the running statistics move, and each of the two workers fits exactly one
     * minibatch, so the result must be the mean of what one-batch fits give locally: parameter averaging carries
     * SA's running GAR and BN's running mean and variance.
     */
    @Test
    void runningGarAndBatchNormStatisticsAreAveragedOverTheWorkers() {
        Random r = new Random(11);
        DataSet b1 = bands(8, 3, r);
        DataSet b2 = bands(8, 3, r);
        b2.getFeatures().muli(3); // a different scale, so that the two workers' statistics differ clearly
        ComputationGraph net = armGraph(new Sgd(0.0));
        INDArray garInit = gar(net).dup();

        List<ComputationGraph> local = new ArrayList<>();
        for (DataSet b : List.of(b1, b2)) {
            ComputationGraph c = net.clone();
            c.fit(b);
            local.add(c);
        }
        INDArray expectedGar = gar(local.get(0)).add(gar(local.get(1))).divi(2);
        INDArray expectedMean = bn(local.get(0), "mean").add(bn(local.get(1), "mean")).divi(2);
        INDArray expectedVar = bn(local.get(0), "var").add(bn(local.get(1), "var")).divi(2);
        assertFalse(gar(local.get(0)).equalsWithEps(gar(local.get(1)), 1e-3), "the two batches give different running GARs");

        ComputationGraph trained;
        try (JavaSparkContext sc = localSpark()) {
            trained = SparkArmTrainer.builder().batchSizePerWorker(8).averagingFrequency(1).seed(5)
                    .exportDirectory(tmp.resolve("export").toUri().toString()).build()
                    .fit(sc, net, sc.parallelize(List.of(b1, b2), 2), 1);
        }
        assertFalse(gar(trained).equalsWithEps(garInit, 1e-6), "running GAR moved from its initial value");
        assertTrue(gar(trained).equalsWithEps(expectedGar, 1e-5), "running GAR " + gar(trained) + " vs worker mean " + expectedGar);
        assertTrue(bn(trained, "mean").equalsWithEps(expectedMean, 1e-5), "BN mean " + bn(trained, "mean") + " vs " + expectedMean);
        assertTrue(bn(trained, "var").equalsWithEps(expectedVar, 1e-5), "BN var " + bn(trained, "var") + " vs " + expectedVar);
        // learning rate 0: the weights did not move
        assertTrue(trained.getLayer("conv").getParam("W").equalsWithEps(local.get(0).getLayer("conv").getParam("W"), 0));
    }

    @Test
    void parameterAveragingLearnsASeparableTaskAndTheSavedModelIsBatchIndependent() throws Exception {
        Random r = new Random(3);
        List<DataSet> train = new ArrayList<>();
        for (int i = 0; i < 12; i++) train.add(bands(8, 3, r));
        DataSet test = bands(90, 3, new Random(4));
        ComputationGraph net = armGraph(new Adam(5e-3));
        INDArray garInit = gar(net).dup();
        INDArray meanInit = bn(net, "mean").dup();
        double scoreBefore = net.score(test);
        double accBefore = net.evaluate(new ListDataSetIterator<>(test.asList(), 30)).accuracy();
        ComputationGraph trained;
        try (JavaSparkContext sc = localSpark()) {
            trained = SparkArmTrainer.builder().batchSizePerWorker(8).averagingFrequency(2).seed(7)
                    .exportDirectory(tmp.resolve("export").toUri().toString()).build()
                    .fit(sc, net, sc.parallelize(train, 2), 6);
        }
        double score = trained.score(test);
        double acc = trained.evaluate(new ListDataSetIterator<>(test.asList(), 30)).accuracy();
        assertTrue(score < scoreBefore, "test loss " + scoreBefore + " -> " + score);
        assertTrue(acc > 0.8 && acc > accBefore, "accuracy on 3 classes " + accBefore + " -> " + acc);
        assertFalse(gar(trained).equalsWithEps(garInit, 1e-6), "running GAR updated");
        assertFalse(bn(trained, "mean").equalsWithEps(meanInit, 1e-6), "BN running mean updated");
        try (Stream<Path> left = Files.walk(tmp.resolve("export"))) {
            assertTrue(left.noneMatch(p -> p.toString().endsWith(".bin")), "exported minibatches deleted after training");
        }

        File f = tmp.resolve("spark.zip").toFile();
        ModelSerializer.writeModel(trained, f, false);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(f, false);
        assertTrue(loaded.params().equalsWithEps(trained.params(), 0), "parameters survive the save");
        assertBatchIndependent(loaded, test.getFeatures(), "tiny ARM graph");
    }
}
