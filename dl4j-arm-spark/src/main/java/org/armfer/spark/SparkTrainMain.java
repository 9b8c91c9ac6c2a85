package org.armfer.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.armfer.datavec.FerDataConfig;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.Split;
import org.armfer.layers.CpuBackend;
import org.armfer.zoo.FerModels;
import org.deeplearning4j.datasets.iterator.EarlyTerminationDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code armfer-spark}: trains a zoo model on a datavec-fer dataset with DL4J's Spark parameter averaging, in Spark
 * local mode ({@code --master local[2]}) or, through {@code spark-submit}, on a cluster. Exit codes as armfer's: 0, 1
 * (failure while running), 2 (usage error).
 */
@Command(name = "armfer-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an armfer zoo model with DL4J on Apache Spark (synchronous parameter averaging). BatchNorm",
                "statistics and ARM's running GAR are parameters, so they are averaged across workers with the weights."})
public final class SparkTrainMain implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master; ignored under spark-submit, which sets it (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--dataset", defaultValue = "demo", description = "demo, fer2013, ferplus, rafdb, affectnet7 or affectnet8 (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--root", description = "The dataset's folder (not needed for demo).")
    Path root;

    @Option(names = "--model", defaultValue = "resnet18-arm", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--input-size", defaultValue = "0", description = "Input side (default: 48 for demo, 224 otherwise).")
    int inputSize;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size per worker (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--averaging-frequency", defaultValue = "2", description = "Average parameters every N batches (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--partitions", defaultValue = "2", description = "RDD partitions (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--max-batches", defaultValue = "0", description = "Use only the first N training batches (0: all).")
    int maxBatches;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Where to write the trained model (DL4J ModelSerializer zip).")
    Path out;

    public static void main(String[] args) {
        CpuBackend.configure();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkTrainMain());
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof java.io.IOException) {
                c.getErr().println("armfer-spark: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl;
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    @Override
    public Integer call() throws Exception {
        FerDataset d;
        try {
            d = FerDataset.parse(dataset);
            FerModels.builder(model);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        require(epochs >= 1 && batch >= 1 && averagingFrequency >= 1 && partitions >= 1 && maxBatches >= 0,
                "--epochs, --batch, --averaging-frequency and --partitions must be >= 1, --max-batches >= 0");
        require(root != null || d == FerDataset.DEMO, "--root is required for --dataset " + d.cliName());
        int size = inputSize > 0 ? inputSize : d == FerDataset.DEMO ? 48 : 224;
        PrintWriter o = spec.commandLine().getOut();

        ComputationGraph graph = FerModels.builder(model).numClasses(d.numClasses()).inputShape(3, size, size).seed(seed)
                .updater(new Adam(lr)).build().init();
        DataSetIterator train = FerIterators.iterator(FerDataConfig.builder().dataset(d).root(root).split(Split.TRAIN)
                .batchSize(batch).imageSize(size).augment(true).seed(seed).build());
        if (maxBatches > 0) {
            train = new EarlyTerminationDataSetIterator(train, maxBatches);
        }
        SparkConf conf = new SparkConf().setAppName("armfer-spark " + model + " on " + d.cliName());
        if (!conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        conf.setIfMissing("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            JavaRDD<DataSet> rdd = SparkArmTrainer.rdd(sc, train, partitions);
            ComputationGraph trained = SparkArmTrainer.builder().batchSizePerWorker(batch).averagingFrequency(averagingFrequency)
                    .build().fit(sc, graph, rdd, epochs);
            Split evalSplit = d.splits().contains(Split.VALIDATION) ? Split.VALIDATION : Split.TEST;
            DataSetIterator val = FerIterators.iterator(FerDataConfig.builder().dataset(d).root(root).split(evalSplit)
                    .batchSize(batch).imageSize(size).build());
            Evaluation ev = trained.evaluate(val);
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".tmp");
            try {
                ModelSerializer.writeModel(trained, tmp.toFile(), true);
                Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            o.printf(Locale.ROOT, "%s on %s (%s split): accuracy %.4f%nModel: %s%n", model, d.cliName(), evalSplit.cliName(),
                    ev.accuracy(), out);
        }
        return 0;
    }
}
