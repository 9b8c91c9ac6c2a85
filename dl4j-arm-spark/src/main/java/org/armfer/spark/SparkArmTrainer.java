package org.armfer.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Trains any armfer ComputationGraph (ResNet18Arm, or your own graph with ARM) with DL4J's Spark training: synchronous
 * parameter averaging ({@link ParameterAveragingTrainingMaster}). Every DL4J parameter is averaged, and in armfer the
 * running statistics are parameters too: BatchNormalization's mean and variance and SharingAffinity's running GAR
 * (each worker updates its copy from its own batches; averaging combines them), so the model that comes back predicts
 * batch-independently like one trained on a single machine.
 * <p>
 * DL4J's Spark module is published only as {@code dl4j-spark_2.12:1.0.0-M2}; this module aligns what it pulls to
 * M2.1 and runs it on Spark 3.3 (the first Spark line that supports Java 17) with Scala 2.12.15.
 */
public final class SparkArmTrainer {

    private static final Logger log = LoggerFactory.getLogger(SparkArmTrainer.class);

    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int prefetchBatches;

    private SparkArmTrainer(Builder b) {
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.prefetchBatches = b.prefetchBatches;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The DL4J training master this trainer uses. */
    public ParameterAveragingTrainingMaster trainingMaster() {
        return new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(prefetchBatches)
                .build();
    }

    /**
     * Fits {@code graph} on {@code data} for {@code epochs} passes and returns the trained graph (the same instance,
     * with the averaged parameters).
     */
    public ComputationGraph fit(JavaSparkContext sc, ComputationGraph graph, JavaRDD<DataSet> data, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1; got " + epochs);
        }
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, trainingMaster());
        for (int e = 0; e < epochs; e++) {
            spark.fit(data);
            log.info("epoch {}/{}: score {}", e + 1, epochs, spark.getScore());
        }
        return spark.getNetwork();
    }

    /**
     * An RDD of the batches of {@code iterator} (one pass), in {@code partitions} partitions. The batches are
     * collected on the driver first: right for local mode and small data; for a cluster, save the DataSets to shared
     * storage ({@code DataSet.save}) and train from their paths with {@code SparkComputationGraph.fitPaths}.
     */
    public static JavaRDD<DataSet> rdd(JavaSparkContext sc, DataSetIterator iterator, int partitions) {
        List<DataSet> batches = new ArrayList<>();
        while (iterator.hasNext()) {
            DataSet ds = iterator.next();
            batches.add(new DataSet(ds.getFeatures().dup(), ds.getLabels().dup()));
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("the iterator yielded no batches");
        }
        return sc.parallelize(batches, Math.max(1, partitions));
    }

    /** Builder: batch 8 per worker, averaging every 2 batches, no prefetch. */
    public static final class Builder {
        private int batchSizePerWorker = 8;
        private int averagingFrequency = 2;
        private int prefetchBatches = 0;

        public Builder batchSizePerWorker(int n) {
            if (n < 1) throw new IllegalArgumentException("batchSizePerWorker must be >= 1; got " + n);
            this.batchSizePerWorker = n;
            return this;
        }

        /** Average the workers' parameters every {@code n} batches (>= 1). */
        public Builder averagingFrequency(int n) {
            if (n < 1) throw new IllegalArgumentException("averagingFrequency must be >= 1; got " + n);
            this.averagingFrequency = n;
            return this;
        }

        public Builder prefetchBatches(int n) {
            if (n < 0) throw new IllegalArgumentException("prefetchBatches must be >= 0; got " + n);
            this.prefetchBatches = n;
            return this;
        }

        public SparkArmTrainer build() {
            return new SparkArmTrainer(this);
        }
    }
}
