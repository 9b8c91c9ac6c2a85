package org.armfer.fast.onednn;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph compiled for one input shape: oneDNN primitives created once, weights reordered once into the layouts the
 * primitives chose, every activation kept in the layout its producer wrote (a reorder only where a consumer wants
 * another), activation buffers reused once their last reader ran, and one scratchpad shared by all primitives. A
 * call binds the input and output arrays and runs the primitives in order on the calling thread.
 */
final class Plan implements AutoCloseable {

    final long[] inputShape;
    final long[] outputShape;
    private final Dnnl d;
    private final boolean winograd;
    private final List<primitive> primitives = new ArrayList<>();
    private final List<IntMemoryMap> arguments = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private final List<Pointer> owned = new ArrayList<>();
    private memory input;
    private memory output;

    // build state
    private Map<Node, long[]> shapes;
    private final Map<Node, Val> values = new IdentityHashMap<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Val> temporaries = new ArrayList<>();
    private final List<Object[]> scratchUsers = new ArrayList<>();
    private long scratchBytes;
    private int reorders;

    /** A buffer that values share over time; free once no live value uses it. */
    private static final class Buffer {
        final memory owner;
        final Pointer handle;
        final long bytes;
        int refs;

        Buffer(memory owner, long bytes) {
            this.owner = owner;
            this.handle = owner.get_data_handle();
            this.bytes = bytes;
        }
    }

    /** A value: its layout and memory; buffer null for the bound input, constants and library-owned memory. */
    private static final class Val {
        final memory.desc md;
        final memory mem;
        final Buffer buf;

        Val(memory.desc md, memory mem, Buffer buf) {
            this.md = md;
            this.mem = mem;
            this.buf = buf;
        }
    }

    private Plan(Dnnl d, long[] inputShape, long[] outputShape, boolean winograd) {
        this.d = d;
        this.inputShape = inputShape.clone();
        this.outputShape = outputShape.clone();
        this.winograd = winograd;
    }

    /**
     * Compiles {@code imported} (not changed) for input arrays of shape {@code userShape}; {@code winograd}: oneDNN's
     * Winograd kernels for the 3x3 stride-1 convolutions where it has them.
     */
    static Plan build(Net imported, long[] userShape, boolean winograd) throws Unsupported {
        Dnnl d = Dnnl.get();
        Net net = imported.copy();
        long[] logical = logical(userShape, net.input.format);
        Passes.run(net, logical);
        Map<Node, long[]> shapes = Passes.shapes(net, logical);
        long[] out = shapes.get(net.output);
        long[] userOut = net.outputFormat == CNN2DFormat.NHWC ? new long[]{out[0], out[2], out[3], out[1]} : out;
        Plan p = new Plan(d, userShape, userOut, winograd);
        try {
            p.shapes = shapes;
            p.compile(net, logical);
            return p;
        } catch (Unsupported e) {
            p.close();
            throw e;
        } catch (RuntimeException e) {
            p.close();
            throw new Unsupported("oneDNN rejected a primitive: " + e.getMessage());
        } finally {
            p.shapes = null;
            p.values.clear();
            p.temporaries.clear();
            p.scratchUsers.clear();
        }
    }

    /** The logical (NCHW) shape of an input array held in {@code format}. */
    private static long[] logical(long[] user, CNN2DFormat format) {
        if (user.length == 4 && format == CNN2DFormat.NHWC) {
            return new long[]{user[0], user[3], user[1], user[2]};
        }
        return user.clone();
    }

