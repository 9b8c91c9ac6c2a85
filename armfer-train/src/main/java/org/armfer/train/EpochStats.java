package org.armfer.train;

/**
 * One line of a training run's history: the epoch's mean training loss, the weighted accuracy on the training data
 * ({@code trainAccuracy}: correct / total of the predictions of the training-mode forward pass of each augmented training
 * batch, taken before that batch's update, as the reference implementation prints its "Training accuracy"; null when
 * the fitting step cannot see them, e.g. Spark's), the validation WA and UA (never test), λ, the learning rate of the
 * epoch and its wall time.
 */
public final class EpochStats {
    private int epoch;
    private double loss;
    private double weightedAccuracy;
    private double unweightedAccuracy;
    private double lambda;
    private double learningRate;
    private double seconds;
    private Double trainAccuracy;

    public EpochStats(int epoch, double loss, double weightedAccuracy, double unweightedAccuracy, double lambda,
                      double learningRate, double seconds) {
        this(epoch, loss, null, weightedAccuracy, unweightedAccuracy, lambda, learningRate, seconds);
    }

    public EpochStats(int epoch, double loss, Double trainAccuracy, double weightedAccuracy, double unweightedAccuracy,
                      double lambda, double learningRate, double seconds) {
        this.trainAccuracy = trainAccuracy;
        this.epoch = epoch;
        this.loss = loss;
        this.weightedAccuracy = weightedAccuracy;
        this.unweightedAccuracy = unweightedAccuracy;
        this.lambda = lambda;
        this.learningRate = learningRate;
        this.seconds = seconds;
    }

    /** For JSON. */
    EpochStats() {
    }

    /** Columns of {@code epochs.csv}; {@code train_wa} is empty where not known. */
    public static final String CSV_HEADER = "epoch,loss,wa,ua,lambda,lr,seconds,train_wa";

    public String csv() {
        return epoch + "," + loss + "," + weightedAccuracy + "," + unweightedAccuracy + "," + (Double.isNaN(lambda) ? "" : lambda)
                + "," + learningRate + "," + String.format(java.util.Locale.ROOT, "%.3f", seconds) + ","
                + (trainAccuracy == null ? "" : trainAccuracy);
    }

    /** The one summary line printed per epoch. */
    public String summary(int epochs) {
        return String.format(java.util.Locale.ROOT, "epoch %d/%d  loss %.4f%s  validation WA %.4f  UA %.4f%s  lr %.2e  %.1fs",
                epoch, epochs, loss, trainAccuracy == null ? "" : String.format(java.util.Locale.ROOT, "  train WA %.4f", trainAccuracy),
                weightedAccuracy, unweightedAccuracy, Double.isNaN(lambda) ? "" : String.format(java.util.Locale.ROOT, "  λ %.4f", lambda),
                learningRate, seconds);
    }

    public int getEpoch() { return epoch; }
    public double getLoss() { return loss; }
    public double getWeightedAccuracy() { return weightedAccuracy; }
    public double getUnweightedAccuracy() { return unweightedAccuracy; }
    public double getLambda() { return lambda; }
    public double getLearningRate() { return learningRate; }
    public double getSeconds() { return seconds; }
    /** Weighted accuracy on the (augmented) training batches of the epoch, or null when not known. */
    public Double getTrainAccuracy() { return trainAccuracy; }
}
