package org.armfer.fast.onednn;

import org.armfer.fast.DataFormatPreProcessor;
import org.armfer.fast.FastActivationLayer;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.armfer.fast.FastConvolutionLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a trained {@link ComputationGraph} (configuration and a copy of its parameters) into a {@link Net}, or says
 * why it cannot ({@link Unsupported}). What it reads: DL4J's convolution, batch normalisation, activation,
 * subsampling, global pooling, dense, output and dropout layers (and armfer's fast subclasses of them), element-wise
 * vertices, the NCHW/NHWC conversions and the CNN-to-dense flatten, and armfer's ARM layers ({@link ArmLayers}).
 * Anything else, more than one input or output, or a data type other than float is unsupported.
 */
final class GraphImporter {

    private final ComputationGraph graph;
    private final ComputationGraphConfiguration conf;
    private final Map<String, Node> values = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();

    private GraphImporter(ComputationGraph graph) {
        this.graph = graph;
        this.conf = graph.getConfiguration();
    }

    static Net read(ComputationGraph graph) throws Unsupported {
        return new GraphImporter(graph).read();
    }

    private Net read() throws Unsupported {
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new Unsupported("graphs with one input and one output only; this one has inputs "
                    + conf.getNetworkInputs() + " and outputs " + conf.getNetworkOutputs());
        }
        if (conf.getDataType() != DataType.FLOAT) {
            throw new Unsupported("float graphs only; this one is " + conf.getDataType());
        }
        String inputName = conf.getNetworkInputs().get(0);
        Node.Input input = new Node.Input(inputName);
        values.put(inputName, input);
        nodes.add(input);
        List<String> order = conf.getTopologicalOrderStr() != null ? conf.getTopologicalOrderStr()
                : Arrays.asList(topologicalNames());
        for (String name : order) {
            if (values.containsKey(name)) {
                continue;
            }
            GraphVertex v = conf.getVertices().get(name);
            List<Node> in = new ArrayList<>();
            for (String i : conf.getVertexInputs().get(name)) {
                Node n = values.get(i);
                if (n == null) {
                    throw new Unsupported("vertex " + name + " reads " + i + " before it is computed");
                }
                in.add(n);
            }
            values.put(name, vertex(name, v, in));
        }
        Node out = values.get(conf.getNetworkOutputs().get(0));
        if (input.rank == 0) {
            throw new Unsupported("the input " + inputName + " is read by nothing the compiler knows the layout of");
        }
        return new Net(nodes, input, out, out.format);
    }

    private String[] topologicalNames() {
        int[] order = graph.topologicalSortOrder();
        String[] names = new String[order.length];
        for (int i = 0; i < order.length; i++) {
            names[i] = graph.getVertices()[order[i]].getVertexName();
        }
        return names;
    }

    private <N extends Node> N add(N n) {
        nodes.add(n);
        return n;
    }

    private Node vertex(String name, GraphVertex v, List<Node> in) throws Unsupported {
        if (v instanceof PreprocessorVertex) {
            return preprocess(name, ((PreprocessorVertex) v).getPreProcessor(), single(name, in));
        }
        if (v instanceof LayerVertex) {
            LayerVertex lv = (LayerVertex) v;
            Node x = preprocess(name, lv.getPreProcessor(), single(name, in));
            return layer(name, lv.getLayerConf().getLayer(), x);
        }
        if (v instanceof ElementWiseVertex) {
            return elementWise(name, ((ElementWiseVertex) v).getOp(), in);
        }
        throw new Unsupported("vertex " + name + " is a " + v.getClass().getSimpleName()
                + ", which is not compiled");
    }

    private static Node single(String name, List<Node> in) throws Unsupported {
        if (in.size() != 1) {
            throw new Unsupported("vertex " + name + " has " + in.size() + " inputs; one expected");
        }
        return in.get(0);
    }

    /** Records (or checks) DL4J's layout of a 4-D value as a layer reading it declares it. */
    private static void expectFormat(String name, Node x, CNN2DFormat format) throws Unsupported {
        if (x instanceof Node.Input) {
            Node.Input input = (Node.Input) x;
            if (input.rank == 0) {
                input.rank = 4;
                input.format = format;
            }
        }
        if (x.format != format) {
            throw new Unsupported("layer " + name + " reads " + format + " but " + x.name + " holds "
                    + (x.format == null ? "a 2-D value" : x.format));
        }
    }

    private static void expect2d(String name, Node x) throws Unsupported {
        if (x instanceof Node.Input && ((Node.Input) x).rank == 0) {
            ((Node.Input) x).rank = 2;
        }
        if (x.format != null) {
            throw new Unsupported("layer " + name + " reads 2-D values but " + x.name + " holds a 4-D " + x.format
                    + " value without a flatten");
        }
    }

    private Node preprocess(String name, InputPreProcessor p, Node x) throws Unsupported {
        if (p == null) {
            return x;
        }
        if (p instanceof DataFormatPreProcessor) {
            DataFormatPreProcessor d = (DataFormatPreProcessor) p;
            expectFormat(name, x, d.getFrom());
            // the same logical tensor in the other layout: no operation of its own
            return add(new Node.Relayout(name, x, d.getTo()));
        }
        if (p instanceof CnnToFeedForwardPreProcessor) {
            CnnToFeedForwardPreProcessor c = (CnnToFeedForwardPreProcessor) p;
            expectFormat(name, x, c.getFormat());
            return add(new Node.Flatten(name, x, c.getFormat()));
        }
        throw new Unsupported("vertex " + name + " has the preprocessor " + p.getClass().getSimpleName()
                + ", which is not compiled");
    }

    private Node layer(String name, Layer l, Node x) throws Unsupported {
        org.deeplearning4j.nn.api.Layer runtime = graph.getLayer(name);
        if (l.getClass() == ConvolutionLayer.class || l.getClass() == FastConvolutionLayer.class) {
            return conv(name, (ConvolutionLayer) l, runtime, x);
        }
        if (l instanceof BatchNormalization) {
            BatchNormalization bn = (BatchNormalization) l;
            expectFormat(name, x, bn.getCnn2DFormat());
            float[][] ss = scaleShift(bn, runtime);
            return add(new Node.ScaleShift(name, x, ss[0], ss[1]));
        }
        if (l.getClass() == ActivationLayer.class || l.getClass() == FastActivationLayer.class) {
            PostOp op = activation(name, ((ActivationLayer) l).getActivationFn());
            if (op == null) {
                return x;
            }
            if (op == SOFTMAX) {
                return add(new Node.Softmax(name, x));
            }
            return add(new Node.Eltwise(name, x, op));
        }
        if (l.getClass() == DropoutLayer.class) {
            return x; // the identity at inference
        }
        if (l.getClass() == SubsamplingLayer.class) {
            return pooling(name, (SubsamplingLayer) l, x);
        }
        if (l.getClass() == GlobalPoolingLayer.class) {
            return globalPooling(name, (GlobalPoolingLayer) l, x);
        }
        if (l.getClass() == DenseLayer.class || l.getClass() == OutputLayer.class) {
            return dense(name, (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) l, runtime, x);
        }
        Node arm = ArmLayers.lower(name, l, runtime, x, nodes);
        if (arm != null) {
            return arm;
        }
        throw new Unsupported("layer " + name + " is a " + l.getClass().getName() + ", which is not compiled");
    }

    private Node conv(String name, ConvolutionLayer c, org.deeplearning4j.nn.api.Layer runtime, Node x)
            throws Unsupported {
        expectFormat(name, x, c.getCnn2dDataFormat());
        if (c.getConvolutionMode() != ConvolutionMode.Truncate && c.getConvolutionMode() != ConvolutionMode.Strict
                && c.getConvolutionMode() != ConvolutionMode.Same) {
            throw new Unsupported("convolution " + name + " uses ConvolutionMode." + c.getConvolutionMode());
        }
        Node.Conv n = new Node.Conv(name, x, c.getCnn2dDataFormat());
        n.weights = floats(runtime.getParam(ConvolutionParamInitializer.WEIGHT_KEY));
        n.bias = c.hasBias() ? floats(runtime.getParam(ConvolutionParamInitializer.BIAS_KEY)) : null;
        n.outChannels = c.getNOut();
        n.inChannels = c.getNIn();
        n.kernel = c.getKernelSize().clone();
        n.stride = c.getStride().clone();
        n.dilation = c.getDilation().clone();
        n.padding = c.getPadding().clone();
        n.samePadding = c.getConvolutionMode() == ConvolutionMode.Same;
        PostOp act = activation(name, c.getActivationFn());
        if (act == SOFTMAX) {
            throw new Unsupported("convolution " + name + " with a softmax activation");
        }
        if (act != null) {
            n.post.add(act);
        }
        return add(n);
    }

    /** DL4J's inference batch norm as {@code x·scale + shift}, in double before rounding to float. */
    static float[][] scaleShift(BatchNormalization bn, org.deeplearning4j.nn.api.Layer runtime) {
        double[] mean = doubles(runtime.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        int c = mean.length;
        double[] var;
        if (bn.isUseLogStd()) {
            double[] log10std = doubles(runtime.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
            var = new double[c];
            for (int i = 0; i < c; i++) {
                var[i] = Math.pow(10, 2 * log10std[i]);
            }
        } else {
            var = doubles(runtime.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        }
        double[] gamma = new double[c];
        double[] beta = new double[c];
        if (bn.isLockGammaBeta()) {
            Arrays.fill(gamma, bn.getGamma());
            Arrays.fill(beta, bn.getBeta());
        } else {
            gamma = doubles(runtime.getParam(BatchNormalizationParamInitializer.GAMMA));
            beta = doubles(runtime.getParam(BatchNormalizationParamInitializer.BETA));
        }
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int i = 0; i < c; i++) {
            double s = gamma[i] / Math.sqrt(var[i] + bn.getEps());
            scale[i] = (float) s;
            shift[i] = (float) (beta[i] - mean[i] * s);
        }
        return new float[][]{scale, shift};
    }

    private Node pooling(String name, SubsamplingLayer s, Node x) throws Unsupported {
        expectFormat(name, x, s.getCnn2dDataFormat());
        if (s.getPoolingType() != PoolingType.MAX && s.getPoolingType() != PoolingType.AVG) {
            throw new Unsupported("subsampling " + name + " with PoolingType." + s.getPoolingType());
        }
        if (s.getDilation()[0] != 1 || s.getDilation()[1] != 1) {
            throw new Unsupported("subsampling " + name + " with dilation " + Arrays.toString(s.getDilation()));
        }
        if (s.getConvolutionMode() != ConvolutionMode.Truncate && s.getConvolutionMode() != ConvolutionMode.Strict
                && s.getConvolutionMode() != ConvolutionMode.Same) {
            throw new Unsupported("subsampling " + name + " uses ConvolutionMode." + s.getConvolutionMode());
        }
        Node.Pool p = new Node.Pool(name, x, s.getCnn2dDataFormat());
        p.max = s.getPoolingType() == PoolingType.MAX;
        p.includePadding = s.isAvgPoolIncludePadInDivisor();
        p.kernel = s.getKernelSize().clone();
        p.stride = s.getStride().clone();
        p.padding = s.getPadding().clone();
        p.samePadding = s.getConvolutionMode() == ConvolutionMode.Same;
        return add(p);
    }

    private Node globalPooling(String name, GlobalPoolingLayer g, Node x) throws Unsupported {
        if (g.getPoolingType() != PoolingType.MAX && g.getPoolingType() != PoolingType.AVG) {
            throw new Unsupported("global pooling " + name + " with PoolingType." + g.getPoolingType());
        }
        if (x.format == null && !(x instanceof Node.Input)) {
            throw new Unsupported("global pooling " + name + " over a 2-D value");
        }
        CNN2DFormat f = x.format == null ? CNN2DFormat.NCHW : x.format;
        int[] dims = g.getPoolingDimensions();
        int[] spatial = f == CNN2DFormat.NHWC ? new int[]{1, 2} : new int[]{2, 3};
        if (dims == null ? f != CNN2DFormat.NCHW : !Arrays.equals(dims, spatial)) {
            throw new Unsupported("global pooling " + name + " over dimensions "
                    + (dims == null ? "(default)" : Arrays.toString(dims)) + " of a " + f + " value");
        }
        expectFormat(name, x, f);
        Node.Pool p = new Node.Pool(name, x, g.isCollapseDimensions() ? null : f);
        p.global = true;
        p.collapse = g.isCollapseDimensions();
        p.max = g.getPoolingType() == PoolingType.MAX;
        return add(p);
    }

    private Node dense(String name, org.deeplearning4j.nn.conf.layers.FeedForwardLayer l,
                       org.deeplearning4j.nn.api.Layer runtime, Node x) throws Unsupported {
        if (l instanceof DenseLayer && ((DenseLayer) l).isHasLayerNorm()) {
            throw new Unsupported("dense layer " + name + " with layer normalisation");
        }
        expect2d(name, x);
        Node.Dense d = new Node.Dense(name, x);
        INDArray w = runtime.getParam(DefaultParamInitializer.WEIGHT_KEY); // [nIn, nOut]
        d.outFeatures = l.getNOut();
        d.weights = floats(w.transpose()); // [nOut, nIn]
        boolean hasBias = l instanceof DenseLayer ? ((DenseLayer) l).hasBias() : ((OutputLayer) l).hasBias();
        d.bias = hasBias ? floats(runtime.getParam(DefaultParamInitializer.BIAS_KEY)) : null;
        PostOp act = activation(name, l.getActivationFn());
        add(d);
        if (act == SOFTMAX) {
            return add(new Node.Softmax(name, d));
        }
        if (act != null) {
            d.post.add(act);
        }
        return d;
    }

    private Node elementWise(String name, ElementWiseVertex.Op op, List<Node> in) throws Unsupported {
        if (in.size() < 2) {
            return single(name, in);
        }
        CNN2DFormat f = in.get(0).format;
        for (Node n : in) {
            if (n.format != f) {
                throw new Unsupported("element-wise " + name + " over values in different layouts");
            }
        }
        dnnl.algorithm alg;
        switch (op) {
            case Add:
            case Average:
                alg = dnnl.algorithm.binary_add;
                break;
            case Product:
                alg = dnnl.algorithm.binary_mul;
                break;
            case Max:
                alg = dnnl.algorithm.binary_max;
                break;
            case Subtract:
                if (in.size() != 2) {
                    throw new Unsupported("element-wise subtract " + name + " of " + in.size() + " inputs");
                }
                alg = dnnl.algorithm.binary_sub;
                break;
            default:
                throw new Unsupported("element-wise " + name + " with Op." + op);
        }
        Node.Binary b = add(new Node.Binary(name, List.of(in.get(0), in.get(1)), alg, f));
        for (int i = 2; i < in.size(); i++) {
            b = add(new Node.Binary(name, List.of(b, in.get(i)), alg, f));
        }
        if (op == ElementWiseVertex.Op.Average) {
            b.post.add(PostOp.eltwise(dnnl.algorithm.eltwise_linear, 1f / in.size(), 0f));
        }
        return b;
    }

    /** Marker for a softmax activation (a primitive of its own, not a post-op). */
    static final PostOp SOFTMAX = PostOp.eltwise(dnnl.algorithm.eltwise_exp, 0f, 0f);

    /** DL4J's activation as a oneDNN element-wise function; null for the identity, {@link #SOFTMAX} for softmax. */
    static PostOp activation(String name, IActivation a) throws Unsupported {
        if (a == null || a instanceof ActivationIdentity) {
            return null;
        }
        if (a instanceof ActivationReLU) {
            ActivationReLU r = (ActivationReLU) a;
            boolean noMax = r.getMax() == null || r.getMax() == 0.0;
            boolean noThreshold = r.getThreshold() == null || r.getThreshold() == 0.0;
            if (noMax && noThreshold) {
                float slope = r.getNegativeSlope() == null ? 0f : r.getNegativeSlope().floatValue();
                return PostOp.eltwise(dnnl.algorithm.eltwise_relu, slope, 0f);
            }
        } else if (a instanceof ActivationLReLU) {
            return PostOp.eltwise(dnnl.algorithm.eltwise_relu, (float) ((ActivationLReLU) a).getAlpha(), 0f);
        } else if (a instanceof ActivationSigmoid) {
            return PostOp.eltwise(dnnl.algorithm.eltwise_logistic, 0f, 0f);
        } else if (a instanceof ActivationTanH) {
            return PostOp.eltwise(dnnl.algorithm.eltwise_tanh, 0f, 0f);
        } else if (a instanceof ActivationELU) {
            return PostOp.eltwise(dnnl.algorithm.eltwise_elu, (float) ((ActivationELU) a).getAlpha(), 0f);
        } else if (a instanceof ActivationReLU6) {
            return PostOp.eltwise(dnnl.algorithm.eltwise_clip, 0f, 6f);
        } else if (a instanceof ActivationSoftmax) {
            return SOFTMAX;
        }
        throw new Unsupported("layer " + name + " has the activation " + a + ", which is not compiled");
    }

    /** The values of a parameter in c-order, as floats. */
    static float[] floats(INDArray a) {
        return Nd4j.toFlattened('c', a.castTo(DataType.FLOAT)).toFloatVector();
    }

    static double[] doubles(INDArray a) {
        return Nd4j.toFlattened('c', a.castTo(DataType.DOUBLE)).toDoubleVector();
    }
}
