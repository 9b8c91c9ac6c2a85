package org.armfer.fast.onednn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.bytedeco.dnnl.global.dnnl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * One operation of a graph as {@link Plan} compiles it. Values are logical tensors: 4-D ones are always
 * {@code [N, C, H, W]} whatever layout DL4J (and later oneDNN) keeps them in, 2-D ones {@code [N, F]}. {@link #format}
 * records how DL4J holds a 4-D value (NCHW or NHWC), which matters where the graph's input and output arrays are read
 * and written and where a flatten orders its features. Nodes are copied per compiled input shape
 * ({@link #copy()}), and the fusion passes replace arrays rather than change them, so the imported graph stays intact.
 */
abstract class Node implements Cloneable {

    /** The DL4J vertex this node computes (or was folded into). */
    final String name;
    List<Node> inputs;
    /** DL4J's layout of this 4-D value; null for 2-D values. */
    CNN2DFormat format;

    Node(String name, List<Node> inputs, CNN2DFormat format) {
        this.name = name;
        this.inputs = new ArrayList<>(inputs);
        this.format = format;
    }

    Node input(int i) {
        return inputs.get(i);
    }

    /** The logical output shape for the inputs' logical shapes. */
    abstract long[] shape(List<long[]> in) throws Unsupported;

    /** A shallow copy (arrays shared, input list copied); {@link Net#copy()} rewires the inputs. */
    Node copy() {
        try {
            Node n = (Node) super.clone();
            n.inputs = new ArrayList<>(inputs);
            return n;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** A short description for log lines. */
    String describe() {
        return getClass().getSimpleName() + " " + name;
    }

    @Override
    public String toString() {
        return describe();
    }

    static long[] shape4(long[] s, String what) throws Unsupported {
        if (s.length != 4) {
            throw new Unsupported(what + " needs a 4-D input, got shape " + Arrays.toString(s));
        }
        return s;
    }

    /** The network's input. */
    static final class Input extends Node {
        final String vertex;
        /** rank of the input array (2 or 4); 0 until the first consumer tells. */
        int rank;

        Input(String name) {
            super(name, List.of(), null);
            this.vertex = name;
        }

        @Override
        long[] shape(List<long[]> in) {
            throw new IllegalStateException("the input's shape is given");
        }
    }

    /**
     * A 2-D convolution with bias and post-ops; {@code groups > 1} is a grouped convolution. Weights are
     * {@code [O, I/groups, kH, kW]} in c-order; with {@link #sharedKernel} they are one {@code [kH, kW]} kernel that
     * every group uses (DeAlbino), expanded once the channel count is known.
     */
    static final class Conv extends Node {
        float[] weights;
        float[] bias;
        long outChannels;     // 0: one per input channel (shared-kernel depthwise)
        long inChannels;      // of the weights; 0 for the shared kernel
        int groups = 1;
        boolean sharedKernel;
        int[] kernel;
        int[] stride;
        int[] dilation = {1, 1};
        int[] padding = {0, 0};
        boolean samePadding;
        List<PostOp> post = new ArrayList<>();
        /** Whether {@code inputs.get(1)} is the residual the first sum post-op adds. */
        boolean residual;

        Conv(String name, Node in, CNN2DFormat format) {
            super(name, List.of(in), format);
        }

        @Override
        Node copy() {
            Conv c = (Conv) super.copy();
            c.post = new ArrayList<>(post);
            return c;
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = shape4(in.get(0), "convolution " + name);
            long c = s[1];
            if (sharedKernel) {
                return new long[]{s[0], c, out(s[2], 0), out(s[3], 1)};
            }
            if (c != inChannels * groups) {
                throw new Unsupported("convolution " + name + " expects " + inChannels * groups + " input channels, got "
                        + c);
            }
            return new long[]{s[0], outChannels, out(s[2], 0), out(s[3], 1)};
        }

        long effectiveKernel(int axis) {
            return (long) (kernel[axis] - 1) * dilation[axis] + 1;
        }

        long out(long in, int axis) {
            if (samePadding) {
                return (in + stride[axis] - 1) / stride[axis];
            }
            return Math.floorDiv(in + 2L * padding[axis] - effectiveKernel(axis), stride[axis]) + 1;
        }

        /** oneDNN's left and right padding for an input side. */
        long[] pads(long in, int axis) {
            long out = out(in, axis);
            long total = (out - 1) * stride[axis] + effectiveKernel(axis) - in;
            long left = samePadding ? Math.max(0, total) / 2 : padding[axis];
            return new long[]{left, total - left};
        }

        @Override
        String describe() {
            return "conv " + name + (groups > 1 ? " groups " + groups : "") + (post.isEmpty() ? "" : " " + post);
        }
    }

    /** Max or average pooling over windows, or over the whole map ({@link #global}). */
    static final class Pool extends Node {
        boolean max;
        boolean global;
        /** global pooling: the output is {@code [N, C]} (DL4J's collapseDimensions). */
        boolean collapse;
        boolean includePadding;
        int[] kernel;
        int[] stride;
        int[] padding = {0, 0};
        boolean samePadding;

        Pool(String name, Node in, CNN2DFormat format) {
            super(name, List.of(in), format);
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = shape4(in.get(0), "pooling " + name);
            if (global) {
                return collapse ? new long[]{s[0], s[1]} : new long[]{s[0], s[1], 1, 1};
            }
            return new long[]{s[0], s[1], out(s[2], 0), out(s[3], 1)};
        }

        long out(long in, int axis) {
            if (samePadding) {
                return (in + stride[axis] - 1) / stride[axis];
            }
            return Math.floorDiv(in + 2L * padding[axis] - kernel[axis], stride[axis]) + 1;
        }

        long[] pads(long in, int axis) {
            long out = out(in, axis);
            long total = (out - 1) * stride[axis] + kernel[axis] - in;
            long left = samePadding ? Math.max(0, total) / 2 : padding[axis];
            return new long[]{left, total - left};
        }
    }

    /**
     * A fully connected layer: {@code [N, F] -> [N, O]}, or over a 4-D input {@code [N, C, H, W]} as one inner product
     * with weights {@code [O, C, H, W]}. Weights are {@code [O, F]} in c-order, F in the input's logical (NCHW) order.
     */
    static final class Dense extends Node {
        float[] weights;
        float[] bias;
        long outFeatures;
        List<PostOp> post = new ArrayList<>();

        Dense(String name, Node in) {
            super(name, List.of(in), null);
        }

        @Override
        Node copy() {
            Dense d = (Dense) super.copy();
            d.post = new ArrayList<>(post);
            return d;
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = in.get(0);
            long features = 1;
            for (int i = 1; i < s.length; i++) {
                features *= s[i];
            }
            if (features * outFeatures != weights.length) {
                throw new Unsupported("dense layer " + name + " has " + weights.length / outFeatures
                        + " inputs, its input has " + features + " features (" + Arrays.toString(s) + ")");
            }
            return new long[]{s[0], outFeatures};
        }

        @Override
        String describe() {
            return "dense " + name + (post.isEmpty() ? "" : " " + post);
        }
    }

    /** Softmax over the features of a 2-D value. */
    static final class Softmax extends Node {
        Softmax(String name, Node in) {
            super(name, List.of(in), null);
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            if (in.get(0).length != 2) {
                throw new Unsupported("softmax " + name + " on a " + in.get(0).length + "-D value");
            }
            return in.get(0).clone();
        }
    }

    /** An element-wise function on its own. */
    static final class Eltwise extends Node {
        final PostOp op;

        Eltwise(String name, Node in, PostOp op) {
            super(name, List.of(in), in.format);
            this.op = op;
        }

        @Override
        long[] shape(List<long[]> in) {
            return in.get(0).clone();
        }
    }

    /**
     * An element-wise operation of two values of the same shape, or of a value and a constant
     * ({@link #constant}, broadcast over the batch), with post-ops.
     */
    static final class Binary extends Node {
        final dnnl.algorithm algorithm;
        float[] constant;
        long[] constantShape;
        List<PostOp> post = new ArrayList<>();

        Binary(String name, List<Node> in, dnnl.algorithm algorithm, CNN2DFormat format) {
            super(name, in, format);
            this.algorithm = algorithm;
        }

        @Override
        Node copy() {
            Binary b = (Binary) super.copy();
            b.post = new ArrayList<>(post);
            return b;
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            if (constant == null && !Arrays.equals(in.get(0), in.get(1))) {
                throw new Unsupported("element-wise " + name + " on shapes " + Arrays.toString(in.get(0)) + " and "
                        + Arrays.toString(in.get(1)) + " (broadcasting is not compiled)");
            }
            return in.get(0).clone();
        }
    }

    /**
     * Depth to space with PyTorch's PixelShuffle order (armfer's FeatureArrangement):
     * {@code out[n, c, h·r + i, w·r + j] = in[n, c·r² + i·r + j, h, w]}.
     */
    static final class DepthToSpace extends Node {
        /** channels -> block size r (may reject the channel count). */
        final LongUnaryOperator blockSize;
        int r;

        DepthToSpace(String name, Node in, LongUnaryOperator blockSize) {
            super(name, List.of(in), CNN2DFormat.NCHW);
            this.blockSize = blockSize;
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = shape4(in.get(0), "depth to space " + name);
            try {
                r = (int) blockSize.applyAsLong(s[1]);
            } catch (IllegalArgumentException e) {
                throw new Unsupported(e.getMessage());
            }
            return new long[]{s[0], s[1] / ((long) r * r), s[2] * r, s[3] * r};
        }
    }

    /** {@code x·scale[c] + shift[c]} per channel: a batch normalisation at inference. */
    static final class ScaleShift extends Node {
        float[] scale;
        float[] shift;

        ScaleShift(String name, Node in, float[] scale, float[] shift) {
            super(name, List.of(in), in.format);
            this.scale = scale;
            this.shift = shift;
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = in.get(0);
            if (s.length < 2 || s[1] != scale.length) {
                throw new Unsupported("batch normalization " + name + " has " + scale.length + " channels, its input "
                        + Arrays.toString(s));
            }
            return s.clone();
        }
    }

    /** The mean over the channels, keeping the dimension: {@code [N, C, H, W] -> [N, 1, H, W]}. */
    static final class ChannelMean extends Node {
        ChannelMean(String name, Node in) {
            super(name, List.of(in), CNN2DFormat.NCHW);
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = shape4(in.get(0), "channel mean " + name);
            return new long[]{s[0], 1, s[2], s[3]};
        }
    }

    /** The same tensor in another DL4J layout (NCHW <-> NHWC): an alias in the compiled plan, no step of its own. */
    static final class Relayout extends Node {
        Relayout(String name, Node in, CNN2DFormat to) {
            super(name, List.of(in), to);
        }

        @Override
        long[] shape(List<long[]> in) {
            return in.get(0).clone();
        }
    }

    /** The features of a 4-D value in DL4J's flatten order (CnnToFeedForwardPreProcessor): {@code [N, C·H·W]}. */
    static final class Flatten extends Node {
        final CNN2DFormat order;

        Flatten(String name, Node in, CNN2DFormat order) {
            super(name, List.of(in), null);
            this.order = order;
        }

        @Override
        long[] shape(List<long[]> in) throws Unsupported {
            long[] s = shape4(in.get(0), "flatten " + name);
            return new long[]{s[0], s[1] * s[2] * s[3]};
        }
    }
}
