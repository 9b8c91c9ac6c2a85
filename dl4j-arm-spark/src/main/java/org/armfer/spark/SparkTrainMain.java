package org.armfer.spark;

import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.armfer.datavec.FerDataConfig;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.Split;
import org.armfer.fast.CpuBackend;
import org.armfer.zoo.FerModels;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;
import org.deeplearning4j.datasets.iterator.EarlyTerminationDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.util.SparkUtils;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code armfer-spark}: trains a zoo model with DL4J's Spark parameter averaging, in Spark local mode
 * ({@code --master local[2]}) or, through {@code spark-submit}, on a cluster. The data is a datavec-fer dataset
 * ({@code --dataset}, read on the driver) or a directory of saved DataSets ({@code --data-dir}, read by the workers;
 * {@code armfer-spark save} writes one). Exit codes as armfer's: 0, 1 (failure while running), 2 (usage error).
 */
@Command(name = "armfer-spark", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = SparkTrainMain.Save.class,
        description = {"Train an armfer zoo model with DL4J on Apache Spark (synchronous parameter averaging). BatchNorm",
                "statistics and ARM's running GAR are parameters, so they are averaged across workers with the weights.",
                "Data: a datavec-fer dataset (--dataset, read on the driver) or saved DataSets (--data-dir, read by the",
                "workers; write them with 'armfer-spark save')."})
