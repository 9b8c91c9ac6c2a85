package org.armfer.layers.transformer;

import org.armfer.layers.impl.DirectLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime base of the transformer layers. A training forward pass keeps what the backward pass needs (normalised
 * inputs, attention probabilities, pre-activations) in DL4J's activations workspace, which stays open until the
 * backward pass of the same step has run, so nothing is computed twice; an inference pass keeps nothing (its
 * intermediates live in the layer's working memory). A backward pass without a training forward pass before it (not
 * DL4J's order, but possible through the API) recomputes the forward pass first.
 */
abstract class TokenRuntime extends DirectLayer {

    /** Whether the arrays kept by the last forward pass belong to the current input. */
    private boolean kept;

    TokenRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** An array the backward pass will read (activations workspace) when training, else working memory. */
    protected INDArray keep(boolean training, LayerWorkspaceMgr mgr, long... shape) {
        return mgr.createUninitialized(training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, input.dataType(), shape, 'c');
    }

    /** Working memory of the forward pass. */
    protected INDArray work(LayerWorkspaceMgr mgr, long... shape) {
        return mgr.createUninitialized(ArrayType.FF_WORKING_MEM, input.dataType(), shape, 'c');
    }

    /** Working memory of the backward pass. */
    protected INDArray bpWork(LayerWorkspaceMgr mgr, long... shape) {
        return mgr.createUninitialized(ArrayType.BP_WORKING_MEM, input.dataType(), shape, 'c');
    }

    /** The forward pass; when {@code training}, keeps (in fields) what {@link #backpropagate} needs. */
    protected abstract INDArray compute(boolean training, LayerWorkspaceMgr mgr);

    /** The backward pass, reading what the last training {@link #compute} kept. */
    protected abstract INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr);

    /** Drops the references to the kept arrays. */
    protected abstract void release();

    @Override
    protected final INDArray forward(boolean training, LayerWorkspaceMgr mgr) {
        INDArray out = compute(training, mgr);
        kept = training;
        if (!training) {
            release();
        }
        return out;
    }

    @Override
    protected final INDArray backward(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
        if (!kept) {
            compute(true, mgr);
        }
        try {
            INDArray dx = backpropagate(epsilon, gradient, mgr);
            // every parameter's gradient view, listed in the order the parameters are defined
            for (String p : layerConf().getLayerParams().getParameterKeys()) {
                gradient.gradientForVariable().put(p, gradTable.get(p));
            }
            return dx;
        } finally {
            kept = false;
            release();
        }
    }

    /** The view of the network's gradient array for a parameter (the backward pass writes every one of them). */
    protected INDArray grad(String param) {
        return gradTable.get(param);
    }

    /** {@code a} as a c-order contiguous 2-D {@code [rows, cols]} array (a view when it already is one). */
    static INDArray rows(INDArray a, long rows, long cols) {
        return a.reshape('c', rows, cols);
    }
}
