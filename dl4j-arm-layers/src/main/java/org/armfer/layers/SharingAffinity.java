package org.armfer.layers;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.armfer.layers.impl.SharingAffinityRuntime;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ARM's Sharing Affinity (SA): {@code [N, C, H, W] -> [N, 1, H, W]}, output {@code a_i + λ·GAR} where
 * {@code a_i = mean over channels of x_i} and GAR, the global average representation, is the mean of {@code a}
 * over a mini-batch, per spatial position ({@code [1, 1, H, W]}; the reference's {@code x.mean(dim=[0, 1])}).
 * <p>
 * λ ({@value #LAMBDA}) is learnable (default, initial 1.0) or fixed. Where GAR comes from is set by {@link GarMode}:
 * in {@link GarMode#RUNNING} (default) training uses the batch GAR (the gradient flows through it, as in the
 * reference) and keeps a running average in the parameter {@value #RUNNING_GAR},
 * {@code running = decay·running + (1 - decay)·batchGar} (decay 0.9, i.e. PyTorch momentum 0.1, like DL4J's
 * BatchNormalization), and inference uses that running average: a prediction does not depend on its batch.
 * {@link GarMode#BATCH} is the reference's behaviour, batch GAR also at inference. The running GAR is updated in both
 * modes, so a model trained in one mode can be switched to the other; it is saved with the model and is never touched
 * by the updater (NoOp, its "gradient" is the running-average step, as for BatchNormalization's running mean) or by
 * regularization. For a model whose weights were imported without it, see {@link GarCalibration}.
 */
public class SharingAffinity extends AbstractCnnSameDiffLayer {

    /** Parameter key of the learnable λ, shape [1, 1] (absent when λ is fixed). */
    public static final String LAMBDA = "lambda";
    /** Parameter key of the running GAR, shape [1, 1, H, W]. */
    public static final String RUNNING_GAR = "runningGar";

    private double lambda;
    private boolean learnableLambda;
    private GarMode garMode;
    private double garDecay;

    protected SharingAffinity(Builder builder) {
        super(builder);
        this.lambda = builder.lambda;
        this.learnableLambda = builder.learnableLambda;
        this.garMode = builder.garMode;
        this.garDecay = builder.garDecay;
    }

    private SharingAffinity() {
        // for JSON
    }

    @Override
    public long[] outputShape(long channels, long height, long width) {
        return new long[]{1, height, width};
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputShape();
        if (learnableLambda) {
            params.addWeightParam(LAMBDA, 1, 1);
        }
        params.addBiasParam(RUNNING_GAR, 1, 1, inHeight, inWidth);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        if (learnableLambda) {
            params.get(LAMBDA).assign(lambda);
        }
        params.get(RUNNING_GAR).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> paramTable, SDVariable mask) {
        requireInputShape();
        SDVariable a = input.mean(true, 1);                 // [N, 1, H, W]
        SDVariable batchGar = a.mean(true, 0);              // [1, 1, H, W], gradient flows through it
        // DL4J's SameDiff bridge asks a gradient of every parameter: the running GAR joins with weight 0 so that its
        // (zero) gradient exists; SharingAffinityRuntime then writes the running-average step in its place.
        // This graph serves training and GarMode.BATCH inference; RUNNING inference is computed by the runtime layer.
        SDVariable gar = batchGar.add(paramTable.get(RUNNING_GAR).mul(0.0));
        SDVariable lam = learnableLambda ? paramTable.get(LAMBDA) : sd.constant(sd.generateNewVarName("lambda", 0),
                org.nd4j.linalg.factory.Nd4j.scalar(input.dataType(), lambda));
        return a.add(gar.mul(lam));
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new SharingAffinityRuntime(conf, networkDataType);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (RUNNING_GAR.equals(paramName)) {
            return new NoOp();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (RUNNING_GAR.equals(paramName)) {
            return Collections.emptyList();
        }
        return super.getRegularizationByParam(paramName);
    }

    /** Initial (learnable) or fixed value of λ. */
    public double getLambda() {
        return lambda;
    }

    public boolean isLearnableLambda() {
        return learnableLambda;
    }

    public GarMode getGarMode() {
        return garMode;
    }

    /**
     * Switches where the GAR comes from, e.g. to compare a trained model's predictions in both modes. Affects
     * layers instantiated afterwards and the runtime layers that share this configuration object.
     */
    public void setGarMode(GarMode garMode) {
        this.garMode = Objects.requireNonNull(garMode, "garMode");
    }

    public double getGarDecay() {
        return garDecay;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        SharingAffinity that = (SharingAffinity) o;
        return Double.compare(lambda, that.lambda) == 0 && learnableLambda == that.learnableLambda
                && garMode == that.garMode && Double.compare(garDecay, that.garDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), lambda, learnableLambda, garMode, garDecay);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends AbstractCnnSameDiffLayer.Builder<Builder> {
        private double lambda = 1.0;
        private boolean learnableLambda = true;
        private GarMode garMode = GarMode.RUNNING;
        private double garDecay = 0.9;

        /** λ: the initial value when learnable, else the fixed value (default 1.0). Must be finite. */
        public Builder lambda(double lambda) {
            if (!Double.isFinite(lambda)) {
                throw new IllegalArgumentException("SharingAffinity: lambda must be finite, got " + lambda);
            }
            this.lambda = lambda;
            return this;
        }

        /** Whether λ is a trained parameter (default true) or the fixed {@link #lambda(double)}. */
        public Builder learnableLambda(boolean learnable) {
            this.learnableLambda = learnable;
            return this;
        }

        /** Where GAR comes from (default {@link GarMode#RUNNING}). */
        public Builder garMode(GarMode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("SharingAffinity: garMode must be one of "
                        + java.util.Arrays.toString(GarMode.values()) + ", got null");
            }
            this.garMode = mode;
            return this;
        }

        /**
         * Decay of the running GAR, as DL4J's BatchNormalization decay: {@code running = decay·running +
         * (1 - decay)·batchGar}; 0 <= decay < 1, default 0.9 (PyTorch momentum 0.1).
         */
        public Builder garDecay(double decay) {
            if (!(decay >= 0 && decay < 1)) {
                throw new IllegalArgumentException("SharingAffinity: garDecay must be in [0, 1), got " + decay);
            }
            this.garDecay = decay;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SharingAffinity build() {
            return new SharingAffinity(this);
        }
    }
}
