package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * What {@link ArmGraphSpace} yields for one candidate: the drawn ARM settings and either the whole network
 * configuration to train, or the reason why there is none. It is an Arbiter {@link GraphConfiguration} (network +
 * number of epochs), so Arbiter's own savers (e.g. {@code FileModelSaver}) accept it; its configuration is null when
 * the candidate is invalid.
 */
public final class ArmCandidate extends GraphConfiguration {

    private static final long serialVersionUID = 1L;

    private final SearchStatus status;
    private final ArmHyperparameters hyperparameters;
    private final String armJson;
    private final String reason;
    private final long features;

    private ArmCandidate(SearchStatus status, ArmHyperparameters hyperparameters, ArmModule arm,
                         ComputationGraphConfiguration configuration, int numEpochs, long features, String reason) {
        super(configuration, null, numEpochs);
        this.status = status;
        this.hyperparameters = hyperparameters;
        this.armJson = arm == null ? null : arm.toJson();
        this.reason = reason;
        this.features = features;
    }

    /** A candidate to train. */
    public static ArmCandidate valid(ArmHyperparameters p, ArmModule arm, ComputationGraphConfiguration conf,
                                     int numEpochs, long features) {
        return new ArmCandidate(SearchStatus.OK, p, arm, conf, numEpochs, features, null);
    }

    /** An impossible candidate ({@code arm} may be null when no ArmModule could be built). */
    public static ArmCandidate invalid(ArmHyperparameters p, ArmModule arm, int numEpochs, String reason) {
        return new ArmCandidate(SearchStatus.INVALID, p, arm, null, numEpochs, 0, reason);
    }

    /** A candidate whose configuration could not be built for an unexpected reason ({@code p} may be null). */
    public static ArmCandidate failed(ArmHyperparameters p, ArmModule arm, int numEpochs, String reason) {
        return new ArmCandidate(SearchStatus.FAILED, p, arm, null, numEpochs, 0, reason);
    }

    /** OK (to train), INVALID or FAILED. */
    public SearchStatus status() {
        return status;
    }

    public boolean isValid() {
        return status == SearchStatus.OK;
    }

    /** The drawn settings (null only when drawing them failed). */
    public ArmHyperparameters hyperparameters() {
        return hyperparameters;
    }

    /** The ARM configuration, or null when none could be built. */
    public ArmModule arm() {
        return armJson == null ? null : ArmModule.fromJson(armJson);
    }

    /** The ARM configuration as {@link ArmModule#toJson()} wrote it, or null. */
    public String armJson() {
        return armJson;
    }

    /** Why the candidate is invalid or failed; null when valid. */
    public String reason() {
        return reason;
    }

    /** Number of features ARM passes to the classifier (0 when invalid). */
    public long features() {
        return features;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "ArmCandidate(" + status + (hyperparameters != null ? ", " + hyperparameters.describe() : "")
                + (reason != null ? ", reason=" + reason : "") + ")";
    }
}
