package org.armfer.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.armfer.layers.ArmModule;
import org.armfer.layers.GarCalibration;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DL4J's Spark training (dl4j-spark 1.0.0-M2 on our M2.1 stack, Spark 3.3, Java 17) in local mode. */
class SparkTrainingTest {

    @TempDir
    Path tmp;

    /** Class c: a brighter horizontal band c, on noise. */
    private static DataSet batch(int n, int classes, Random r) {
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 16, 16).muli(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            y.putScalar(i, c, 1);
            x.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(c * 5, c * 5 + 5), NDArrayIndex.all()).addi(0.6);
        }
        return new DataSet(x, y);
    }

    private static ComputationGraph armGraph() {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(5e-3))
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

    @Test
    void parameterAveragingTrainsAnArmGraphAndCarriesItsRunningStatistics() throws Exception {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("armfer-test").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1");
        Random r = new Random(3);
        List<DataSet> train = new ArrayList<>();
        for (int i = 0; i < 12; i++) train.add(batch(8, 3, r));
        DataSet test = batch(90, 3, new Random(4));
        ComputationGraph net = armGraph();
        String sa = GarCalibration.sharingAffinityVertices(net).get(0);
        INDArray garBefore = net.getLayer(sa).getParam(SharingAffinity.RUNNING_GAR).dup();
        INDArray bnMeanBefore = net.getLayer("arm.bn").getParam("mean").dup();
        double accBefore = net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(test.asList(), 30)).accuracy();
        ComputationGraph trained;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            JavaRDD<DataSet> rdd = sc.parallelize(train, 2);
            trained = SparkArmTrainer.builder().batchSizePerWorker(8).averagingFrequency(2).build().fit(sc, net, rdd, 6);
        }
        double acc = trained.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(test.asList(), 30)).accuracy();
        assertTrue(acc > 0.8 && acc > accBefore, "accuracy " + accBefore + " -> " + acc);
        // running statistics are parameters: averaged across workers and returned with the weights
        assertNotEquals(garBefore, trained.getLayer(sa).getParam(SharingAffinity.RUNNING_GAR), "running GAR updated");
        assertNotEquals(bnMeanBefore, trained.getLayer("arm.bn").getParam("mean"), "BN running mean updated");
        // the saved model loads and predicts batch-independently (GarMode.RUNNING)
        File f = tmp.resolve("spark.zip").toFile();
        ModelSerializer.writeModel(trained, f, false);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(f, false);
        INDArray all = loaded.outputSingle(false, test.getFeatures());
        for (int i : new int[]{0, 17, 89}) {
            INDArray one = loaded.outputSingle(false, test.getFeatures().get(NDArrayIndex.interval(i, i + 1)).dup());
            assertTrue(one.equalsWithEps(all.getRow(i, true), 1e-6), "example " + i + " alone vs in the batch");
        }
    }

    @Test
    void commandLineTrainsResNet18ArmOnTheDemoData() throws Exception {
        Path out = tmp.resolve("model.zip");
        CommandLine cl = SparkTrainMain.commandLine();
        StringWriter sw = new StringWriter();
        cl.setOut(new PrintWriter(sw, true));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        System.setProperty("armfer.demo.dir", tmp.resolve("demo").toString());
        int code = cl.execute("--master", "local[2]", "--dataset", "demo", "--epochs", "1", "--batch", "8",
                "--max-batches", "4", "--out", out.toString());
        assertEquals(0, code, sw + "\n" + err);
        assertTrue(sw.toString().contains("accuracy"), sw.toString());
        assertTrue(Files.size(out) > 1_000_000);
        ComputationGraph g = ModelSerializer.restoreComputationGraph(out.toFile(), false);
        assertEquals(1, GarCalibration.sharingAffinityVertices(g).size());
        assertEquals(2, SparkTrainMain.commandLine().execute("--epochs", "0", "--out", out.toString()));
        assertEquals(2, SparkTrainMain.commandLine().execute("--dataset", "rafdb", "--out", out.toString()));
    }
}
