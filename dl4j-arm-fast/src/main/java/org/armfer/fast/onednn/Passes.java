package org.armfer.fast.onednn;

import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rewrites that turn a graph's layers into fewer, fused oneDNN primitives, applied to a copy of the {@link Net}
 * once its shapes are known (per compiled input shape):
 * <ol>
 *   <li>layout conversions (NCHW/NHWC) disappear: the compiled plan keeps every value in the layout oneDNN chose;</li>
 *   <li>a shared kernel (DeAlbino) becomes a depthwise convolution, one copy of the kernel per channel;</li>
 *   <li>a batch norm after a convolution folds into its weights and bias; one on its own becomes a depthwise 1x1
 *       convolution;</li>
 *   <li>an element-wise function (ReLU ...) after a convolution, dense layer or element-wise operation becomes its
 *       post-op; an addition of a convolution's output and another value becomes the convolution's sum post-op
 *       (then the function after the addition too);</li>
 *   <li>what is linear in front of a dense layer folds into its weights and bias: a flatten (the weights take the
 *       4-D input's layout), a constant addition (SharingAffinity's λ·GAR: into the bias) and a channel mean
 *       (SharingAffinity's mean: the weights repeated over the channels, divided by their number); a channel mean on
 *       its own becomes a 1x1 convolution to one channel.</li>
 * </ol>
 * Each fold is the same arithmetic in another order, so outputs agree with DL4J's up to float rounding. A value that
 * is read elsewhere too, or is the network's output, is never folded away.
 */
final class Passes {

    private Passes() {
    }

    /** Rewrites {@code net} (a copy) for the logical input shape {@code input}. */
    static void run(Net net, long[] input) throws Unsupported {
        Map<Node, long[]> shapes = shapes(net, input);
        for (Node n : new ArrayList<>(net.nodes)) {
            if (n instanceof Node.Relayout) {
                net.replace(n, n.input(0));
            }
        }
        for (Node n : net.nodes) {
            if (n instanceof Node.Conv && ((Node.Conv) n).sharedKernel) {
                expandSharedKernel((Node.Conv) n, shapes.get(n.input(0)));
            }
        }
        foldBatchNorms(net);
        fuseEltwise(net);
        fuseResidualAdds(net);
        sort(net);
        fuseEltwise(net);
        foldIntoDense(net, input);
        lowerChannelMeans(net, shapes(net, input));
        removeDead(net);
        sort(net);
    }

    /** The logical shape of every node of {@code net} for the logical input shape {@code input}. */
    static Map<Node, long[]> shapes(Net net, long[] input) throws Unsupported {
        Map<Node, long[]> shapes = new IdentityHashMap<>();
        shapes.put(net.input, input.clone());
        for (Node n : net.nodes) {
            if (n == net.input) {
                continue;
            }
            List<long[]> in = new ArrayList<>();
            for (Node i : n.inputs) {
                long[] s = shapes.get(i);
                if (s == null) {
                    throw new IllegalStateException(n + " reads " + i + " before it is computed");
                }
                in.add(s);
            }
            shapes.put(n, n.shape(in));
        }
        return shapes;
    }

    private static void expandSharedKernel(Node.Conv c, long[] in) {
        int channels = (int) in[1];
        float[] w = new float[c.weights.length * channels];
        for (int i = 0; i < channels; i++) {
            System.arraycopy(c.weights, 0, w, i * c.weights.length, c.weights.length);
        }
        c.weights = w;
        c.groups = channels;
        c.inChannels = 1;
        c.outChannels = channels;
        c.sharedKernel = false;
    }

    private static void foldBatchNorms(Net net) throws Unsupported {
        for (Node n : new ArrayList<>(net.nodes)) {
            if (!(n instanceof Node.ScaleShift)) {
                continue;
            }
            Node.ScaleShift ss = (Node.ScaleShift) n;
            Node p = ss.input(0);
            if (p instanceof Node.Conv && ((Node.Conv) p).post.isEmpty() && !((Node.Conv) p).residual
                    && net.onlyFeeds(p, ss)) {
                Node.Conv c = (Node.Conv) p;
                int o = (int) c.outChannels;
                int per = c.weights.length / o;
                float[] w = new float[c.weights.length];
                float[] b = new float[o];
                for (int i = 0; i < o; i++) {
                    double s = ss.scale[i];
                    for (int j = 0; j < per; j++) {
                        w[i * per + j] = (float) (c.weights[i * per + j] * s);
                    }
                    b[i] = (float) ((c.bias == null ? 0.0 : c.bias[i]) * s + ss.shift[i]);
                }
                c.weights = w;
                c.bias = b;
                net.replace(ss, c);
            } else if (ss.format != null) {
                // on its own: a depthwise 1x1 convolution (one weight and one bias per channel)
                Node.Conv c = new Node.Conv(ss.name, p, ss.format);
                c.weights = ss.scale;
                c.bias = ss.shift;
                c.groups = ss.scale.length;
                c.inChannels = 1;
                c.outChannels = ss.scale.length;
                c.kernel = new int[]{1, 1};
                c.stride = new int[]{1, 1};
                net.nodes.add(net.nodes.indexOf(ss), c);
                net.replace(ss, c);
            } else {
                throw new Unsupported("batch normalization " + ss.name + " of a 2-D value");
            }
        }
    }

    private static void fuseEltwise(Net net) {
        for (Node n : new ArrayList<>(net.nodes)) {
            if (!(n instanceof Node.Eltwise)) {
                continue;
            }
            Node p = n.input(0);
            List<PostOp> post = p instanceof Node.Conv ? ((Node.Conv) p).post
                    : p instanceof Node.Dense ? ((Node.Dense) p).post
                    : p instanceof Node.Binary ? ((Node.Binary) p).post : null;
            if (post != null && net.onlyFeeds(p, n)) {
                post.add(((Node.Eltwise) n).op);
                net.replace(n, p);
            }
        }
    }

    private static void fuseResidualAdds(Net net) {
        for (Node n : new ArrayList<>(net.nodes)) {
            if (!(n instanceof Node.Binary)) {
                continue;
            }
            Node.Binary b = (Node.Binary) n;
            if (b.algorithm != dnnl.algorithm.binary_add || b.constant != null || b.inputs.size() != 2
                    || b.input(0) == b.input(1)) {
                continue;
            }
            Node.Conv chosen = null;
            Node other = null;
            for (int i = 0; i < 2; i++) {
                Node c = b.input(i);
                if (c instanceof Node.Conv && !((Node.Conv) c).residual && net.onlyFeeds(c, b)
                        && (chosen == null || net.nodes.indexOf(c) > net.nodes.indexOf(chosen))) {
                    chosen = (Node.Conv) c;
                    other = b.input(1 - i);
                }
            }
            if (chosen == null) {
                continue;
            }
            chosen.post.add(PostOp.sum());
            chosen.post.addAll(b.post);
            chosen.inputs.add(other);
            chosen.residual = true;
            net.replace(b, chosen);
        }
    }

    private static void foldIntoDense(Net net, long[] input) throws Unsupported {
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<Node, long[]> shapes = shapes(net, input);
            for (Node n : new ArrayList<>(net.nodes)) {
                if (!(n instanceof Node.Dense)) {
                    continue;
                }
                Node.Dense d = (Node.Dense) n;
                Node p = d.input(0);
                if (!net.onlyFeeds(p, d)) {
                    continue;
                }
                if (p instanceof Node.Flatten) {
                    long[] s = shapes.get(p.input(0));
                    d.weights = unflatten(d.weights, (int) d.outFeatures, s, ((Node.Flatten) p).order);
                } else if (p instanceof Node.Binary && ((Node.Binary) p).constant != null
                        && ((Node.Binary) p).algorithm == dnnl.algorithm.binary_add && ((Node.Binary) p).post.isEmpty()) {
                    Node.Binary a = (Node.Binary) p;
                    long[] s = shapes.get(a.input(0));
                    if (!broadcastsOverBatch(a.constantShape, s)) {
                        throw new Unsupported("constant of shape " + Arrays.toString(a.constantShape) + " added to "
                                + Arrays.toString(s) + " in " + a.name);
                    }
                    d.bias = biasPlus(d, a.constant);
                } else if (p instanceof Node.ChannelMean) {
                    long[] s = shapes.get(p.input(0));
                    d.weights = repeatOverChannels(d.weights, (int) d.outFeatures, s);
                } else {
                    continue;
                }
                d.inputs.set(0, p.input(0));
                net.nodes.remove(p);
                changed = true;
                break;
            }
        }
    }

    /** Dense weights {@code [O, F]}, F in DL4J's flatten order of {@code [C, H, W]}, as {@code [O, C, H, W]}. */
    static float[] unflatten(float[] w, int o, long[] s, CNN2DFormat order) {
        if (order == CNN2DFormat.NCHW) {
            return w;
        }
        int c = (int) s[1], h = (int) s[2], wd = (int) s[3];
        int f = c * h * wd;
        float[] out = new float[w.length];
        for (int k = 0; k < o; k++) {
            for (int ci = 0; ci < c; ci++) {
                for (int hi = 0; hi < h; hi++) {
                    for (int wi = 0; wi < wd; wi++) {
                        // NHWC flattens as h·W·C + w·C + c
                        out[k * f + (ci * h + hi) * wd + wi] = w[k * f + (hi * wd + wi) * c + ci];
                    }
                }
            }
        }
        return out;
    }

    private static boolean broadcastsOverBatch(long[] constant, long[] value) {
        if (constant.length != value.length || constant[0] != 1) {
            return false;
        }
        for (int i = 1; i < value.length; i++) {
            if (constant[i] != value[i]) {
                return false;
            }
        }
        return true;
    }

    /** The dense layer's bias after its input gained {@code constant}: {@code b + W·constant} (summed in double). */
    private static float[] biasPlus(Node.Dense d, float[] constant) {
        int o = (int) d.outFeatures;
        int f = d.weights.length / o;
        float[] b = new float[o];
        for (int k = 0; k < o; k++) {
            double sum = d.bias == null ? 0.0 : d.bias[k];
            for (int i = 0; i < f; i++) {
                sum += (double) d.weights[k * f + i] * constant[i];
            }
            b[k] = (float) sum;
        }
        return b;
    }

    /** Weights {@code [O, H·W]} over a channel mean of {@code [C, H, W]} as weights {@code [O, C, H, W]} (÷ C). */
    private static float[] repeatOverChannels(float[] w, int o, long[] s) {
        int c = (int) s[1];
        int hw = (int) (s[2] * s[3]);
        float[] out = new float[o * c * hw];
        for (int k = 0; k < o; k++) {
            for (int ci = 0; ci < c; ci++) {
                for (int i = 0; i < hw; i++) {
                    out[(k * c + ci) * hw + i] = (float) ((double) w[k * hw + i] / c);
                }
            }
        }
        return out;
    }

    private static void lowerChannelMeans(Net net, Map<Node, long[]> shapes) {
        for (Node n : new ArrayList<>(net.nodes)) {
            if (!(n instanceof Node.ChannelMean)) {
                continue;
            }
            int c = (int) shapes.get(n.input(0))[1];
            Node.Conv conv = new Node.Conv(n.name, n.input(0), CNN2DFormat.NCHW);
            conv.weights = new float[c];
            Arrays.fill(conv.weights, 1f / c);
            conv.inChannels = c;
            conv.outChannels = 1;
            conv.kernel = new int[]{1, 1};
            conv.stride = new int[]{1, 1};
            net.nodes.add(net.nodes.indexOf(n), conv);
            net.replace(n, conv);
        }
    }

    private static void removeDead(Net net) {
        Set<Node> live = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> stack = new ArrayList<>(List.of(net.output));
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1);
            if (live.add(n)) {
                stack.addAll(n.inputs);
            }
        }
        live.add(net.input);
        net.nodes.removeIf(n -> !live.contains(n));
    }

    /** Stable topological order (a fused convolution now also waits for its residual). */
    private static void sort(Net net) {
        List<Node> done = new ArrayList<>();
        Set<Node> placed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Node> pending = new LinkedHashSet<>(net.nodes);
        while (!pending.isEmpty()) {
            Node next = null;
            for (Node n : pending) {
                if (placed.containsAll(new HashSet<>(n.inputs))) {
                    next = n;
                    break;
                }
            }
            if (next == null) {
                throw new IllegalStateException("cycle in the compiled graph at " + pending);
            }
            pending.remove(next);
            placed.add(next);
            done.add(next);
        }
        net.nodes.clear();
        net.nodes.addAll(done);
    }
}
