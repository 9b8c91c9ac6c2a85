package org.armfer.zoo.transformer;

import org.armfer.layers.transformer.ClassTokenEmbedding;
import org.armfer.layers.transformer.LayerNorm;
import org.armfer.layers.transformer.PatchEmbedding;
import org.armfer.layers.transformer.PatchMerging;
import org.armfer.layers.transformer.SwinBlock;
import org.armfer.layers.transformer.TokenLayer;
import org.armfer.layers.transformer.TransformerEncoderBlock;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch state dicts (torchvision's key names) in and out of the transformer graphs ({@link VisionTransformer},
 * {@link SwinTransformer}, {@link NeuralResizerTransformer}, or any graph of the {@code org.armfer.layers.transformer}
 * layers named as torchvision's modules). {@code TorchWeights.load} hands such graphs here.
 * <p>
 * Keys, per vertex v of the graph:
 * <ul>
 *   <li>{@link PatchEmbedding}: {@code v.weight}, {@code v.bias} (ViT {@code conv_proj}, Swin {@code features.0.0});</li>
 *   <li>{@link ClassTokenEmbedding} at {@code embedding}: {@code class_token}, {@code encoder.pos_embedding}
 *       (elsewhere {@code v.class_token}, {@code v.pos_embedding}); a position embedding of another grid size is
 *       interpolated as torchvision's {@code interpolate_embeddings} does (bicubic, align_corners=True, class token
 *       kept);</li>
 *   <li>{@link TransformerEncoderBlock}: {@code v.ln_1.*}, {@code v.self_attention.in_proj_weight/in_proj_bias},
 *       {@code v.self_attention.out_proj.*}, {@code v.ln_2.*}, {@code v.mlp.0.*}, {@code v.mlp.3.*} (also the older
 *       {@code v.mlp.linear_1.*}, {@code v.mlp.linear_2.*}, which torchvision renames when it loads its own ViT
 *       files);</li>
 *   <li>{@link SwinBlock}: {@code v.norm1.*}, {@code v.attn.qkv.*}, {@code v.attn.proj.*},
 *       {@code v.attn.relative_position_bias_table}, {@code v.norm2.*}, {@code v.mlp.0.*}, {@code v.mlp.3.*}; the buffer
 *       {@code v.attn.relative_position_index} is checked against the window size and otherwise not used;</li>
 *   <li>{@link PatchMerging}: {@code v.reduction.weight}, {@code v.norm.*}; {@link LayerNorm}: {@code v.weight},
 *       {@code v.bias};</li>
 *   <li>DL4J's own layers (the classifier, the resizer's and the spatial transformer's convolutions and batch norms):
 *       convolutions {@code v.weight} (OIHW) / {@code v.bias}, dense and output layers {@code v.weight} ({@code [out,
 *       in]}, transposed) / {@code v.bias}, batch norms {@code v.weight}, {@code v.bias}, {@code v.running_mean},
 *       {@code v.running_var} ({@code num_batches_tracked} ignored).</li>
 * </ul>
 * Strict, as {@code TorchWeights}: every graph parameter set exactly once, every file key used, shapes checked; any
 * problem fails with the key and both shapes, and nothing is changed. A {@code module.} prefix is dropped. With
 * {@code trunkOnly} only the transformer trunk is required and set (an ImageNet backbone for a new classifier):
 * file keys outside it ({@code heads.*}, {@code head.*}) are skipped, and the graph's other parameters (classifier,
 * resizer, super-resolution, spatial transformer) keep their initialisation.
 */
public final class TransformerWeights {

    private static final Logger log = LoggerFactory.getLogger(TransformerWeights.class);

    private TransformerWeights() {
    }

    /** What a load did: graph parameter ({@code vertex_param}) -> file key, and the keys used for nothing. */
    public record Loaded(Map<String, String> loaded, List<String> skipped) {
    }

    private enum Kind {
        /** Same values and layout. */
        PLAIN,
        /** torch Linear {@code [out, in]}, DL4J dense {@code [in, out]}. */
        TRANSPOSE,
        /** A ViT position embedding: interpolated when the grid size differs. */
        POSITION,
        /** BatchNorm running variance into DL4J's log10(std). */
        LOG_STD
    }

    private record Binding(String key, String alias, String vertex, String param, Kind kind) {
        String paramKey() {
            return vertex + "_" + param;
        }
    }

