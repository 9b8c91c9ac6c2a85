package org.armfer.train;

/** One line of a training run's history. */
public final class EpochStats {
    private int epoch;
    private double loss;
    private double weightedAccuracy;
    private double unweightedAccuracy;
    private double lambda;
    private double learningRate;
    private double seconds;

    public EpochStats(int epoch, double loss, double weightedAccuracy, double unweightedAccuracy, double lambda,
                      double learningRate, double seconds) {
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

    public static final String CSV_HEADER = "epoch,loss,wa,ua,lambda,lr,seconds";

    public String csv() {
        return epoch + "," + loss + "," + weightedAccuracy + "," + unweightedAccuracy + "," + (Double.isNaN(lambda) ? "" : lambda)
                + "," + learningRate + "," + String.format(java.util.Locale.ROOT, "%.3f", seconds);
    }

    /** The one summary line printed per epoch. */
    public String summary(int epochs) {
        return String.format(java.util.Locale.ROOT, "epoch %d/%d  loss %.4f  WA %.4f  UA %.4f%s  lr %.2e  %.1fs",
                epoch, epochs, loss, weightedAccuracy, unweightedAccuracy, Double.isNaN(lambda) ? "" : String.format(java.util.Locale.ROOT, "  λ %.4f", lambda),
                learningRate, seconds);
    }

    public int getEpoch() { return epoch; }
    public double getLoss() { return loss; }
    public double getWeightedAccuracy() { return weightedAccuracy; }
    public double getUnweightedAccuracy() { return unweightedAccuracy; }
    public double getLambda() { return lambda; }
    public double getLearningRate() { return learningRate; }
    public double getSeconds() { return seconds; }
}
