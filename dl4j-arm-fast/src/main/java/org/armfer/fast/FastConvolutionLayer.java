package org.armfer.fast;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collection;

/**
 * DL4J's {@link ConvolutionLayer} whose forward pass goes straight to the oneDNN {@code conv2d} op in the layer's own
 * data format (DL4J M2.1 copies every NHWC input to NCHW first, unused), and whose backward pass, for the usual case of
 * a convolution followed by batch normalisation (identity activation, no dropout, CPU helper present), goes straight
 * to {@code conv2d_bp}. DL4J M2.1 first recomputes the layer's pre-activation output in every backward pass (the
 * whole forward convolution again) only to pass it through the identity's derivative, unless the graph uses
 * {@code CacheMode.DEVICE}, which instead keeps a copy of every convolution's output (memory, and a copy per layer).
 * With this layer neither is needed: armfer's zoo builds its convolutions with it and uses {@code CacheMode.NONE}.
 * <p>
 * A layer that reads the network's input can skip the gradient with respect to that input
 * ({@link #inputGradient(boolean) inputGradient(false)}, as PyTorch does for an input that does not require grad): its
 * backward pass then computes the weight gradient alone (oneDNN's {@code deconv2d_bp}, whose weight gradient is the
 * convolution's), about half of {@code conv2d_bp}'s time for a 7x7 stem over 3 channels.
 * <p>
 * Everything else (parameters, initialisation, JSON apart from the class name, other activations and formats) is
 * DL4J's.
 */
public class FastConvolutionLayer extends ConvolutionLayer {

    /** Whether the backward pass computes the gradient with respect to the layer's input (see {@link #inputGradient}). */
    private boolean inputGradient = true;

    public FastConvolutionLayer() {
        super();
    }

    /**
     * false: the backward pass computes only the parameters' gradients and returns no gradient for the layer's input
     * (DL4J then passes none on). Only for a layer whose input is the network's input, directly or through
     * preprocessor vertices (e.g. a ResNet stem): a layer or vertex in front of it would receive no gradient. Keep the
     * default (true) where code reads the gradient with respect to the image (saliency maps or adversarial examples
     * computed through the layers' {@code backpropGradient}). Applies where the direct backward pass does (identity
     * activation, no dropout, CPU helper) and without dilation.
     */
    public FastConvolutionLayer inputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
        return this;
    }

    public boolean isInputGradient() {
        return inputGradient;
    }

    public void setInputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
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
        private boolean inputGradient = true;

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        /** See {@link FastConvolutionLayer#inputGradient(boolean)}. */
        public Builder inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return this;
        }

        @Override
        public FastConvolutionLayer build() {
            return of(super.build()).inputGradient(inputGradient);
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

        /** Whether the backward pass computes the weight gradient alone (see {@link #inputGradient(boolean)}). */
        boolean weightsOnly() {
            ConvolutionLayer c = layerConf();
            return c instanceof FastConvolutionLayer && !((FastConvolutionLayer) c).isInputGradient() && direct()
                    && c.getDilation()[0] == 1 && c.getDilation()[1] == 1;
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
            if (weightsOnly()) {
                return weightGradientOnly(in, weights, eps, workspaceMgr);
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

        /**
         * The parameters' gradients without the input gradient. The weight gradient of a convolution of x by W is the
         * weight gradient of the transposed convolution ({@code deconv2d_bp}) that maps its output gradient back to
         * x's shape, with the roles of input and output gradient swapped; oneDNN computes it with the same kernel
         * as {@code conv2d_bp}'s weight gradient. That op's other output (a forward convolution of x) is far cheaper
         * than the input gradient it replaces. The transposed convolution takes no padding here: x is padded by hand
         * to exactly the rows and columns the convolution reads.
         */
        private Pair<Gradient, INDArray> weightGradientOnly(INDArray in, INDArray weights, INDArray eps,
                                                            LayerWorkspaceMgr mgr) {
            ConvolutionLayer c = layerConf();
            boolean nhwc = c.getCnn2dDataFormat() == CNN2DFormat.NHWC;
            int[] k = c.getKernelSize();
            int[] s = c.getStride();
            int[] p = c.getPadding();
            int hAxis = nhwc ? 1 : 2;
            int wAxis = hAxis + 1;
            // the rows and columns the convolution reads, padding included
            long readH = (long) s[0] * (eps.size(hAxis) - 1) + k[0];
            long readW = (long) s[1] * (eps.size(wAxis) - 1) + k[1];
            INDArray xp = in;
            if (p[0] != 0 || p[1] != 0 || readH != in.size(hAxis) || readW != in.size(wAxis)
                    || !Shape.hasDefaultStridesForShape(in)) {
                long[] shape = in.shape().clone();
                shape[hAxis] = readH;
                shape[wAxis] = readW;
                xp = mgr.create(ArrayType.BP_WORKING_MEM, dataType, shape, 'c');
                long h = Math.min(in.size(hAxis), readH - p[0]);
                long w = Math.min(in.size(wAxis), readW - p[1]);
                INDArrayIndex[] dst = new INDArrayIndex[4];
                INDArrayIndex[] src = new INDArrayIndex[4];
                for (int d = 0; d < 4; d++) {
                    dst[d] = NDArrayIndex.all();
                    src[d] = NDArrayIndex.all();
                }
                dst[hAxis] = NDArrayIndex.interval(p[0], p[0] + h);
                dst[wAxis] = NDArrayIndex.interval(p[1], p[1] + w);
                src[hAxis] = NDArrayIndex.interval(0, h);
                src[wAxis] = NDArrayIndex.interval(0, w);
                xp.get(dst).assign(in.get(src));
            }
            INDArray unused = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, eps.shape(), 'c');
            INDArray weightGradView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            Nd4j.exec(DynamicCustomOp.builder("deconv2d_bp")
                    .addInputs(eps, weights, xp)
                    .addOutputs(unused, weightGradView)
                    // kernel, stride, no padding, no dilation, VALID, data format, weights [oC, iC, kH, kW]
                    .addIntegerArguments(k[0], k[1], s[0], s[1], 0, 0, 1, 1, 0, nhwc ? 1 : 0, 1)
                    .build());
            Gradient g = new DefaultGradient();
            if (hasBias()) {
                INDArray biasGradView = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
                int[] dims = nhwc ? new int[] {0, 1, 2} : new int[] {0, 2, 3};
                biasGradView.assign(eps.sum(dims).reshape(biasGradView.shape()));
                g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
            }
            g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
            weightNoiseParams.clear();
            return new Pair<>(g, null);
        }
    }
}