public final class SparkTrainMain implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master; ignored under spark-submit, which sets it (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--dataset", description = "demo, fer2013, ferplus, rafdb, affectnet7 or affectnet8 (default: demo unless --data-dir).")
    String dataset;

    @Option(names = "--root", description = "The dataset's folder (not needed for demo).")
    Path root;

    @Option(names = "--data-dir", description = "Instead of --dataset: a directory of saved DataSets (local path, hdfs://, s3a://, ...).")
    String dataDir;

    @Option(names = "--val-dir", description = "With --data-dir: saved DataSets to evaluate on after training.")
    String valDir;

    @Option(names = "--model", defaultValue = "resnet18-arm", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--input-size", defaultValue = "0", description = "Input side for --dataset (default: 48 for demo, 224 otherwise; --data-dir: taken from the data).")
    int inputSize;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "16", description = "Examples per batch read from --dataset, or per saved DataSet in --data-dir (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--workers-batch", defaultValue = "0", description = "Examples per minibatch each worker fits (default: --batch).")
    int workersBatch;

    @Option(names = "--averaging-frequency", defaultValue = "2", description = "Average parameters every N worker minibatches (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--partitions", defaultValue = "2", description = "RDD partitions for --dataset (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--max-batches", defaultValue = "0", description = "With --dataset: use only the first N training batches (0: all).")
    int maxBatches;

    @Option(names = "--work-dir", description = "Where DL4J writes the RDD's minibatches during training (default: hadoop.tmp.dir/dl4j; on a cluster: shared storage).")
    String workDir;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "Where to write the trained model (DL4J ModelSerializer zip). Required.")
    Path out;

    public static void main(String[] args) {
        CpuBackend.configure();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkTrainMain());
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof IOException) {
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
        require(out != null, "Missing required option: '--out=<out>'");
        require(dataDir == null || dataset == null, "--dataset and --data-dir exclude each other");
        require(valDir == null || dataDir != null, "--val-dir goes with --data-dir");
        require(epochs >= 1 && batch >= 1 && workersBatch >= 0 && averagingFrequency >= 1 && partitions >= 1 && maxBatches >= 0,
                "--epochs, --batch, --averaging-frequency and --partitions must be >= 1, --workers-batch and --max-batches >= 0");
        FerDataset d = null;
        try {
            FerModels.builder(model);
            if (dataDir == null) {
                d = FerDataset.parse(dataset == null ? "demo" : dataset);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        require(d == null || root != null || d == FerDataset.DEMO, "--root is required for --dataset " + (d == null ? "" : d.cliName()));

        SparkArmTrainer.Builder tb = SparkArmTrainer.builder().batchSizePerWorker(workersBatch > 0 ? workersBatch : batch)
                .examplesPerSavedDataSet(batch).averagingFrequency(averagingFrequency).seed(seed);
        if (workDir != null) {
            tb.exportDirectory(workDir);
        }
        SparkArmTrainer trainer = tb.build();
        PrintWriter o = spec.commandLine().getOut();

        SparkConf conf = new SparkConf().setAppName("armfer-spark " + model);
        if (!conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        conf.setIfMissing("spark.ui.enabled", "false");
        // DL4J's advice for Spark: Kryo with ND4J's registrator (INDArrays are off-heap; Java serialization is slower)
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            ComputationGraph trained;
            String evaluatedOn;
            Evaluation ev;
            if (d != null) {
                int size = inputSize > 0 ? inputSize : d == FerDataset.DEMO ? 48 : 224;
                ComputationGraph graph = newModel(d.numClasses(), 3, size);
                DataSetIterator train = FerIterators.iterator(FerDataConfig.builder().dataset(d).root(root).split(Split.TRAIN)
                        .batchSize(batch).imageSize(size).augment(true).seed(seed).build());
                if (maxBatches > 0) {
                    train = new EarlyTerminationDataSetIterator(train, maxBatches);
                }
                trained = trainer.fit(sc, graph, SparkArmTrainer.rdd(sc, train, partitions), epochs);
                Split evalSplit = d.splits().contains(Split.VALIDATION) ? Split.VALIDATION : Split.TEST;
                ev = trained.evaluate(FerIterators.iterator(FerDataConfig.builder().dataset(d).root(root).split(evalSplit)
                        .batchSize(batch).imageSize(size).build()));
                evaluatedOn = d.cliName() + " " + evalSplit.cliName() + " split";
            } else {
                DataSet first = firstSaved(sc, dataDir);
                long[] shape = first.getFeatures().shape();
                require(shape.length == 4, "--data-dir: features must be images [N, C, H, W]; got shape "
                        + java.util.Arrays.toString(shape));
                require(inputSize == 0 || inputSize == shape[2], "--input-size " + inputSize + " differs from the saved data's "
                        + shape[2] + "x" + shape[3]);
                ComputationGraph graph = newModel((int) first.getLabels().size(1), (int) shape[1], (int) shape[2]);
                trained = trainer.fitSaved(sc, graph, dataDir, epochs);
                if (valDir != null) {
                    ev = new SparkComputationGraph(sc, trained, trainer.trainingMaster(sc))
                            .evaluate(valDir, new SerializedDataSetLoader());
                    evaluatedOn = valDir;
                } else {
                    ev = null;
                    evaluatedOn = null;
                }
            }
            writeModel(trained, out);
            if (ev != null) {
                o.printf(Locale.ROOT, "%s: accuracy %.4f on %s (%d examples)%n", model, ev.accuracy(), evaluatedOn, ev.getNumRowCounter());
            } else {
                o.printf(Locale.ROOT, "%s: trained (no --val-dir given, not evaluated)%n", model);
            }
            o.printf(Locale.ROOT, "Model: %s%n", out);
        }
        return 0;
    }

    private ComputationGraph newModel(int numClasses, int channels, int size) {
        return FerModels.builder(model).numClasses(numClasses).inputShape(channels, size, size).seed(seed)
                .updater(new Adam(lr)).build().init();
    }

    /** The first saved DataSet under {@code dir}, read through Hadoop's file system (local, HDFS, S3, ...). */
    private static DataSet firstSaved(JavaSparkContext sc, String dir) throws IOException {
        String path = SparkUtils.listPaths(sc, dir).first();
        FileSystem fs = FileSystem.get(URI.create(path), sc.hadoopConfiguration());
        DataSet ds = new DataSet();
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            ds.load(in);
        }
        return ds;
    }

    static void writeModel(ComputationGraph net, Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".tmp");
        try {
            ModelSerializer.writeModel(net, tmp.toFile(), true);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@code armfer-spark save}: a datavec-fer dataset split as saved DataSets, for {@code --data-dir}. */
    @Command(name = "save", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Write a dataset split as DL4J DataSet files (DataSet.save), one per batch, for training with",
                    "--data-dir. Copy the folder to storage every executor reads (HDFS, S3) for a cluster."})
    static final class Save implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dataset", defaultValue = "demo", description = "demo, fer2013, ferplus, rafdb, affectnet7 or affectnet8 (default: ${DEFAULT-VALUE}).")
        String dataset;

        @Option(names = "--root", description = "The dataset's folder (not needed for demo).")
        Path root;

        @Option(names = "--split", defaultValue = "train", description = "train, validation or test (default: ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--input-size", defaultValue = "0", description = "Image side (default: 48 for demo, 224 otherwise).")
        int inputSize;

        @Option(names = "--batch", defaultValue = "16", description = "Examples per saved DataSet (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--augment", description = "Augment (once: the saved copy is what every epoch sees).")
        boolean augment;

        @Option(names = "--max-batches", defaultValue = "0", description = "Save only the first N batches (0: all).")
        int maxBatches;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--to", required = true, description = "Output directory.")
        Path to;

        @Override
        public Integer call() throws Exception {
            FerDataset d;
            Split s;
            try {
                d = FerDataset.parse(dataset);
                s = Split.parse(split);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (batch < 1 || maxBatches < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be >= 1, --max-batches >= 0");
            }
            if (root == null && d != FerDataset.DEMO) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--root is required for --dataset " + d.cliName());
            }
            int size = inputSize > 0 ? inputSize : d == FerDataset.DEMO ? 48 : 224;
            DataSetIterator it = FerIterators.iterator(FerDataConfig.builder().dataset(d).root(root).split(s)
                    .batchSize(batch).imageSize(size).augment(augment).seed(seed).build());
            if (maxBatches > 0) {
                it = new EarlyTerminationDataSetIterator(it, maxBatches);
            }
            int n = SparkArmTrainer.save(it, to);
            spec.commandLine().getOut().printf(Locale.ROOT, "%d DataSets of up to %d examples (%s %s, %dx%d) in %s%n",
                    n, batch, d.cliName(), s.cliName(), size, size, to);
            return 0;
        }
    }
}
