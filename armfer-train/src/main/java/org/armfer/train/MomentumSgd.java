package org.armfer.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * Stochastic gradient descent with classic (heavy-ball) momentum, as PyTorch's {@code torch.optim.SGD(momentum=μ)}:
 * {@code v = μ·v + g; w = w - lr·v} (dampening 0, not Nesterov; the first step starts from v = 0, so it is {@code w -
 * lr·g}). DL4J M2.1 offers plain {@code Sgd} and {@code Nesterovs}, whose update differs ({@code v = μ·v - lr·g; w = w
 * - μ·v_prev + (1+μ)·v}); recipes that follow a PyTorch paper's {@code SGD(momentum=0.9)} use this one. Weight decay is
 * applied by the network's regularization, before this update, as PyTorch's {@code weight_decay} is (coupled).
 */
public final class MomentumSgd implements IUpdater {

    /** The momentum state's key in {@link GradientUpdater#getState()}. */
    public static final String V = "V";

    @JsonProperty
    private double learningRate;
    @JsonProperty
    private ISchedule learningRateSchedule;
    @JsonProperty
    private double momentum;

    /** For JSON. */
    private MomentumSgd() {
    }

    public MomentumSgd(double learningRate, double momentum) {
        this(learningRate, null, momentum);
    }

    public MomentumSgd(ISchedule learningRateSchedule, double momentum) {
        this(Double.NaN, learningRateSchedule, momentum);
    }

    private MomentumSgd(double learningRate, ISchedule schedule, double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (schedule == null && !(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("learningRate must be a finite number > 0, got " + learningRate);
        }
        this.learningRate = learningRate;
        this.learningRateSchedule = schedule;
        this.momentum = momentum;
    }

    public double getMomentum() {
        return momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public MomentumSgd clone() {
        return new MomentumSgd(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), momentum);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentumSgd m && Double.compare(m.learningRate, learningRate) == 0 && m.momentum == momentum
                && Objects.equals(m.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum);
    }

    @Override
    public String toString() {
        return "MomentumSgd(lr=" + (learningRateSchedule != null ? learningRateSchedule : learningRate) + ", momentum=" + momentum + ")";
    }

    /** The per-parameter state: the velocity v, one value per parameter. */
    static final class Updater implements GradientUpdater<MomentumSgd> {
        private final MomentumSgd config;
        private INDArray v;

        Updater(MomentumSgd config) {
            this.config = config;
        }

        @Override
        public MomentumSgd getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
            if (!stateMap.containsKey(V) || stateMap.size() != 1) {
                throw new IllegalStateException("MomentumSgd's state is one array '" + V + "', got " + stateMap.keySet());
            }
            this.v = stateMap.get(V);
            if (initialize) {
                v.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Collections.singletonMap(V, v);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
            if (!viewArray.isRowVectorOrScalar()) {
                throw new IllegalArgumentException("Invalid state view array: not a row vector, shape " + java.util.Arrays.toString(viewArray.shape()));
            }
            if (initialize) {
                viewArray.assign(0);
            }
            this.v = viewArray.reshape(gradientOrder, gradientShape);
        }

        /** Turns the gradient into the update DL4J subtracts from the parameters: {@code lr·(μ·v + g)}, keeping v. */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (v == null) {
                throw new IllegalStateException("MomentumSgd: the updater state was not set");
            }
            double lr = config.getLearningRate(iteration, epoch);
            v.muli(config.momentum).addi(gradient);
            gradient.assign(v).muli(lr);
        }
    }
}