    /** Whether the graph holds transformer layers (then {@code TorchWeights.load} delegates to {@link #load}). */
    public static boolean handles(ComputationGraph graph) {
        for (GraphVertex v : graph.getConfiguration().getVertices().values()) {
            if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof TokenLayer) {
                return true;
            }
        }
        return false;
    }

    /** Whether a vertex is part of a ViT or Swin trunk (what a trunk-only import sets). */
    public static boolean isTrunkVertex(String vertex) {
        return ViTConfig.B16.isTrunkVertex(vertex) || SwinConfig.T.isTrunkVertex(vertex);
    }

    private static Layer layerOf(GraphVertex v) {
        return v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
    }

    private static void add(List<Binding> out, String vertex, String torchSuffix, String param) {
        out.add(new Binding(vertex + "." + torchSuffix, null, vertex, param, Kind.PLAIN));
    }

    /** Every parameter of the graph with its PyTorch key. */
    private static List<Binding> bindings(ComputationGraph graph) {
        List<Binding> out = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            String v = e.getKey();
            Layer layer = layerOf(e.getValue());
            if (layer == null) {
                continue;
            }
            if (layer instanceof PatchEmbedding) {
                add(out, v, "weight", PatchEmbedding.WEIGHT);
                add(out, v, "bias", PatchEmbedding.BIAS);
            } else if (layer instanceof ClassTokenEmbedding) {
                boolean vit = v.equals(ViTConfig.EMBEDDING);
                out.add(new Binding(vit ? "class_token" : v + ".class_token", null, v, ClassTokenEmbedding.CLASS_TOKEN, Kind.PLAIN));
                out.add(new Binding(vit ? "encoder.pos_embedding" : v + ".pos_embedding", null, v, ClassTokenEmbedding.POSITION,
                        Kind.POSITION));
            } else if (layer instanceof LayerNorm) {
                add(out, v, "weight", LayerNorm.GAIN);
                add(out, v, "bias", LayerNorm.BIAS);
            } else if (layer instanceof TransformerEncoderBlock) {
                add(out, v, "ln_1.weight", TransformerEncoderBlock.LN1_WEIGHT);
                add(out, v, "ln_1.bias", TransformerEncoderBlock.LN1_BIAS);
                add(out, v, "self_attention.in_proj_weight", TransformerEncoderBlock.QKV_WEIGHT);
                add(out, v, "self_attention.in_proj_bias", TransformerEncoderBlock.QKV_BIAS);
                add(out, v, "self_attention.out_proj.weight", TransformerEncoderBlock.PROJ_WEIGHT);
                add(out, v, "self_attention.out_proj.bias", TransformerEncoderBlock.PROJ_BIAS);
                add(out, v, "ln_2.weight", TransformerEncoderBlock.LN2_WEIGHT);
                add(out, v, "ln_2.bias", TransformerEncoderBlock.LN2_BIAS);
                // torchvision's MLPBlock before its version 2 named its linears linear_1 / linear_2
                out.add(new Binding(v + ".mlp.0.weight", v + ".mlp.linear_1.weight", v, TransformerEncoderBlock.FC1_WEIGHT, Kind.PLAIN));
                out.add(new Binding(v + ".mlp.0.bias", v + ".mlp.linear_1.bias", v, TransformerEncoderBlock.FC1_BIAS, Kind.PLAIN));
                out.add(new Binding(v + ".mlp.3.weight", v + ".mlp.linear_2.weight", v, TransformerEncoderBlock.FC2_WEIGHT, Kind.PLAIN));
                out.add(new Binding(v + ".mlp.3.bias", v + ".mlp.linear_2.bias", v, TransformerEncoderBlock.FC2_BIAS, Kind.PLAIN));
            } else if (layer instanceof SwinBlock) {
                add(out, v, "norm1.weight", SwinBlock.NORM1_WEIGHT);
                add(out, v, "norm1.bias", SwinBlock.NORM1_BIAS);
                add(out, v, "attn.qkv.weight", SwinBlock.QKV_WEIGHT);
                add(out, v, "attn.qkv.bias", SwinBlock.QKV_BIAS);
                add(out, v, "attn.proj.weight", SwinBlock.PROJ_WEIGHT);
                add(out, v, "attn.proj.bias", SwinBlock.PROJ_BIAS);
                add(out, v, "attn.relative_position_bias_table", SwinBlock.RELATIVE_BIAS);
                add(out, v, "norm2.weight", SwinBlock.NORM2_WEIGHT);
                add(out, v, "norm2.bias", SwinBlock.NORM2_BIAS);
                add(out, v, "mlp.0.weight", SwinBlock.FC1_WEIGHT);
                add(out, v, "mlp.0.bias", SwinBlock.FC1_BIAS);
                add(out, v, "mlp.3.weight", SwinBlock.FC2_WEIGHT);
                add(out, v, "mlp.3.bias", SwinBlock.FC2_BIAS);
            } else if (layer instanceof PatchMerging) {
                add(out, v, "reduction.weight", PatchMerging.WEIGHT);
                add(out, v, "norm.weight", PatchMerging.NORM_WEIGHT);
                add(out, v, "norm.bias", PatchMerging.NORM_BIAS);
            } else if (layer instanceof BatchNormalization) {
                add(out, v, "weight", BatchNormalizationParamInitializer.GAMMA);
                add(out, v, "bias", BatchNormalizationParamInitializer.BETA);
                add(out, v, "running_mean", BatchNormalizationParamInitializer.GLOBAL_MEAN);
                if (((BatchNormalization) layer).isUseLogStd()) {
                    out.add(new Binding(v + ".running_var", null, v, BatchNormalizationParamInitializer.GLOBAL_LOG_STD, Kind.LOG_STD));
                } else {
                    add(out, v, "running_var", BatchNormalizationParamInitializer.GLOBAL_VAR);
                }
            } else if (layer instanceof ConvolutionLayer) {
                add(out, v, "weight", DefaultParamInitializer.WEIGHT_KEY);
                add(out, v, "bias", DefaultParamInitializer.BIAS_KEY);
            } else if (layer instanceof FeedForwardLayer) {
                out.add(new Binding(v + ".weight", null, v, DefaultParamInitializer.WEIGHT_KEY, Kind.TRANSPOSE));
                add(out, v, "bias", DefaultParamInitializer.BIAS_KEY);
            }
        }
        // only what the graph really has (a convolution without bias has no "b")
        Map<String, INDArray> table = graph.paramTable();
        out.removeIf(b -> !table.containsKey(b.paramKey()));
        Set<String> bound = new LinkedHashSet<>();
        out.forEach(b -> bound.add(b.paramKey()));
        for (String p : table.keySet()) {
            if (!bound.contains(p)) {
                String vertex = p.substring(0, p.lastIndexOf('_'));
                Layer layer = layerOf(graph.getConfiguration().getVertices().get(vertex));
                throw new IllegalStateException("TransformerWeights: no PyTorch name for graph parameter " + p + " (a "
                        + (layer == null ? "?" : layer.getClass().getSimpleName()) + ")");
            }
        }
        return out;
    }

    /** The buffers torchvision keeps in its state dict that the graph computes itself: key -> expected value. */
    private static Map<String, INDArray> buffers(ComputationGraph graph) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : graph.getConfiguration().getVertices().entrySet()) {
            Layer layer = layerOf(e.getValue());
            if (layer instanceof SwinBlock) {
                out.put(e.getKey() + ".attn.relative_position_index",
                        Nd4j.createFromArray(relativePositionIndex(((SwinBlock) layer).getWindowSize())).castTo(DataType.LONG));
            }
        }
        return out;
    }

    /** torchvision's {@code relative_position_index} for a window size (flattened {@code [ws⁴]}). */
    static long[] relativePositionIndex(int window) {
        int l = window * window;
        long[] idx = new long[l * l];
        for (int a = 0; a < l; a++) {
            for (int b = 0; b < l; b++) {
                long dh = a / window - b / window + window - 1;
                long dw = a % window - b % window + window - 1;
                idx[a * l + b] = dh * (2L * window - 1) + dw;
            }
        }
        return idx;
    }

    /**
     * Loads a state dict (strict; see the class comment).
     *
     * @param trunkOnly set only the ViT/Swin trunk and skip the file's other keys
     * @param source    names the state dict in messages (a file path)
     */
    public static Loaded load(ComputationGraph graph, Map<String, INDArray> state, boolean trunkOnly, String source) {
        List<Binding> bindings = bindings(graph);
        Map<String, Binding> byKey = new LinkedHashMap<>();
        for (Binding b : bindings) {
            byKey.put(b.key(), b);
            if (b.alias() != null) {
                byKey.put(b.alias(), b);
            }
        }
        Map<String, INDArray> buffers = buffers(graph);
        List<String> problems = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<String, INDArray> toSet = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        Map<String, INDArray> table = graph.paramTable();
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            String fileKey = e.getKey();
            String key = fileKey.startsWith("module.") ? fileKey.substring("module.".length()) : fileKey;
            INDArray value = e.getValue();
            if (key.endsWith(".num_batches_tracked")) {
                skipped.add(fileKey);
                continue;
            }
            if (buffers.containsKey(key)) {
                INDArray expected = buffers.get(key);
                if (!Arrays.equals(expected.reshape(expected.length()).toLongVector(), value.castTo(DataType.LONG).reshape(value.length()).toLongVector())) {
                    problems.add("'" + fileKey + "' " + Arrays.toString(value.shape()) + " is not the relative position index of"
                            + " this graph's window size (" + Arrays.toString(expected.shape()) + " expected)");
                } else {
                    skipped.add(fileKey);
                }
                continue;
            }
            Binding b = byKey.get(key);
            if (b == null) {
                if (trunkOnly && !isTrunkVertex(key.substring(0, Math.max(0, key.lastIndexOf('.'))))) {
                    skipped.add(fileKey);
                } else {
                    problems.add("unused key '" + fileKey + "' " + Arrays.toString(value.shape()) + ": no graph parameter for it");
                }
                continue;
            }
            if (trunkOnly && !isTrunkVertex(b.vertex())) {
                skipped.add(fileKey);
                continue;
            }
            INDArray current = table.get(b.paramKey());
            INDArray converted;
            try {
                converted = convert(b, value, current);
            } catch (IllegalArgumentException ex) {
                problems.add("'" + fileKey + "' -> " + b.paramKey() + ": " + ex.getMessage());
                continue;
            }
            boolean vector = current.rank() <= 1 || current.length() == current.size(current.rank() - 1);
            boolean shapeOk = vector && converted.rank() <= 2 ? converted.length() == current.length()
                    : Arrays.equals(converted.shape(), current.shape());
            if (!shapeOk) {
                problems.add("shape mismatch for '" + fileKey + "' -> " + b.paramKey() + ": file " + Arrays.toString(value.shape())
                        + ", graph " + Arrays.toString(current.shape()) + (b.kind() == Kind.TRANSPOSE ? " (transposed: [in, out])" : ""));
                continue;
            }
            if (origin.containsKey(b.paramKey())) {
                problems.add("'" + fileKey + "' and '" + origin.get(b.paramKey()) + "' both set " + b.paramKey());
                continue;
            }
            toSet.put(b.paramKey(), converted.reshape(current.shape()).castTo(current.dataType()));
            origin.put(b.paramKey(), fileKey);
        }
        for (Binding b : bindings) {
            if (origin.containsKey(b.paramKey()) || (trunkOnly && !isTrunkVertex(b.vertex()))) {
                continue;
            }
            boolean reported = problems.stream().anyMatch(p -> p.contains("-> " + b.paramKey() + ":"));
            if (!reported) {
                problems.add("missing: graph parameter " + b.paramKey() + " " + Arrays.toString(table.get(b.paramKey()).shape())
                        + " has no key '" + b.key() + "'" + (b.alias() != null ? " (or '" + b.alias() + "')" : "") + " in the file");
            }
        }
        org.armfer.zoo.TorchWeights.refuseIfAny(source, problems);
        for (Map.Entry<String, INDArray> e : toSet.entrySet()) {
            table.get(e.getKey()).assign(e.getValue());
        }
        log.info("Loaded {} parameters from {} ({} keys skipped)", origin.size(), source, skipped.size());
        return new Loaded(origin, skipped);
    }

    private static INDArray convert(Binding b, INDArray value, INDArray current) {
        switch (b.kind()) {
            case TRANSPOSE:
                return value.rank() == 2 ? value.transpose().dup('c') : value;
            case LOG_STD:
                return Transforms.log(value.castTo(DataType.DOUBLE), 10.0, true).muli(0.5);
            case POSITION:
                if (value.rank() == 3 && current.rank() == 3 && value.size(2) == current.size(2) && value.size(1) != current.size(1)) {
                    INDArray p = interpolatePositionEmbedding(value, current.size(1));
                    log.info("Position embedding {} interpolated from {} to {} tokens (bicubic, as torchvision's"
                            + " interpolate_embeddings)", b.key(), value.size(1), current.size(1));
                    return p;
                }
                return value;
            default:
                return value;
        }
    }

    /**
     * torchvision's {@code interpolate_embeddings}: a position embedding {@code [1, 1 + s², D]} resized to
     * {@code [1, tokens, D]} (tokens = 1 + s'²): the class token's row kept, the s x s grid resized to s' x s' by
     * bicubic interpolation with {@code align_corners=True} (PyTorch's cubic convolution, A = -0.75, borders clamped).
     */
    public static INDArray interpolatePositionEmbedding(INDArray pos, long tokens) {
        if (pos.rank() != 3 || pos.size(0) != 1) {
            throw new IllegalArgumentException("position embedding must be [1, 1 + s², D], got " + Arrays.toString(pos.shape()));
        }
        int s = perfectSquare(pos.size(1) - 1, "position embedding of " + pos.size(1) + " tokens");
        int t = perfectSquare(tokens - 1, "position embedding of " + tokens + " tokens");
        long d = pos.size(2);
        INDArray p = pos.castTo(DataType.DOUBLE).reshape(1 + (long) s * s, d);
        INDArray grid = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 1 + (long) s * s),
                org.nd4j.linalg.indexing.NDArrayIndex.all());                           // [s·s, D]
        INDArray r = Nd4j.createFromArray(bicubicMatrix(s, t));                      // [t, s]
        // per channel: R · G · Rᵀ, with G [s, s]; as [D, s, s] -> [D·s, s]·Rᵀ -> [D, s, t] -> R · ...
        INDArray g = grid.transpose().dup('c').reshape(d, s, s);                     // [D, s(h), s(w)]
        INDArray alongW = g.reshape(d * s, s).mmul(r.transpose()).reshape(d, s, t); // [D, s(h), t(w)]
        INDArray alongH = alongW.permute(0, 2, 1).dup('c').reshape(d * t, s).mmul(r.transpose())
                .reshape(d, t, t).permute(0, 2, 1).dup('c');                        // [D, t(h), t(w)]
        INDArray out = Nd4j.create(DataType.DOUBLE, 1 + (long) t * t, d);
        out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all())
                .assign(p.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 1 + (long) t * t), org.nd4j.linalg.indexing.NDArrayIndex.all())
                .assign(alongH.reshape(d, (long) t * t).transpose());
        return out.reshape(1, 1 + (long) t * t, d).castTo(pos.dataType());
    }

    private static int perfectSquare(long n, String what) {
        long s = Math.round(Math.sqrt(n));
        if (s * s != n || n < 1) {
            throw new IllegalArgumentException(what + ": " + n + " patch tokens are not a square grid, cannot interpolate");
        }
        return (int) s;
    }

    /** PyTorch's bicubic resampling matrix {@code [out, in]} with align_corners=True (A = -0.75, clamped borders). */
    static double[][] bicubicMatrix(int in, int out) {
        double a = -0.75;
        double[][] m = new double[out][in];
        double scale = out > 1 ? (double) (in - 1) / (out - 1) : 0.0;
        for (int d = 0; d < out; d++) {
            double src = d * scale;
            int i0 = (int) Math.floor(src);
            double t = src - i0;
            double[] w = {
                    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                    ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a};
            for (int k = 0; k < 4; k++) {
                int idx = Math.min(Math.max(i0 - 1 + k, 0), in - 1);
                m[d][idx] += w[k];
            }
        }
        return m;
    }

    /** The graph's parameters as a PyTorch state dict in torchvision's key names (buffers included), {@link #load}'s inverse. */
    public static Map<String, INDArray> export(ComputationGraph graph) {
        Map<String, INDArray> out = export(graph, graph.paramTable());
        out.putAll(buffers(graph));
        return out;
    }

    /**
     * Arrays keyed like the graph's parameters ({@code vertex_param}: the parameters, or the gradients of
     * {@code graph.gradient().gradientForVariable()}) under torchvision's key names, in PyTorch's layouts.
     */
    public static Map<String, INDArray> export(ComputationGraph graph, Map<String, INDArray> values) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Binding b : bindings(graph)) {
            INDArray v = values.get(b.paramKey());
            if (v == null) {
                continue;
            }
            INDArray t = v.dup('c');
            switch (b.kind()) {
                case TRANSPOSE:
                    t = t.rank() == 2 ? t.transpose().dup('c') : t;
                    break;
                case LOG_STD:
                    INDArray std = Transforms.pow(Nd4j.valueArrayOf(t.shape(), 10.0, t.dataType()), t, false);
                    t = std.muli(std);
                    break;
                default:
                    break;
            }
            // DL4J's own layers keep vectors as [1, C]; PyTorch as [C] (the transformer layers already use PyTorch's shapes)
            boolean dl4jLayer = !(layerOf(graph.getConfiguration().getVertices().get(b.vertex())) instanceof TokenLayer);
            if (dl4jLayer && t.rank() == 2 && t.size(0) == 1) {
                t = t.reshape(t.length());
            }
            out.put(b.key(), t);
        }
        return out;
    }
}
