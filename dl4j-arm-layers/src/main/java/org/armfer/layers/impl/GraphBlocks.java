package org.armfer.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.nd4j.linalg.activations.IActivation;

/**
 * The standard DL4J layers that armfer's composite blocks (attention, fusion, resizer) are made of, configured the
 * way PyTorch's modules are, so that weights can be moved between the two by name.
 */
public final class GraphBlocks {

    private GraphBlocks() {
    }

    /**
     * A k x k convolution, stride 1, 'same' zero padding k/2 on every side (PyTorch {@code padding=k//2}; k must be
     * odd for the output to keep the input size), weights {@code [nOut, nIn, k, k]} as PyTorch's.
     * Weight initialisation and updater come from the graph's global configuration.
     */
    public static ConvolutionLayer sameConv(int k, long nIn, long nOut, boolean bias, IActivation activation) {
        return conv(k, 1, nIn, nOut, bias, activation);
    }

    /**
     * A k x k convolution, stride s, zero padding k/2 on every side (PyTorch {@code Conv2d(k, stride=s, padding=k//2)}),
     * weights {@code [nOut, nIn, k, k]} as PyTorch's.
     */
    public static ConvolutionLayer conv(int k, int s, long nIn, long nOut, boolean bias, IActivation activation) {
        return new ConvolutionLayer.Builder(k, k).stride(s, s).padding(k / 2, k / 2)
                .convolutionMode(ConvolutionMode.Truncate)
                .nIn(nIn).nOut(nOut).hasBias(bias).activation(activation).build();
    }

    /**
     * A depthwise k x k convolution (one filter per channel: PyTorch {@code Conv2d(c, c, k, stride=s, padding=k//2,
     * groups=c)}), NCHW. DL4J keeps its weights as {@code [k, k, c, 1]}, PyTorch as {@code [c, 1, k, k]}.
     */
    public static DepthwiseConvolution2D depthwiseConv(int k, int s, long channels, boolean bias, IActivation activation) {
        return new DepthwiseConvolution2D.Builder(k, k).stride(s, s).padding(k / 2, k / 2).depthMultiplier(1)
                .convolutionMode(ConvolutionMode.Truncate).dataFormat(CNN2DFormat.NCHW)
                .nIn(channels).nOut(channels).hasBias(bias).activation(activation).build();
    }

    /**
     * BatchNorm over the channels of a feature map, storing the running variance itself (not DL4J's default log10 of
     * the standard deviation) like PyTorch, so imported statistics are used unchanged. PyTorch's momentum m is DL4J's
     * decay 1 - m (PyTorch defaults: decay 0.9, eps 1e-5).
     */
    public static BatchNormalization batchNorm(double decay, double eps) {
        return new BatchNormalization.Builder().decay(decay).eps(eps).useLogStd(false).build();
    }

    /** A parameter-free activation layer. */
    public static ActivationLayer activation(IActivation activation) {
        return new ActivationLayer.Builder().activation(activation).build();
    }

    /** Checks a BatchNorm decay: 0 <= decay < 1. */
    public static double checkDecay(String who, double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException(who + ": bnDecay must be in [0, 1) (DL4J decay = 1 - PyTorch momentum), got " + decay);
        }
        return decay;
    }

    /** Checks a BatchNorm epsilon: finite and > 0. */
    public static double checkEps(String who, double eps) {
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException(who + ": bnEps must be a finite number > 0, got " + eps);
        }
        return eps;
    }

    /** Checks a count or size >= 1, e.g. a stride or a number of channels. */
    public static int checkPositive(String who, String parameter, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(who + ": " + parameter + " must be >= 1, got " + value);
        }
        return value;
    }

    /** Checks an odd kernel size >= 1 (a 'same' convolution of an even kernel would shift the map). */
    public static int checkOddKernel(String who, String parameter, int k) {
        if (k < 1 || k % 2 == 0) {
            throw new IllegalArgumentException(who + ": " + parameter + " must be an odd number >= 1 (a 'same' convolution"
                    + " keeps the map size only for odd kernels), got " + k);
        }
        return k;
    }
}
