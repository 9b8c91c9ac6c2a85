package org.armfer.zoo;

import org.armfer.fast.FastActivationLayer;
import org.armfer.fast.FastBatchNormalization;
import org.armfer.fast.FastConvolutionLayer;
import org.armfer.fast.FastElementWiseVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.nd4j.linalg.activations.Activation;

/**
 * torchvision's residual blocks, built from {@code org.armfer.fast} layers with torchvision's module names so that weight
 * import is a lookup. {@code N} is the block's name ({@code layer2.0}):
 * <ul>
 *   <li>{@link #BASIC} (expansion 1): {@code N.conv1} 3x3/s, {@code N.bn1}, {@code N.relu1}, {@code N.conv2} 3x3,
 *       {@code N.bn2}, [{@code N.downsample.0} 1x1/s, {@code N.downsample.1}], {@code N.add}, {@code N.relu2};</li>
 *   <li>{@link #BOTTLENECK} (expansion 4; the stride on the 3x3 as torchvision, "ResNet v1.5"): {@code N.conv1} 1x1,
 *       {@code N.bn1}, {@code N.relu1}, {@code N.conv2} 3x3/s, {@code N.bn2}, {@code N.relu2}, {@code N.conv3} 1x1 to
 *       4·width, {@code N.bn3}, [{@code N.downsample.0}, {@code N.downsample.1}], {@code N.add}, {@code N.relu3}.</li>
 * </ul>
 * The last ReLU is the block's output. A downsample is added where the stride is not 1 or the channels change.
 */
public enum ResNetBlock {

    /** Two 3x3 convolutions (torchvision's BasicBlock). */
    BASIC(1) {
        @Override
        String add(ComputationGraphConfiguration.GraphBuilder g, String name, String input, int in, int width, int stride,
                   CNN2DFormat f) {
            conv(g, name + ".conv1", 3, stride, 1, width, input, f, true);
            bn(g, name + ".bn1", name + ".conv1", f);
            relu(g, name + ".relu1", name + ".bn1");
            conv(g, name + ".conv2", 3, 1, 1, width, name + ".relu1", f, true);
            bn(g, name + ".bn2", name + ".conv2", f);
            return residual(g, name, input, name + ".bn2", in, width, stride, f, name + ".relu2");
        }
    },
    /** 1x1, 3x3 (strided), 1x1 to four times the width (torchvision's Bottleneck). */
    BOTTLENECK(4) {
        @Override
        String add(ComputationGraphConfiguration.GraphBuilder g, String name, String input, int in, int width, int stride,
                   CNN2DFormat f) {
            conv(g, name + ".conv1", 1, 1, 0, width, input, f, true);
            bn(g, name + ".bn1", name + ".conv1", f);
            relu(g, name + ".relu1", name + ".bn1");
            conv(g, name + ".conv2", 3, stride, 1, width, name + ".relu1", f, true);
            bn(g, name + ".bn2", name + ".conv2", f);
            relu(g, name + ".relu2", name + ".bn2");
            conv(g, name + ".conv3", 1, 1, 0, width * 4, name + ".relu2", f, true);
            bn(g, name + ".bn3", name + ".conv3", f);
            return residual(g, name, input, name + ".bn3", in, width * 4, stride, f, name + ".relu3");
        }
    };

    private final int expansion;

    ResNetBlock(int expansion) {
        this.expansion = expansion;
    }

    /** Output channels over the block's width: 1 (BasicBlock) or 4 (Bottleneck). */
    public int expansion() {
        return expansion;
    }

    /**
     * Adds the block {@code name} after {@code input} ({@code in} channels) with inner width {@code width} and stride
     * {@code stride} in data format {@code f}; returns its output vertex.
     */
    abstract String add(ComputationGraphConfiguration.GraphBuilder g, String name, String input, int in, int width, int stride,
                        CNN2DFormat f);

    /** The shortcut (identity, or 1x1/s convolution + BN), the addition and the final ReLU {@code out}. */
    private static String residual(ComputationGraphConfiguration.GraphBuilder g, String name, String input, String branch,
                                   int in, int out, int stride, CNN2DFormat f, String relu) {
        String shortcut = input;
        if (stride != 1 || in != out) {
            conv(g, name + ".downsample.0", 1, stride, 0, out, input, f, true);
            bn(g, name + ".downsample.1", name + ".downsample.0", f);
            shortcut = name + ".downsample.1";
        }
        g.addVertex(name + ".add", new FastElementWiseVertex(ElementWiseVertex.Op.Add), branch, shortcut);
        relu(g, relu, name + ".add");
        return relu;
    }

    /** A torch-style convolution without bias (a BatchNorm follows), from the fast layers. */
    static void conv(ComputationGraphConfiguration.GraphBuilder g, String name, int k, int s, int p, int nOut, String in,
                     CNN2DFormat f, boolean inputGradient) {
        g.addLayer(name, new FastConvolutionLayer.Builder(k, k).inputGradient(inputGradient).stride(s, s).padding(p, p)
                .nOut(nOut).dataFormat(f).activation(Activation.IDENTITY).hasBias(false).build(), in);
    }

    /** PyTorch's BatchNorm2d: eps 1e-5, momentum 0.1 (DL4J decay 0.9), the variance stored as is. */
    static void bn(ComputationGraphConfiguration.GraphBuilder g, String name, String in, CNN2DFormat f) {
        g.addLayer(name, new FastBatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(false).dataFormat(f)
                .build(), in);
    }

    /** Every ReLU of the trunk follows a batch norm or a residual addition whose output only it reads: in place. */
    static void relu(ComputationGraphConfiguration.GraphBuilder g, String name, String in) {
        g.addLayer(name, new FastActivationLayer(Activation.RELU).inPlace(true), in);
    }

    /** Output side of a torch-style convolution or pooling: floor((in + 2p - k) / s) + 1. */
    static long convOut(long in, int k, int s, int p) {
        return Math.floorDiv(in + 2L * p - k, s) + 1;
    }
}