    private void compile(Net net, long[] logical) throws Unsupported {
        List<Node> order = net.nodes;
        Map<Node, Integer> last = new IdentityHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            for (Node in : order.get(i).inputs) {
                last.put(in, i);
            }
        }
        last.put(net.output, Integer.MAX_VALUE);
        if (logical.length != 2 && logical.length != 4) {
            throw new Unsupported("inputs of rank " + logical.length);
        }
        memory.desc inMd = Dnnl.plain(logical, net.input.format == CNN2DFormat.NHWC);
        input = own(new memory(inMd, d.engine, (Pointer) null));
        values.put(net.input, new Val(inMd, input, null));
        for (int i = 0; i < order.size(); i++) {
            Node n = order.get(i);
            if (n == net.input) {
                continue;
            }
            values.put(n, node(n, i, last));
            Set<Node> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(n.inputs);
            for (Node in : distinct) {
                if (last.get(in) == i) {
                    release(values.get(in));
                }
            }
            temporaries.forEach(this::release);
            temporaries.clear();
        }
        Val out = values.get(net.output);
        long[] od = Dnnl.dims(out.md);
        memory.desc outMd = Dnnl.plain(od, net.outputFormat == CNN2DFormat.NHWC);
        output = own(new memory(outMd, d.engine, (Pointer) null));
        step(new reorder(out.mem, output), args(dnnl.DNNL_ARG_FROM, out.mem, dnnl.DNNL_ARG_TO, output), "output", null);
        bindScratchpad();
    }

    private Val node(Node n, int i, Map<Node, Integer> last) throws Unsupported {
        if (n instanceof Node.Conv) {
            return conv((Node.Conv) n, i, last);
        }
        if (n instanceof Node.Pool) {
            return pool((Node.Pool) n);
        }
        if (n instanceof Node.Dense) {
            return dense((Node.Dense) n);
        }
        if (n instanceof Node.Softmax) {
            return softmax((Node.Softmax) n);
        }
        if (n instanceof Node.Eltwise) {
            return eltwise((Node.Eltwise) n, i, last);
        }
        if (n instanceof Node.Binary) {
            return binary((Node.Binary) n, i, last);
        }
        if (n instanceof Node.DepthToSpace) {
            return depthToSpace((Node.DepthToSpace) n);
        }
        if (n instanceof Node.Flatten) {
            return flatten((Node.Flatten) n);
        }
        throw new Unsupported(n.describe() + " is not compiled");
    }

    // ------------------------------------------------------------------------------------------ primitives

    private Val conv(Node.Conv c, int i, Map<Node, Integer> last) throws Unsupported {
        Val x = values.get(c.input(0));
        long[] s = shapes.get(c.input(0));
        long[] o = shapes.get(c);
        long[] wd = c.groups > 1
                ? new long[]{c.groups, c.outChannels / c.groups, c.inChannels, c.kernel[0], c.kernel[1]}
                : new long[]{c.outChannels, c.inChannels, c.kernel[0], c.kernel[1]};
        long[] strides = {c.stride[0], c.stride[1]};
        long[] dilates = {c.dilation[0] - 1, c.dilation[1] - 1};
        long[] ph = c.pads(s[2], 0);
        long[] pw = c.pads(s[3], 1);
        // Truncate mode drops the rows a stride does not reach: a negative right padding, which oneDNN takes
        long[] padL = {ph[0], pw[0]};
        long[] padR = {ph[1], pw[1]};
        // the source as its producer wrote it (no reorder between convolutions), the destination as oneDNN likes it
        // best after that source: every convolution then runs on the first one's output layout (nChw16c on AVX-512),
        // which measured faster than letting each choose its source too (brgconv on NHWC, reorders in between)
        memory.desc srcMd = x.md;
        memory.desc dstMd = Dnnl.md(o, memory.format_tag.any);
        memory.desc wMd = Dnnl.md(wd, memory.format_tag.any);
        memory.desc bMd = c.bias != null ? Dnnl.md(new long[]{c.outChannels}, memory.format_tag.x) : null;
        primitive_attr attr = attr(c.post);
        boolean wino = c.groups == 1 && c.kernel[0] == 3 && c.kernel[1] == 3 && c.stride[0] == 1
                && c.stride[1] == 1 && dilates[0] == 0 && dilates[1] == 0;
        List<dnnl.algorithm> algorithms = new ArrayList<>();
        if (wino && winograd) {
            algorithms.add(dnnl.algorithm.convolution_winograd);
        }
        algorithms.add(dnnl.algorithm.convolution_direct);
        convolution_forward.primitive_desc pd = null;
        for (dnnl.algorithm alg : algorithms) {
            pd = convPd(alg, srcMd, wMd, bMd, dstMd, strides, dilates, padL, padR, attr, true);
            if (pd != null) {
                break;
            }
        }
        if (pd == null) {
            pd = convPd(dnnl.algorithm.convolution_direct, srcMd, wMd, bMd, dstMd, strides, dilates, padL, padR, attr,
                    false);
        }
        if (reference(pd)) {
            // no optimised kernel reads this source layout (e.g. few channels in a 16-channel block): let oneDNN
            // choose the source layout too, and reorder into it
            convolution_forward.primitive_desc any = convPd(dnnl.algorithm.convolution_direct,
                    Dnnl.md(s, memory.format_tag.any), wMd, bMd, dstMd, strides, dilates, padL, padR, attr, true);
            if (any != null && !reference(any)) {
                pd = any;
                srcMd = pd.src_desc();
            }
        }
        Val dst;
        if (c.residual) {
            Val r = values.get(c.input(1));
            if (!pd.dst_desc().equals(r.md)) {
                for (dnnl.algorithm alg : algorithms) {
                    convolution_forward.primitive_desc again = convPd(alg, srcMd, wMd, bMd, r.md, strides, dilates,
                            padL, padR, attr, true);
                    if (again != null && !reference(again)) {
                        pd = again;
                        break;
                    }
                }
            }
            if (pd.dst_desc().equals(r.md) && r.buf != null && r.buf.refs == 1 && last.get(c.input(1)) == i
                    && r.buf != x.buf) {
                dst = alias(r, r.md); // the sum post-op adds into the residual's own buffer
            } else {
                dst = allocate(pd.dst_desc());
                copy(r, dst, c.name + " residual");
            }
        } else {
            dst = allocate(pd.dst_desc());
        }
        Val src = as(x, pd.src_desc(), c.name);
        memory w = constant(Dnnl.md(wd, c.groups > 1 ? memory.format_tag.goihw : memory.format_tag.oihw),
                pd.weights_desc(), c.weights);
        IntMemoryMap a = args(dnnl.DNNL_ARG_SRC, src.mem, dnnl.DNNL_ARG_WEIGHTS, w, dnnl.DNNL_ARG_DST, dst.mem);
        if (c.bias != null) {
            a.put(dnnl.DNNL_ARG_BIAS, constant(pd.bias_desc(), pd.bias_desc(), c.bias));
        }
        step(own(new convolution_forward(pd)), a, c.describe(), pd);
        return dst;
    }

    /** Whether oneDNN fell back to its reference (unoptimised) implementation. */
    private static boolean reference(primitive_desc_base pd) {
        return pd.impl_info_str().getString().startsWith("ref");
    }

    private convolution_forward.primitive_desc convPd(dnnl.algorithm alg, memory.desc src, memory.desc w,
                                                      memory.desc b, memory.desc dst, long[] strides, long[] dilates,
                                                      long[] padL, long[] padR, primitive_attr attr, boolean mayFail) {
        try {
            convolution_forward.desc desc = b != null
                    ? new convolution_forward.desc(dnnl.prop_kind.forward_inference, alg, src, w, b, dst, strides,
                    dilates, padL, padR)
                    : new convolution_forward.desc(dnnl.prop_kind.forward_inference, alg, src, w, dst, strides,
                    dilates, padL, padR);
            return own(new convolution_forward.primitive_desc(desc, attr, d.engine));
        } catch (RuntimeException e) {
            if (mayFail) {
                return null;
            }
            throw e;
        }
    }

    private Val pool(Node.Pool p) {
        Val x = values.get(p.input(0));
        long[] s = shapes.get(p.input(0));
        long[] kernel;
        long[] strides;
        long[] padL;
        long[] padR;
        long[] o;
        if (p.global) {
            kernel = new long[]{s[2], s[3]};
            strides = new long[]{1, 1};
            padL = new long[]{0, 0};
            padR = new long[]{0, 0};
            o = new long[]{s[0], s[1], 1, 1};
        } else {
            long[] ph = p.pads(s[2], 0);
            long[] pw = p.pads(s[3], 1);
            kernel = new long[]{p.kernel[0], p.kernel[1]};
            strides = new long[]{p.stride[0], p.stride[1]};
            padL = new long[]{ph[0], pw[0]};
            padR = new long[]{ph[1], pw[1]};
            o = shapes.get(p);
        }
        dnnl.algorithm alg = p.max ? dnnl.algorithm.pooling_max
                : p.includePadding ? dnnl.algorithm.pooling_avg_include_padding
                : dnnl.algorithm.pooling_avg_exclude_padding;
        pooling_forward.desc desc = new pooling_forward.desc(dnnl.prop_kind.forward_inference, alg, x.md,
                Dnnl.md(o, memory.format_tag.any), strides, kernel, padL, padR);
        pooling_forward.primitive_desc pd = own(new pooling_forward.primitive_desc(desc, attr(List.of()), d.engine));
        Val src = as(x, pd.src_desc(), p.name);
        Val dst = allocate(pd.dst_desc());
        step(own(new pooling_forward(pd)), args(dnnl.DNNL_ARG_SRC, src.mem, dnnl.DNNL_ARG_DST, dst.mem),
                (p.max ? "max" : "avg") + " pool " + p.name, pd);
        return dst;
    }

    private Val dense(Node.Dense dn) {
        Val x = values.get(dn.input(0));
        long[] xd = Dnnl.dims(x.md);
        long[] wd = new long[xd.length];
        wd[0] = dn.outFeatures;
        System.arraycopy(xd, 1, wd, 1, xd.length - 1);
        memory.desc wMd = Dnnl.md(wd, memory.format_tag.any);
        memory.desc dstMd = Dnnl.md(new long[]{xd[0], dn.outFeatures}, memory.format_tag.any);
        inner_product_forward.desc desc = dn.bias != null
                ? new inner_product_forward.desc(dnnl.prop_kind.forward_inference, x.md, wMd,
                Dnnl.md(new long[]{dn.outFeatures}, memory.format_tag.x), dstMd)
                : new inner_product_forward.desc(dnnl.prop_kind.forward_inference, x.md, wMd, dstMd);
        inner_product_forward.primitive_desc pd = own(new inner_product_forward.primitive_desc(desc, attr(dn.post),
                d.engine));
        Val src = as(x, pd.src_desc(), dn.name);
        Val dst = allocate(pd.dst_desc());
        memory w = constant(Dnnl.plain(wd, false), pd.weights_desc(), dn.weights);
        IntMemoryMap a = args(dnnl.DNNL_ARG_SRC, src.mem, dnnl.DNNL_ARG_WEIGHTS, w, dnnl.DNNL_ARG_DST, dst.mem);
        if (dn.bias != null) {
            a.put(dnnl.DNNL_ARG_BIAS, constant(pd.bias_desc(), pd.bias_desc(), dn.bias));
        }
        step(own(new inner_product_forward(pd)), a, dn.describe(), pd);
        return dst;
    }

    private Val softmax(Node.Softmax sm) {
        Val x = values.get(sm.input(0));
        softmax_forward.desc desc = new softmax_forward.desc(dnnl.prop_kind.forward_inference, x.md, 1);
        softmax_forward.primitive_desc pd = own(new softmax_forward.primitive_desc(desc, attr(List.of()), d.engine));
        Val dst = allocate(pd.dst_desc());
        step(own(new softmax_forward(pd)), args(dnnl.DNNL_ARG_SRC, x.mem, dnnl.DNNL_ARG_DST, dst.mem),
                "softmax " + sm.name, pd);
        return dst;
    }

    private Val eltwise(Node.Eltwise e, int i, Map<Node, Integer> last) {
        Val x = values.get(e.input(0));
        eltwise_forward.desc desc = new eltwise_forward.desc(dnnl.prop_kind.forward_inference, e.op.algorithm, x.md,
                e.op.alpha, e.op.beta);
        eltwise_forward.primitive_desc pd = own(new eltwise_forward.primitive_desc(desc, attr(List.of()), d.engine));
        boolean inPlace = x.buf != null && x.buf.refs == 1 && last.get(e.input(0)) == i;
        Val dst = inPlace ? alias(x, x.md) : allocate(pd.dst_desc());
        step(own(new eltwise_forward(pd)), args(dnnl.DNNL_ARG_SRC, x.mem, dnnl.DNNL_ARG_DST, dst.mem),
                e.op + " " + e.name, pd);
        return dst;
    }

    private Val binary(Node.Binary b, int i, Map<Node, Integer> last) {
        Val a = values.get(b.input(0));
        memory src1;
        memory.desc src1Md;
        if (b.constant != null) {
            src1Md = Dnnl.plain(b.constantShape, false);
            src1 = constant(src1Md, src1Md, b.constant);
        } else {
            Val v = as(values.get(b.input(1)), a.md, b.name);
            src1Md = v.md;
            src1 = v.mem;
        }
        binary.desc desc = new binary.desc(b.algorithm, a.md, src1Md, a.md);
        binary.primitive_desc pd = own(new binary.primitive_desc(desc, attr(b.post), d.engine));
        boolean inPlace = a.buf != null && a.buf.refs == 1 && last.get(b.input(0)) == i;
        Val dst = inPlace ? alias(a, a.md) : allocate(pd.dst_desc());
        step(own(new binary(pd)), args(dnnl.DNNL_ARG_SRC_0, a.mem, dnnl.DNNL_ARG_SRC_1, src1, dnnl.DNNL_ARG_DST,
                dst.mem), b.algorithm + " " + b.name + (b.post.isEmpty() ? "" : " " + b.post), pd);
        return dst;
    }

    /** One strided copy: the input viewed as [N, C', r, r, H, W] into the output viewed the same way. */
    private Val depthToSpace(Node.DepthToSpace ds) {
        long[] s = shapes.get(ds.input(0));
        Val x = values.get(ds.input(0));
        boolean nhwc;
        if (x.buf != null && x.md.equals(Dnnl.plain(s, false))) {
            nhwc = false;
        } else if (x.buf != null && x.md.equals(Dnnl.plain(s, true))) {
            nhwc = true;
        } else {
            x = forceCopy(x, Dnnl.plain(s, false), ds.name);
            nhwc = false;
        }
        long n = s[0], c = s[1], h = s[2], w = s[3], r = ds.r, cp = c / (r * r), hr = h * r, wr = w * r;
        long[] d6 = {n, cp, r, r, h, w};
        long[] in = nhwc ? new long[]{h * w * c, r * r, r, 1, w * c, c}
                : new long[]{c * h * w, r * r * h * w, r * h * w, h * w, w, 1};
        long[] out = {cp * hr * wr, hr * wr, wr, 1, r * wr, r};
        Val dst = allocate(Dnnl.plain(new long[]{n, cp, hr, wr}, false));
        memory from = own(new memory(Dnnl.strided(d6, in), d.engine, x.buf.handle));
        memory to = own(new memory(Dnnl.strided(d6, out), d.engine, dst.buf.handle));
        step(own(new reorder(from, to)), args(dnnl.DNNL_ARG_FROM, from, dnnl.DNNL_ARG_TO, to),
                "depth to space " + ds.name + " r=" + r, null);
        return dst;
    }

    /** DL4J's flatten order is the plain NCHW (or NHWC) layout; the 2-D value is a view of it. */
    private Val flatten(Node.Flatten f) {
        long[] s = shapes.get(f.input(0));
        Val x = values.get(f.input(0));
        memory.desc want = Dnnl.plain(s, f.order == CNN2DFormat.NHWC);
        Val plain = x.buf != null && x.md.equals(want) ? x : forceCopy(x, want, f.name);
        memory.desc flat = Dnnl.plain(new long[]{s[0], s[1] * s[2] * s[3]}, false);
        return alias(plain, flat);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private primitive_attr attr(List<PostOp> post) {
        primitive_attr attr = own(new primitive_attr());
        attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
        if (!post.isEmpty()) {
            post_ops po = own(new post_ops());
            for (PostOp p : post) {
                if (p.sum) {
                    po.append_sum();
                } else {
                    po.append_eltwise(1f, p.algorithm, p.alpha, p.beta);
                }
            }
            attr.set_post_ops(po);
        }
        return attr;
    }

    /** {@code x} in layout {@code md}: itself, or a reordered copy (a temporary of the current node). */
    private Val as(Val x, memory.desc md, String what) {
        if (x.md.equals(md)) {
            return x;
        }
        return forceCopy(x, md, what);
    }

    private Val forceCopy(Val x, memory.desc md, String what) {
        Val t = allocate(md);
        temporaries.add(t);
        copy(x, t, what);
        return t;
    }

    private void copy(Val from, Val to, String what) {
        reorders++;
        step(own(new reorder(from.mem, to.mem)), args(dnnl.DNNL_ARG_FROM, from.mem, dnnl.DNNL_ARG_TO, to.mem),
                "reorder for " + what, null);
    }

    private Val allocate(memory.desc md) {
        long bytes = md.get_size();
        Buffer best = null;
        for (Buffer b : buffers) {
            if (b.refs == 0 && b.bytes >= bytes && (best == null || b.bytes < best.bytes)) {
                best = b;
            }
        }
        if (best == null) {
            long floats = Math.max(1, (bytes + 3) / 4);
            best = new Buffer(own(new memory(Dnnl.md(new long[]{floats}, memory.format_tag.x), d.engine)), floats * 4);
            buffers.add(best);
        }
        return alias(new Val(null, null, best), md);
    }

    /** A value over the same buffer as {@code of}, in layout {@code md}. */
    private Val alias(Val of, memory.desc md) {
        of.buf.refs++;
        memory m = of.md != null && of.md.equals(md) ? of.mem : own(new memory(md, d.engine, of.buf.handle));
        return new Val(md, m, of.buf);
    }

    private void release(Val v) {
        if (v != null && v.buf != null) {
            v.buf.refs--;
        }
    }

    /** Library memory in layout {@code md} holding {@code values} (given in layout {@code user}). */
    private memory constant(memory.desc user, memory.desc md, float[] values) {
        FloatPointer data = new FloatPointer(values);
        try {
            memory u = new memory(user, d.engine, data);
            memory m = own(new memory(md, d.engine));
            reorder r = new reorder(u, m);
            r.execute(d.stream, u, m);
            d.stream._wait();
            r.close();
            u.close();
            return m;
        } finally {
            data.close();
        }
    }

    private static IntMemoryMap args(Object... keyValues) {
        IntMemoryMap m = new IntMemoryMap();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((Integer) keyValues[i], (memory) keyValues[i + 1]);
        }
        return m;
    }

    private void step(primitive p, IntMemoryMap a, String label, primitive_desc_base pd) {
        own(a);
        primitives.add(p);
        arguments.add(a);
        labels.add(pd == null ? label : label + " [" + pd.impl_info_str().getString() + "]");
        if (pd != null) {
            memory.desc s = pd.scratchpad_desc();
            long bytes = s.get_size();
            if (bytes > 0) {
                scratchUsers.add(new Object[]{a, s});
                scratchBytes = Math.max(scratchBytes, bytes);
            }
        }
    }

    private void bindScratchpad() {
        if (scratchBytes == 0) {
            return;
        }
        memory scratch = own(new memory(Dnnl.md(new long[]{(scratchBytes + 3) / 4}, memory.format_tag.x), d.engine));
        Pointer h = scratch.get_data_handle();
        for (Object[] u : scratchUsers) {
            ((IntMemoryMap) u[0]).put(dnnl.DNNL_ARG_SCRATCHPAD, own(new memory((memory.desc) u[1], d.engine, h)));
        }
    }

    private <P extends Pointer> P own(P p) {
        owned.add(p);
        return p;
    }

    // ------------------------------------------------------------------------------------------ running

    /** The network's output for {@code x} (shape {@link #inputShape}, float, c-order, no offset). */
    INDArray run(INDArray x) {
        input.set_data_handle(x.data().addressPointer());
        INDArray out = Nd4j.createUninitializedDetached(DataType.FLOAT, outputShape);
        output.set_data_handle(out.data().addressPointer());
        for (int i = 0; i < primitives.size(); i++) {
            primitives.get(i).execute(d.stream, arguments.get(i));
        }
        d.stream._wait();
        return out;
    }

    /** Median milliseconds of each primitive over {@code reps} runs on {@code x} (for profiling). */
    double[] timeSteps(INDArray x, int reps) {
        input.set_data_handle(x.data().addressPointer());
        INDArray out = Nd4j.createUninitializedDetached(DataType.FLOAT, outputShape);
        output.set_data_handle(out.data().addressPointer());
        double[][] t = new double[primitives.size()][reps];
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < primitives.size(); i++) {
                long t0 = System.nanoTime();
                primitives.get(i).execute(d.stream, arguments.get(i));
                d.stream._wait();
                t[i][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double[] med = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            Arrays.sort(t[i]);
            med[i] = t[i][reps / 2];
        }
        return med;
    }

    /** One line per primitive, with the implementation oneDNN chose. */
    List<String> steps() {
        return Collections.unmodifiableList(labels);
    }

    int reorders() {
        return reorders;
    }

    long activationBytes() {
        long sum = 0;
        for (Buffer b : buffers) {
            sum += b.bytes;
        }
        return sum;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
        primitives.clear();
        arguments.clear();
        buffers.clear();
    }

    @Override
    public String toString() {
        return "Plan" + Arrays.toString(inputShape) + " -> " + Arrays.toString(outputShape) + ", " + primitives.size()
                + " primitives (" + reorders + " reorders), " + activationBytes() / (1 << 20) + " MiB of activations";
    }

    static Set<String> kinds(List<String> steps) {
        Set<String> k = new LinkedHashSet<>();
        for (String s : steps) {
            k.add(s.split(" ")[0]);
        }
        return k;
    }
}
