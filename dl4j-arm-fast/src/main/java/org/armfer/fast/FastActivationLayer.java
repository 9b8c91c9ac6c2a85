package org.armfer.fast;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;

/**
 * DL4J's {@link ActivationLayer} whose plain ReLU ({@code Activation.RELU} without max, threshold or slope) writes its
 * output in one pass and its input gradient in two vectorised ones. DL4J M2.1's layer first copies its input (forward
 * and backward) and then moves the result between workspaces: three passes over the tensor where one does. Every
 * other activation runs DL4J's code unchanged.
 */
public class FastActivationLayer extends ActivationLayer {

    /** Whether the plain ReLU overwrites its input (see {@link #inPlace(boolean)}). */
    private boolean inPlace;

    public FastActivationLayer() {
        super();
    }

    public FastActivationLayer(Activation activation) {
        this(activation.getActivationFunction());
    }

    public FastActivationLayer(IActivation activationFn) {
        super(activationFn);
    }

    /** A copy of {@code conf} (every field, layer name included) with the fast ReLU path. */
    public static FastActivationLayer of(ActivationLayer conf) {
        FastActivationLayer f = new FastActivationLayer();
        Helpers.copyFields(conf, f, ActivationLayer.class);
        return f;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return Helpers.wire(new Runtime(conf, networkDataType), conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    @Override
    public FastActivationLayer clone() {
        return (FastActivationLayer) super.clone();
    }

    /**
     * true: the plain ReLU writes its output over its input (as torchvision's {@code ReLU(inplace=True)}), which
     * saves one activation-sized array per layer in training; the backward pass then reads the output, which has the
     * same sign pattern. Only for a layer whose input array nothing else reads (e.g. straight after a batch
     * normalisation or a residual addition, as in armfer's ResNet): the input vertex's activation shows the ReLU's
     * result afterwards.
     */
    public FastActivationLayer inPlace(boolean inPlace) {
        this.inPlace = inPlace;
        return this;
    }

    public boolean isInPlace() {
        return inPlace;
    }

    public void setInPlace(boolean inPlace) {
        this.inPlace = inPlace;
    }

    /** Whether {@code fn} is ReLU without a maximum, threshold or negative slope. */
    static boolean plainRelu(IActivation fn) {
        if (!(fn instanceof ActivationReLU)) {
            return false;
        }
        ActivationReLU r = (ActivationReLU) fn;
        return (r.getMax() == null || r.getMax() == 0.0)
                && (r.getThreshold() == null || r.getThreshold() == 0.0)
                && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0.0);
    }

    /** The runtime layer: DL4J's, with the direct ReLU passes. */
    static final class Runtime extends org.deeplearning4j.nn.layers.ActivationLayer {

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            if (!plainRelu(layerConf().getActivationFn())) {
                return super.activate(training, mgr);
            }
            assertInputSet(false);
            if (((FastActivationLayer) layerConf()).isInPlace() && inActivationsWorkspace(input, mgr)) {
                Nd4j.exec(new RectifiedLinear(input, input, 0.0));
                return input;
            }
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
            Nd4j.exec(new RectifiedLinear(input, out, 0.0));
            return out;
        }

        /**
         * Whether {@code a} already lives where this layer's output must (training: all activations share one
         * workspace; inference: each layer writes to its own, so the input cannot be returned).
         */
        private static boolean inActivationsWorkspace(INDArray a, LayerWorkspaceMgr mgr) {
            if (mgr.isScopedOut(ArrayType.ACTIVATIONS)) {
                return !a.isAttached();
            }
            String ws = mgr.getWorkspaceName(ArrayType.ACTIVATIONS);
            return a.isAttached() && a.data().getParentWorkspace() != null
                    && a.data().getParentWorkspace().getId().equals(ws)
                    && Nd4j.getWorkspaceManager().checkIfWorkspaceExistsAndActive(ws);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            if (!plainRelu(layerConf().getActivationFn())) {
                return super.backpropGradient(epsilon, mgr);
            }
            assertInputSet(true);
            INDArray eps = epsilon.dataType() == input.dataType() ? epsilon : epsilon.castTo(input.dataType());
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
            // (input > 0 ? 1 : 0) * eps, as DL4J's ActivationReLU computes it, in two vectorised passes: libnd4j's
            // fused relu_bp evaluates a scalar lambda per element and takes three times as long
            Nd4j.exec(new Step(input, dx, 0.0));
            Nd4j.exec(new MulOp(dx, eps, dx));
            return new Pair<>(new DefaultGradient(), dx);
        }
    }
}
