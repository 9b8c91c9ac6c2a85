package org.armfer.spark;

import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.armfer.datavec.FerDataConfig;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.FerLabel;
import org.armfer.datavec.Split;
import org.armfer.fast.CpuBackend;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.armfer.train.ModelCard;
import org.armfer.train.ModelFiles;
import org.armfer.train.Recipe;
import org.armfer.train.TrainConfig;
import org.armfer.train.TrainRun;
import org.armfer.train.Trainer;
import org.armfer.train.TrainingData;
import org.armfer.train.WeightDecayMode;
import org.armfer.train.cli.RecipeOptions;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;
import org.deeplearning4j.datasets.iterator.EarlyTerminationDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code armfer-spark}: trains a zoo model with DL4J's Spark parameter averaging, in Spark local mode
 * ({@code --master local[2]}) or, through {@code spark-submit}, on a cluster. The data is a datavec-fer dataset
 * ({@code --dataset}, read on the driver) or a directory of saved DataSets ({@code --data-dir}, read by the workers;
 * {@code armfer-spark save} writes one). Exit codes as armfer's: 0, 1 (failure while running), 2 (usage error).
 */
@Command(name = "armfer-spark", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = SparkTrainMain.Save.class,
        description = {"Train an armfer zoo model with DL4J on Apache Spark (synchronous parameter averaging) through armfer's",
                "training library: the same recipes, validation (the dataset's split or a hold-out from train, never test),",
                "checkpoints and --resume, metrics and run folder as 'armfer train'; only the fitting of each epoch runs on",
                "Spark. BatchNorm statistics and ARM's running GAR are parameters, so they are averaged with the weights.",
                "Data: a datavec-fer dataset (--dataset, read on the driver) or saved DataSets (--data-dir, read by the",
                "workers; write them with 'armfer-spark save'). The model.zip it writes is what 'armfer evaluate' and",
                "'armfer predict' take."})
