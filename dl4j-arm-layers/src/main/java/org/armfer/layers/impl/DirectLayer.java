package org.armfer.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A runtime SameDiff layer whose forward and backward passes are computed directly with the one or two ND4J ops
 * they need, instead of by executing the layer's SameDiff graph and its gradient function. The SameDiff graph stays
 * the layer's definition (it is what {@code defineLayer} returns, what the JSON describes, and what the tests compare
 * this path against); DL4J M2.1 runs a SameDiff layer's forward graph a second time inside every backward pass and
 * pays a session's bookkeeping for every op, which made ARM cost ~45 ms per training step at batch 16 where its ops
 * take ~8 ms.
 * <p>
 * The system property {@value #SAMEDIFF_PROPERTY}{@code =true} switches every direct layer back to the SameDiff
 * graph (for comparison and debugging).
 */
public abstract class DirectLayer extends QuietSameDiffLayer {

    public static final String SAMEDIFF_PROPERTY = "armfer.layers.samediff";

    protected DirectLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Whether this layer computes directly (true unless {@value #SAMEDIFF_PROPERTY} is set). */
    public static boolean direct() {
        return !Boolean.getBoolean(SAMEDIFF_PROPERTY);
    }

    /** The layer output for {@link #input}, allocated through {@code mgr} as ACTIVATIONS. */
    protected abstract INDArray forward(boolean training, LayerWorkspaceMgr mgr);

    /**
     * dL/dInput (allocated through {@code mgr} as ACTIVATION_GRAD); parameter gradients are written into
     * {@link #gradTable}'s views and listed in {@code gradient}.
     */
    protected abstract INDArray backward(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr);

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!direct()) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        layerConf().validateInput(input);
        return forward(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!direct()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        Gradient g = new DefaultGradient();
        INDArray dLdIn = backward(epsilon, g, workspaceMgr);
        return new Pair<>(g, dLdIn);
    }

    @Override
    public org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer layerConf() {
        return (org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer) super.layerConf();
    }
}
