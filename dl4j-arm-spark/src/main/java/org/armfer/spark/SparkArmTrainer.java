package org.armfer.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.armfer.io.AtomicFiles;
import org.armfer.train.EpochFitter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains any armfer ComputationGraph (ResNet18Arm, or your own graph with ARM) with DL4J's Spark training: synchronous
 * parameter averaging ({@link ParameterAveragingTrainingMaster}). Every DL4J parameter is averaged, and in armfer the
 * running statistics are parameters too: BatchNormalization's mean and variance and SharingAffinity's running GAR.
 * Each worker updates its copy from its own batches and averaging combines them, so the model that comes back predicts
 * batch-independently like one trained on a single machine.
 * <p>
 * Two ways in: an RDD of DataSets ({@link #fit(JavaSparkContext, ComputationGraph, JavaRDD, int)}; DL4J first writes
 * it out in batches of {@code batchSizePerWorker} under {@code exportDirectory}), or a directory of DataSets saved
 * with {@link DataSet#save} ({@link #fitSaved}; on a cluster a directory on HDFS/S3, so that no data passes through
 * the driver). Either way each worker fits minibatches of {@code batchSizePerWorker} examples and the parameters are
 * averaged every {@code averagingFrequency} minibatches.
 * <p>
 * DL4J's Spark module is published only as {@code dl4j-spark_2.12:1.0.0-M2}; this module aligns what it pulls to
 * M2.1 and runs it on Spark 3.3 (the first Spark line that supports Java 17) with Scala 2.12.15.
 */
public final class SparkArmTrainer {

    private static final Logger log = LoggerFactory.getLogger(SparkArmTrainer.class);

    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int prefetchBatches;
    private final int examplesPerSavedDataSet;
    private final String exportDirectory;
    private final Long seed;
    private final int workers;

    private SparkArmTrainer(Builder b) {
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.prefetchBatches = b.prefetchBatches;
        this.examplesPerSavedDataSet = b.examplesPerSavedDataSet > 0 ? b.examplesPerSavedDataSet : b.batchSizePerWorker;
        this.exportDirectory = b.exportDirectory;
        this.seed = b.seed;
        this.workers = b.workers;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new DL4J training master with this trainer's settings (one per fit: it caches the exported data). The number of
     * workers is always set: dl4j-spark M2's {@code fitPaths} on a ComputationGraph otherwise takes it from the
     * (absent) MultiLayerNetwork and fails with a NullPointerException.
     */
    public ParameterAveragingTrainingMaster trainingMaster(JavaSparkContext sc) {
        int n = workers > 0 ? workers : sc.defaultParallelism();
        // DL4J M2 hands each worker batchSizePerWorker·averagingFrequency / examplesPerDataSet whole files per round and
        // divides by that count (ArithmeticException when a file holds more): then one file per worker per round
        int perRound = batchSizePerWorker * averagingFrequency;
        int examples = Math.min(examplesPerSavedDataSet, perRound);
        ParameterAveragingTrainingMaster.Builder b = new ParameterAveragingTrainingMaster.Builder(n, examples)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(prefetchBatches);
        if (exportDirectory != null) {
            b.exportDirectory(exportDirectory);
        }
        if (seed != null) {
            b.rngSeed(seed);
        }
        return b.build();
    }

    /**
     * The per-epoch fitting step of armfer's training loop ({@link org.armfer.train.Trainer}, {@code TrainRun}) on
     * Spark: each epoch's batches (its own shuffle, resampling and augmentation, drawn on the driver) become an RDD of
     * {@code partitions} partitions, fitted with parameter averaging. Everything around it (schedule, validation,
     * checkpoints and resume, metrics, the model card and file) is the training library's, as for local training.
     * The training accuracy is not known (null): the workers' forward passes stay on the workers.
     */
    public EpochFitter fitter(JavaSparkContext sc, int partitions) {
        return (model, data, epoch, epochs) -> {
            List<DataSet> batches = new ArrayList<>();
            long examples = 0;
            while (data.hasNext()) {
                DataSet ds = copy(data.next());
                examples += ds.numExamples();
                batches.add(ds);
            }
            if (batches.isEmpty()) {
                throw new IllegalStateException("The training split yielded no examples in epoch " + (epoch + 1));
            }
            ParameterAveragingTrainingMaster tm = trainingMaster(sc);
            SparkComputationGraph spark = new SparkComputationGraph(sc, model, tm);
            try {
                spark.fit(sc.parallelize(batches, Math.max(1, partitions)));
            } finally {
                tm.deleteTempFiles(sc);
            }
            adopt(model, spark.getNetwork());
            log.info("epoch {}/{}: Spark score {}", epoch + 1, epochs, String.format(Locale.ROOT, "%.5f", spark.getScore()));
            return new EpochFitter.Fit(spark.getScore(), null, examples);
        };
    }

    /**
     * The per-epoch fitting step on the DataSets saved in {@code dir} (see {@link #fitSaved}): the same files every
     * epoch (their order is Spark's), the iterator the loop hands it is not read.
     */
    public EpochFitter savedFitter(JavaSparkContext sc, String dir) {
        return (model, ignored, epoch, epochs) -> {
            JavaRDD<String> paths = paths(sc, dir);
            SparkComputationGraph spark = new SparkComputationGraph(sc, model, trainingMaster(sc));
            spark.fitPaths(paths);
            adopt(model, spark.getNetwork());
            log.info("epoch {}/{}: Spark score {}", epoch + 1, epochs, String.format(Locale.ROOT, "%.5f", spark.getScore()));
            return new EpochFitter.Fit(spark.getScore(), null, paths.count() * examplesPerSavedDataSet);
        };
    }

    /** Makes {@code model} hold what Spark trained, when DL4J handed back another instance. */
    private static void adopt(ComputationGraph model, ComputationGraph trained) {
        if (trained != model) {
            model.setParams(trained.params());
            if (trained.getUpdater() != null && trained.getUpdater().getStateViewArray() != null) {
                model.getUpdater().getStateViewArray().assign(trained.getUpdater().getStateViewArray());
            }
        }
    }

    /**
     * Fits {@code graph} on {@code data} for {@code epochs} passes and returns the trained graph (the same instance,
     * holding the averaged parameters). The batches DL4J exported for training are deleted afterwards.
     */
    public ComputationGraph fit(JavaSparkContext sc, ComputationGraph graph, JavaRDD<DataSet> data, int epochs) {
        checkEpochs(epochs);
        ParameterAveragingTrainingMaster tm = trainingMaster(sc);
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, tm);
        try {
            for (int e = 0; e < epochs; e++) {
                spark.fit(data);
                log.info("epoch {}/{}: score {}", e + 1, epochs, String.format(Locale.ROOT, "%.5f", spark.getScore()));
            }
        } finally {
            tm.deleteTempFiles(sc);
        }
        return spark.getNetwork();
    }

    /**
     * Fits {@code graph} on the DataSets saved (with {@link DataSet#save}, e.g. by {@link #save}) in the directory
     * {@code dir} — a local path or any Hadoop file system URI the cluster reads ({@code hdfs://...},
     * {@code s3a://...}) — for {@code epochs} passes. Set {@link Builder#examplesPerSavedDataSet} to the number of
     * examples per file when it differs from {@code batchSizePerWorker}: DL4J uses it to decide how many files make one
     * averaging round.
     */
    public ComputationGraph fitSaved(JavaSparkContext sc, ComputationGraph graph, String dir, int epochs) {
        checkEpochs(epochs);
        JavaRDD<String> paths = paths(sc, dir);
        if (examplesPerSavedDataSet > batchSizePerWorker * averagingFrequency) {
            log.warn("saved DataSets of {} examples > batchSizePerWorker {} x averagingFrequency {}: averaging after each file"
                    + " ({} minibatches) instead", examplesPerSavedDataSet, batchSizePerWorker, averagingFrequency,
                    (examplesPerSavedDataSet + batchSizePerWorker - 1) / batchSizePerWorker);
        }
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, trainingMaster(sc));
        for (int e = 0; e < epochs; e++) {
            spark.fitPaths(paths);
            log.info("epoch {}/{}: score {}", e + 1, epochs, String.format(Locale.ROOT, "%.5f", spark.getScore()));
        }
        return spark.getNetwork();
    }

    /** The saved DataSets in {@code dir}; an error when there are none. */
    private static JavaRDD<String> paths(JavaSparkContext sc, String dir) {
        JavaRDD<String> paths;
        try {
            paths = SparkUtils.listPaths(sc, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the saved DataSets in " + dir, e);
        }
        long n = paths.count();
        if (n == 0) {
            throw new IllegalArgumentException("no saved DataSets in " + dir);
        }
        log.info("{} saved DataSets in {}", n, dir);
        return paths;
    }

    /**
     * An RDD of the batches of {@code iterator} (one pass), in {@code partitions} partitions. The batches are
     * collected on the driver first: right for local mode and small data; for a cluster, {@link #save} them once to
     * shared storage and train with {@link #fitSaved}.
     */
    public static JavaRDD<DataSet> rdd(JavaSparkContext sc, DataSetIterator iterator, int partitions) {
        List<DataSet> batches = new ArrayList<>();
        while (iterator.hasNext()) {
            batches.add(copy(iterator.next()));
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("the iterator yielded no batches");
        }
        return sc.parallelize(batches, Math.max(1, partitions));
    }

    /**
     * Writes each batch of {@code iterator} (one pass) to {@code dir} as {@code dataset-000000.bin},
     * {@code dataset-000001.bin}, ... with {@link DataSet#save}, the format {@link #fitSaved} and DL4J's
     * {@code SparkComputationGraph.fitPaths} read. Returns the number of files written.
     */
    public static int save(DataSetIterator iterator, Path dir) throws IOException {
        Files.createDirectories(dir);
        int n = 0;
        while (iterator.hasNext()) {
            DataSet ds = copy(iterator.next());
            AtomicFiles.write(dir.resolve(String.format(Locale.ROOT, "dataset-%06d.bin", n)), ds::save);
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException("the iterator yielded no batches");
        }
        return n;
    }

    /** Features, labels and masks only (no example metadata, which need not be serializable). */
    private static DataSet copy(DataSet ds) {
        return new DataSet(ds.getFeatures().dup(), ds.getLabels().dup(),
                ds.getFeaturesMaskArray() == null ? null : ds.getFeaturesMaskArray().dup(),
                ds.getLabelsMaskArray() == null ? null : ds.getLabelsMaskArray().dup());
    }

    private static void checkEpochs(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1; got " + epochs);
        }
    }

    /** Builder: 8 examples per worker minibatch, averaging every 2 minibatches, no prefetch. */
    public static final class Builder {
        private int batchSizePerWorker = 8;
        private int averagingFrequency = 2;
        private int prefetchBatches = 0;
        private int examplesPerSavedDataSet = 0;
        private String exportDirectory;
        private Long seed;
        private int workers;

        /** Examples per minibatch each worker fits (>= 1). */
        public Builder batchSizePerWorker(int n) {
            if (n < 1) throw new IllegalArgumentException("batchSizePerWorker must be >= 1; got " + n);
            this.batchSizePerWorker = n;
            return this;
        }

        /** Average the workers' parameters every {@code n} minibatches (>= 1). */
        public Builder averagingFrequency(int n) {
            if (n < 1) throw new IllegalArgumentException("averagingFrequency must be >= 1; got " + n);
            this.averagingFrequency = n;
            return this;
        }

        /** Minibatches each worker loads ahead asynchronously (>= 0). */
        public Builder prefetchBatches(int n) {
            if (n < 0) throw new IllegalArgumentException("prefetchBatches must be >= 0; got " + n);
            this.prefetchBatches = n;
            return this;
        }

        /** Examples in each saved DataSet file read by {@link #fitSaved} (default: batchSizePerWorker). */
        public Builder examplesPerSavedDataSet(int n) {
            if (n < 1) throw new IllegalArgumentException("examplesPerSavedDataSet must be >= 1; got " + n);
            this.examplesPerSavedDataSet = n;
            return this;
        }

        /**
         * Where DL4J writes the minibatches of an RDD before training (default: {@code hadoop.tmp.dir/dl4j}); on a
         * cluster, a directory on storage every executor reads.
         */
        public Builder exportDirectory(String dir) {
            this.exportDirectory = dir;
            return this;
        }

        /** Parallel workers (default: the Spark context's default parallelism, e.g. 2 for local[2]). */
        public Builder workers(int n) {
            if (n < 1) throw new IllegalArgumentException("workers must be >= 1; got " + n);
            this.workers = n;
            return this;
        }

        /** Seed of DL4J's random split of the data into averaging rounds (default: unseeded). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public SparkArmTrainer build() {
            return new SparkArmTrainer(this);
        }
    }
}