public final class SparkTrainMain implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master; ignored under spark-submit, which sets it (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--dataset", description = "demo, fer2013, ferplus, rafdb, affectnet7 or affectnet8 (default: demo unless --data-dir).")
    String dataset;

    @Option(names = "--root", description = "The dataset's folder (not needed for demo).")
    String root;

    @Option(names = "--data-dir", description = "Instead of --dataset: a directory of saved DataSets (local path, hdfs://, s3a://, ...).")
    String dataDir;

    @Option(names = "--val-dir", description = "With --data-dir: saved DataSets to validate on after each epoch (required with --data-dir).")
    String valDir;

    @CommandLine.Mixin
    RecipeOptions recipe;

    @Option(names = "--workers-batch", defaultValue = "0", description = "Examples per minibatch each worker fits (default: the recipe's micro-batch).")
    int workersBatch;

    @Option(names = "--averaging-frequency", defaultValue = "2", description = "Average parameters every N worker minibatches (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--partitions", defaultValue = "2", description = "RDD partitions for --dataset (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--max-batches", defaultValue = "0", description = "With --dataset: stop every pass over a split after N batches (0: all).")
    int maxBatches;

    @Option(names = "--weights", description = "Torchvision ImageNet backbone (.npz) to start from.")
    Path weights;

    @Option(names = "--work-dir", description = "Where DL4J writes the RDD's minibatches during training (default: hadoop.tmp.dir/dl4j; on a cluster: shared storage).")
    String workDir;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "The run folder (config.json, epochs.csv, checkpoint.zip, model.zip). Required.")
    Path out;

    @Option(names = "--resume", description = "With --dataset: continue the run in --out from its last checkpoint (--epochs may raise the total).")
    boolean resume;

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
        require(dataDir == null || valDir != null, "--data-dir needs --val-dir: every epoch is validated (never on test)");
        require(valDir == null || dataDir != null, "--val-dir goes with --data-dir");
        require(dataDir == null || !resume, "--resume continues --dataset runs; --data-dir runs start over");
        require(workersBatch >= 0 && averagingFrequency >= 1 && partitions >= 1 && maxBatches >= 0,
                "--averaging-frequency and --partitions must be >= 1, --workers-batch and --max-batches >= 0");
        TrainConfig config;
        if (resume) {
            require(!recipe.anyBut("epochs"), "--resume continues with the settings in " + out.resolve(TrainRun.CONFIG)
                    + "; only --epochs may change");
            config = TrainRun.readConfig(out);
            Object epochs = recipe.overrides().get("epochs");
            if (epochs != null) {
                config.recipe = config.recipe.with(Map.of("epochs", epochs));
                config.overrides.put("epochs", epochs);
            }
        } else {
            config = new TrainConfig();
            config.data.dataset = dataDir != null ? "demo" : dataset == null ? "demo" : dataset;
            try {
                FerDataset.parse(config.data.dataset);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            require(dataDir != null || root != null || config.data.dataset().equals(FerDataset.DEMO),
                    "--root is required for --dataset " + config.data.dataset);
            config.data.root = root;
            config.data.maxBatches = maxBatches;
            config.model.seed = seed;
            recipe.resolve(config);
            config.weights = weights == null ? null : weights.toAbsolutePath().toString();
        }
        Recipe r = config.recipe;
        SparkArmTrainer.Builder tb = SparkArmTrainer.builder().batchSizePerWorker(workersBatch > 0 ? workersBatch : r.microBatch())
                .examplesPerSavedDataSet(r.microBatch()).averagingFrequency(averagingFrequency).seed(config.model.seed);
        if (workDir != null) {
            tb.exportDirectory(workDir);
        }
        SparkArmTrainer trainer = tb.build();
        PrintWriter o = spec.commandLine().getOut();

        SparkConf conf = new SparkConf().setAppName("armfer-spark " + r.model());
        if (!conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        conf.setIfMissing("spark.ui.enabled", "false");
        // DL4J's advice for Spark: Kryo with ND4J's registrator (INDArrays are off-heap; Java serialization is slower)
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            Metrics headline;
            String split;
            if (dataDir == null) {
                TrainRun.Outcome res = new TrainRun(config, out).fitter(trainer.fitter(sc, partitions)).lines(o::println)
                        .memoryCheck(recipe.memoryCheck()).run(resume);
                headline = res.headline();
                split = res.test() != null ? "test" : "validation";
            } else {
                headline = trainSaved(sc, trainer, config, o);
                split = "validation (" + valDir + ")";
            }
            o.printf(Locale.ROOT, "%s: %s WA %s  UA %s (%d examples)%n", r.model(), split, Metrics.format(headline.weightedAccuracy()),
                    Metrics.format(headline.unweightedAccuracy()), headline.total());
            o.printf(Locale.ROOT, "Model: %s%n", out.resolve(TrainRun.MODEL));
        }
        return 0;
    }

    /**
     * Trains from saved DataSets with armfer's training loop (schedule, validation on --val-dir each epoch, checkpoints,
     * metrics, the model card and file); the model's shape and classes come from the data.
     */
    private Metrics trainSaved(JavaSparkContext sc, SparkArmTrainer trainer, TrainConfig config, PrintWriter o) throws IOException {
        Recipe r = config.recipe;
        TrainRun.requireBackbone(r, config.weights);
        DataSet first = firstSaved(sc, dataDir);
        long[] shape = first.getFeatures().shape();
        require(shape.length == 4, "--data-dir: features must be images [N, C, H, W]; got shape " + java.util.Arrays.toString(shape));
        require(shape[2] == shape[3], "--data-dir: images must be square; got " + shape[2] + "x" + shape[3]);
        int classes = (int) first.getLabels().size(1);
        require(classes == 7 || classes == 8, "--data-dir: labels must be one-hot over 7 or 8 classes; got " + classes);
        config.recipe = r = r.with(Map.of("inputSize", (int) shape[2]));
        config.model.channels = (int) shape[1];
        List<String> labels = FerLabel.names(classes);
        ComputationGraph model = TrainRun.buildModel(config, classes);
        Files.createDirectories(out);
        Json.write(out.resolve(TrainRun.CONFIG), Map.of("recipe", r, "dataDir", dataDir, "valDir", valDir, "model", config.model,
                "weights", String.valueOf(config.weights)));
        o.println(config.describeRecipe());
        TrainingData data = new TrainingData() {
            @Override
            public List<String> labels() {
                return labels;
            }

            @Override
            public DataSetIterator train(int epoch) {
                return null; // the saved fitter reads --data-dir itself
            }

            @Override
            public DataSetIterator validation() {
                throw new UnsupportedOperationException("validated on Spark");
            }

            @Override
            public Metrics validate(ComputationGraph m) {
                return Metrics.of(new SparkComputationGraph(sc, m, trainer.trainingMaster(sc))
                        .evaluate(valDir, new SerializedDataSetLoader()), labels);
            }
        };
        Trainer.Result res = Trainer.builder().data(data).checkpoints(out).epochs(r.epochs()).seed(config.model.seed)
                .fitter(trainer.savedFitter(sc, dataDir)).summaries(o::println).build().run(model, false, null, null);
        ModelCard card = ModelCard.of(config, labels, "saved DataSets in " + valDir, res.validation(), null);
        card.dataset = null;
        card.grayToRgb = false;
        ModelFiles.save(WeightDecayMode.forInference(res.model()), out.resolve(TrainRun.MODEL), false,
                Map.of(ModelCard.KEY, Json.write(card)));
        return res.validation();
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
