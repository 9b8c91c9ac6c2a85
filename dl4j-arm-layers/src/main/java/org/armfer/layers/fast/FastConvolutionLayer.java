package org.armfer.layers.fast;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

import java.util.Collection;

/**
 * DL4J's {@link ConvolutionLayer} whose forward pass goes straight to the oneDNN {@code conv2d} op in the layer's own
 * data format (DL4J M2.1 copies every NHWC input to NCHW first, unused), and whose backward pass, for the usual case of
 * a convolution followed by batch normalisation (identity activation, no dropout, CPU helper present), goes straight
 * to {@code conv2d_bp}. DL4J M2.1 first recomputes the layer's pre-activation output in every backward pass (the
 * whole forward convolution again) only to pass it through the identity's derivative, unless the graph uses
 * {@code CacheMode.DEVICE}, which instead keeps a copy of every convolution's output (memory, and a copy per layer).
 * With this layer neither is needed: armfer's zoo builds its convolutions with it and uses {@code CacheMode.NONE}.
 * Everything else (parameters, initialisation, JSON apart from the class name, other activations and formats) is
 * DL4J's.
 */
public class FastConvolutionLayer extends ConvolutionLayer {

    public FastConvolutionLayer() {
        super();
    }

    /** A copy of {@code conf} (every field, layer name included) with the direct backward pass. */
    public static FastConvolutionLayer of(ConvolutionLayer conf) {
        FastConvolutionLayer f = new FastConvolutionLayer();
        Helpers.copyFields(conf, f, ConvolutionLayer.class);
        return f;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        if (getNIn() <= 0 || getNOut() <= 0) {
            // DL4J's checks and message
            return super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                    networkDataType);
        }
        return Helpers.wire(new Runtime(conf, networkDataType), conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    @Override
    public FastConvolutionLayer clone() {
        return (FastConvolutionLayer) super.clone();
    }

    /** DL4J's convolution builder; {@link #build()} returns a {@link FastConvolutionLayer}. */
    public static class Builder extends ConvolutionLayer.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        public FastConvolutionLayer build() {
            return of(super.build());
        }
    }

    /** The runtime layer: DL4J's, with the direct backward pass. */
    static final class Runtime extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Whether the forward pass goes straight to the helper (with the layer's own data format). */
        boolean directForward() {
            return helper != null && (helperCountFail == 0 || !layerConf().isCudnnAllowFallback());
        }

        /** Whether the backward pass can skip the pre-activation output. */
        boolean direct() {
            ConvolutionLayer c = layerConf();
            return directForward()
                    && c.getActivationFn() instanceof ActivationIdentity
                    && c.getConvolutionMode() != ConvolutionMode.Same
                    && c.getIDropout() == null;
        }

        /**
         * The helper's convolution on the input as it is: DL4J M2.1 first copies an NHWC input into NCHW order (and
         * never uses the copy when a helper runs), and adds a zero bias to a layer without bias.
         */
        @Override
        protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
            if (!directForward()) {
                return super.preOutput(training, forBackprop, mgr);
            }
            assertInputSet(false);
            ConvolutionLayer c = layerConf();
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, mgr);
            INDArray bias = hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, mgr) : null;
            validateInputRank();
            INDArray in = input.castTo(dataType);
            long channels = in.size(c.getCnn2dDataFormat() == CNN2DFormat.NHWC ? 3 : 1);
            if (channels != weights.size(1)) {
                // DL4J's message (it names the layer, the formats and the expected channels)
                return super.preOutput(training, forBackprop, mgr);
            }
            INDArray z = helper.preOutput(in, weights, bias, c.getKernelSize(), c.getStride(), c.getPadding(),
                    c.getCudnnAlgoMode(), c.getCudnnFwdAlgo(), convolutionMode, c.getDilation(),
                    c.getCnn2dDataFormat(), mgr);
            if (z == null) {
                // the helper declined (e.g. double precision)
                return super.preOutput(training, forBackprop, mgr);
            }
            return new Pair<>(z, null);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            if (!direct()) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            assertInputSet(true);
            ConvolutionLayer c = layerConf();
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            INDArray bias = hasBias()
                    ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr) : null;
            INDArray in = input.castTo(dataType);
            INDArray eps = epsilon.castTo(dataType);
            if (!Shape.hasDefaultStridesForShape(eps)) {
                eps = eps.dup('c');
            }
            INDArray biasGradView = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
            INDArray weightGradView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            Pair<Gradient, INDArray> ret = helper.backpropGradient(in, weights, bias, eps,
                    c.getKernelSize(), c.getStride(), c.getPadding(), biasGradView, weightGradView,
                    c.getActivationFn(), c.getCudnnAlgoMode(), c.getCudnnBwdFilterAlgo(), c.getCudnnBwdDataAlgo(),
                    convolutionMode, c.getDilation(), c.getCnn2dDataFormat(), workspaceMgr);
            if (ret == null) {
                // the helper declined (e.g. double precision): DL4J's own path
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            weightNoiseParams.clear();
            return ret;
        }
    }
}
