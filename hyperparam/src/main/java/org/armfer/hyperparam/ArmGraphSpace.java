package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.TaskCreatorProvider;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The search space of whole networks: an {@link ArmLayerSpace} put into the network of a {@link ModelFactory}, trained
 * for a fixed number of epochs. The top of the Arbiter parameter tree that a candidate generator
 * ({@code RandomSearchGenerator}, {@code GridSearchCandidateGenerator}) draws from.
 * <p>
 * {@link #getValue(double[])} never throws: a point that cannot be an ARM on the factory's feature map (kernel larger
 * than the arranged map, stride below 1, output below 1x1, C' without a square block) becomes an
 * {@link ArmCandidate#invalid invalid candidate} with the reason, and any other failure to build the network a
 * {@link ArmCandidate#failed failed} one. This matters with Arbiter beta7: a candidate whose generation throws is
 * neither run nor counted by its runner ({@code BaseOptimizationRunner} only tells the listeners), so a grid with such
 * a candidate never reaches its {@code MaxCandidatesCondition}, and a random search keeps drawing until it has that
 * many candidates that did not throw (forever, in a space where every draw throws).
 * <p>
 * {@link ArmTaskCreator} is registered as this space's default task creator, so Arbiter's
 * {@code new LocalOptimizationRunner(configuration)} runs it without being told.
 */
public final class ArmGraphSpace extends AbstractParameterSpace<ArmCandidate> {

    private static final Logger log = LoggerFactory.getLogger(ArmGraphSpace.class);

    static {
        TaskCreatorProvider.registerDefaultTaskCreatorClass(ArmGraphSpace.class, ArmTaskCreator.class);
    }

    private final ArmLayerSpace arm;
    private final ModelFactory model;   // not a ParameterSpace: Arbiter's reflection skips it
    private final int numEpochs;

    /**
     * @param arm       the ARM settings to search
     * @param model     the network each ARM is put into
     * @param numEpochs training epochs per candidate, >= 1
     */
    public ArmGraphSpace(ArmLayerSpace arm, ModelFactory model, int numEpochs) {
        if (arm == null || model == null) {
            throw new IllegalArgumentException("ArmGraphSpace needs an ArmLayerSpace and a ModelFactory, got " + arm + ", " + model);
        }
        if (numEpochs < 1) {
            throw new IllegalArgumentException("numEpochs must be >= 1, got " + numEpochs);
        }
        this.arm = arm;
        this.model = model;
        this.numEpochs = numEpochs;
    }

    @Override
    public ArmCandidate getValue(double[] parameterValues) {
        ArmHyperparameters p;
        try {
            p = arm.sample(parameterValues);
        } catch (RuntimeException e) {
            log.warn("Could not draw ARM settings from {}", arm, e);
            return ArmCandidate.failed(null, null, numEpochs, "drawing the ARM settings failed: " + e);
        }
        long[] map = model.featureMapShape();
        ArmModule m;
        long features;
        try {
            m = arm.module(p);
        } catch (IllegalArgumentException e) {
            return ArmCandidate.invalid(p, null, numEpochs, e.getMessage());
        }
        try {
            // resolved once on the factory's map: the candidate records (and best.json keeps) every setting explicit
            m = m.resolve(map[0], map[1], map[2]);
            features = m.numFeatures(map[0], map[1], map[2]);
        } catch (IllegalArgumentException e) {
            return ArmCandidate.invalid(p, m, numEpochs, e.getMessage());
        }
        ComputationGraphConfiguration conf;
        try {
            conf = model.build(m);
        } catch (IllegalArgumentException e) {
            return ArmCandidate.invalid(p, m, numEpochs, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("Building the network for {} failed", p.describe(), e);
            return ArmCandidate.failed(p, m, numEpochs, "building the network failed: " + e);
        }
        return ArmCandidate.valid(p, m, conf, numEpochs, features);
    }

    @Override
    public int numParameters() {
        return LeafUtils.countUniqueParameters(collectLeaves());
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return arm.collectLeaves();
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("ArmGraphSpace is not a leaf: the generator sets the indices of its leaves");
    }

    public ArmLayerSpace getArm() {
        return arm;
    }

    public ModelFactory getModel() {
        return model;
    }

    public int getNumEpochs() {
        return numEpochs;
    }

    @Override
    public String toString() {
        return "ArmGraphSpace(" + arm + ", model=" + model.describe() + ", epochs=" + numEpochs + ")";
    }
}
