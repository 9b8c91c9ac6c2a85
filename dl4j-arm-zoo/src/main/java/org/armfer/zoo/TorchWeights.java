package org.armfer.zoo;

import org.armfer.layers.DeAlbino;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a PyTorch state dict into an armfer ResNet graph ({@link ResNet18}, {@link ResNet18Arm}, any
 * {@link FerResNet}: BasicBlock and Bottleneck depths, whose {@code layer1.0.conv3}, {@code layer1.0.bn3} ... are
 * torchvision's names too), DeSpaM's network ({@link DeSpaMNet}, named after its reference's modules; depthwise weights
 * are permuted from PyTorch's {@code [C, 1, k, k]}) or any graph whose vertex names follow the PyTorch module names.
 * The file is what {@code torch.save(model.state_dict(), path)} writes ({@code .pth}/{@code .pt}, read by
 * {@link TorchPth} without Python; a training checkpoint's {@code model_state_dict}, as the ARM reference's
 * {@code train_raf-db.py} saves it, or its {@code state_dict} too) or a {@code .npz} with one array per key, e.g.
 * converted with
 * <pre>
 * import torch, numpy as np
 * ckpt = torch.load("epoch70_acc0.9055.pth", map_location="cpu")
 * sd = ckpt.get("model_state_dict", ckpt.get("state_dict", ckpt))
 * np.savez("arm-reference.npz", **{k: v.numpy() for k, v in sd.items()})
 * </pre>
 * {@link WeightCache} fetches the registered {@link PretrainedWeights} and checks their SHA-256.
 * Two key sets are understood, and detected per key: torchvision's ({@code conv1.weight}, {@code bn1.running_mean},
 * {@code layer1.0.conv1.weight}, {@code layer2.0.downsample.0.weight}, {@code fc.weight}, ...) and the ARM reference
 * checkpoint's ({@code features.0.weight} = conv1, {@code features.1.*} = bn1, {@code features.4..7.*} = layer1..4,
 * {@code arm.de_albino.weight}, {@code arm.bn.*}, {@code arm.alpha}, {@code fc.*}). A {@code module.} prefix
 * (DataParallel) is dropped; {@code num_batches_tracked} is ignored.
 * <p>
 * Strict: every graph parameter is set exactly once, every file entry is used; a missing key, an unused key or a
 * shape mismatch fails with the key and both shapes, and nothing is changed in the graph. Layouts: convolution
 * weights are OIHW in both; dense weights are transposed ({@code [out, in]} -> {@code [in, out]}); BatchNorm's
 * running variance is stored as is, or as {@code log10(sqrt(var))} for a DL4J BatchNormalization with
 * {@code useLogStd}.
 * <p>
 * Class order: the ARM reference trains on RAF-DB with its labels minus one as class indices, so its {@code fc} rows are
 * in RAF-DB's order (surprise, fear, disgust, happiness, sadness, anger, neutral), not armfer's canonical one (neutral,
 * happiness, sadness, surprise, fear, disgust, anger). {@link ClassOrder#AUTO} (the default) recognises the reference's
 * key set ({@code features.*} and {@code arm.*}) and reorders the rows to canonical on import
 * ({@link #REFERENCE_RAF_TO_CANONICAL}); {@link ClassOrder#REFERENCE_RAF} and {@link ClassOrder#CANONICAL} say it
 * explicitly. A torchvision key set ({@code conv1.*}, ...) keeps its rows as they are.
 * <p>
 * The ARM reference has no running GAR (it takes GAR from each batch, at test time too). After a plain {@link #load},
 * SA's running GAR keeps its initial value 0, so in armfer's default {@code GarMode.RUNNING} SA adds nothing to the
 * representation and the predictions are not the reference's. {@link #loadReference} makes the choice explicit:
 * {@link GarAfterImport#BATCH} switches SA to {@code GarMode.BATCH}, the reference's behaviour (a prediction then
 * depends on the other images in its batch), and {@link GarAfterImport#CALIBRATE} computes the running GAR over
 * training images ({@link org.armfer.layers.GarCalibration}), after which predictions are batch-independent.
 */
public final class TorchWeights {

    private static final Logger log = LoggerFactory.getLogger(TorchWeights.class);

    /** What to take from the file. */
    public enum Scope {
        /** Everything: backbone, ARM, classifier. */
        ALL,
        /**
         * The backbone only (the common case: ImageNet-pretrained torchvision weights into ResNet18Arm with a new
         * classifier): torchvision's trunk {@code conv1}, {@code bn1}, {@code layer1-4.*}, every one of them required.
         * Other file keys (the classifier {@code fc.*}, ARM {@code arm.*}, the other FER blocks {@code dsm*},
         * {@code rarn*}, {@code resizer.*}) are skipped, and the graph's parameters outside the trunk keep their
         * initialisation.
         */
        BACKBONE
    }

    private static final Pattern ARM_FEATURES = Pattern.compile("^features\\.(\\d+)\\.(.*)$");

    /** The order of the classifier's rows in a state dict. */
    public enum ClassOrder {
        /**
         * {@link #REFERENCE_RAF} for the ARM reference's key set ({@code features.*} and {@code arm.*}) with a 7-class
         * classifier (the reference trains RAF-DB's 7), else {@link #CANONICAL}.
         */
        AUTO,
        /** armfer's canonical order (neutral, happiness, sadness, surprise, fear, disgust, anger, contempt): rows kept. */
        CANONICAL,
        /**
         * The ARM reference's RAF-DB order, RAF-DB's labels 1..7 minus 1: surprise, fear, disgust, happiness, sadness,
         * anger, neutral; reordered to canonical on import (7 classes only).
         */
        REFERENCE_RAF
    }

    /** SA's GAR after importing a reference checkpoint (which has none). */
    public enum GarAfterImport {
        /** {@code GarMode.BATCH}: GAR from each batch, as the reference computes it; predictions depend on the batch. */
        BATCH,
        /** The running GAR computed over training images ({@code GarCalibration}); batch-independent predictions. */
        CALIBRATE
    }

    /**
     * For each row {@code r} of the reference's classifier (RAF-DB label {@code r + 1}), its canonical class:
     * surprise 3, fear 4, disgust 5, happiness 1, sadness 2, anger 6, neutral 0.
     */
    public static final int[] REFERENCE_RAF_TO_CANONICAL = {3, 4, 5, 1, 2, 6, 0};

    /** Whether {@code keys} are the ARM reference checkpoint's ({@code features.*} and {@code arm.*}, DataParallel's {@code module.} aside). */
    public static boolean isReferenceCheckpoint(java.util.Collection<String> keys) {
        boolean features = false, arm = false;
        for (String key : keys) {
            String k = key.startsWith("module.") ? key.substring("module.".length()) : key;
            features |= k.startsWith("features.");
            arm |= k.startsWith("arm.");
        }
        return features && arm;
    }

    /**
     * Loads an ARM reference checkpoint (every parameter, {@link Scope#ALL}) into {@code graph} with the given class
     * order, then sets SA's GAR as asked: {@link GarAfterImport#BATCH} switches every SharingAffinity layer to
     * {@code GarMode.BATCH}; {@link GarAfterImport#CALIBRATE} keeps {@code GarMode.RUNNING} and calibrates the running
     * GAR over {@code calibration} (training images, never the test set; reset before and after).
     *
     * @throws IllegalArgumentException as {@link #load}, or when CALIBRATE has no data or the graph has no SA layer
     */
    public static Report loadReference(ComputationGraph graph, Path file, ClassOrder order, GarAfterImport gar,
                                       org.nd4j.linalg.dataset.api.iterator.DataSetIterator calibration) throws IOException {
        if (gar == GarAfterImport.CALIBRATE && calibration == null) {
            throw new IllegalArgumentException("GAR calibration needs training images to calibrate over (got none)");
        }
        Report r = load(graph, readStateDict(file), Scope.ALL, order, file.toString());
        List<String> sa = org.armfer.layers.GarCalibration.sharingAffinityVertices(graph);
        if (sa.isEmpty()) {
            throw new IllegalArgumentException("The graph has no SharingAffinity layer: not an ARM model for " + file);
        }
        for (String v : sa) {
            ((SharingAffinity) graph.getLayer(v).conf().getLayer()).setGarMode(gar == GarAfterImport.BATCH
                    ? org.armfer.layers.GarMode.BATCH : org.armfer.layers.GarMode.RUNNING);
        }
        if (gar == GarAfterImport.CALIBRATE) {
            org.armfer.layers.GarCalibration.calibrate(graph, calibration);
        }
        log.info("SA after importing {}: {}", file, gar == GarAfterImport.BATCH
                ? "GarMode.BATCH (the reference's behaviour: each prediction depends on the other images in its batch)"
                : "running GAR calibrated over the given images (GarMode.RUNNING: batch-independent predictions)");
        return r;
    }

    private TorchWeights() {
    }

    /** Loads every parameter (strict) from a {@code .npz}, {@code .pth} or {@code .pt} state dict. */
    public static Report load(ComputationGraph graph, Path file) throws IOException {
        return load(graph, file, Scope.ALL);
    }

    /** Loads the backbone only, e.g. ImageNet torchvision weights into ResNet18Arm (strict for the backbone). */
    public static Report loadBackbone(ComputationGraph graph, Path file) throws IOException {
        return load(graph, file, Scope.BACKBONE);
    }

    /** Loads from a {@code .npz}, {@code .pth} or {@code .pt} file ({@link #readStateDict}). */
    public static Report load(ComputationGraph graph, Path file, Scope scope) throws IOException {
        return load(graph, file, scope, ClassOrder.AUTO);
    }

    /** Loads {@code scope} with the classifier rows in {@code order} (reordered to canonical; see {@link ClassOrder}). */
    public static Report load(ComputationGraph graph, Path file, Scope scope, ClassOrder order) throws IOException {
        return load(graph, readStateDict(file), scope, order, file.toString());
    }

    /**
     * A state dict from a file, by its content: a PyTorch {@code torch.save} file ({@code .pth}/{@code .pt}, zip or
     * legacy format; the state dict of a checkpoint too, see {@link TorchPth#readStateDict(Path)}) or a NumPy
     * {@code .npz} with one array per key.
     */
    public static Map<String, INDArray> readStateDict(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IOException("No such weights file: " + file + " (a state dict as .npz, .pth or .pt)");
        }
        return TorchPth.isTorchFile(file) ? TorchPth.readStateDict(file) : Npz.read(file);
    }

    /** The number of NaN and infinite elements of {@code a} (0 for an integer array). */
    static long nonFinite(INDArray a) {
        if (!a.dataType().isFPType() || a.isEmpty()) {
            return 0;
        }
        return a.isNaN().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue()
                + a.isInfinite().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
    }

    /** The problem a file's array {@code key} is when it holds NaN or infinite values, or null when it does not. */
    static String nonFiniteProblem(String key, INDArray value) {
        long n = nonFinite(value);
        return n == 0 ? null : "'" + key + "' holds " + n + " NaN or infinite value" + (n == 1 ? "" : "s") + " (of "
                + value.length() + "); weights must be finite numbers";
    }

    /**
     * The strict loaders' refusal: an IllegalArgumentException listing every problem, when there is one, before
     * anything in the graph was changed.
     */
    public static void refuseIfAny(String source, List<String> problems) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Cannot load " + source + " into the graph (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "; nothing was changed):\n  " + String.join("\n  ", problems));
        }
    }

    /** Loads from arrays already read, keyed as in a PyTorch state dict; {@code source} names them in messages. */
    public static Report load(ComputationGraph graph, Map<String, INDArray> state, Scope scope, String source) {
        return load(graph, state, scope, ClassOrder.AUTO, source);
    }

    /** As {@link #load(ComputationGraph, Map, Scope, String)}, with the classifier rows in {@code order}. */
    public static Report load(ComputationGraph graph, Map<String, INDArray> state, Scope scope, ClassOrder order,
                              String source) {
        if (org.armfer.zoo.transformer.TransformerWeights.handles(graph)) {
            // ViT / Swin graphs: torchvision's transformer keys (BACKBONE = the transformer trunk); non-finite weights
            // are refused here as for the other models, before anything is changed
            List<String> bad = new ArrayList<>();
            for (Map.Entry<String, INDArray> e : state.entrySet()) {
                String problem = nonFiniteProblem(e.getKey(), e.getValue());
                if (problem != null) {
                    bad.add(problem);
                }
            }
            refuseIfAny(source, bad);
            org.armfer.zoo.transformer.TransformerWeights.Loaded t =
                    org.armfer.zoo.transformer.TransformerWeights.load(graph, state, scope == Scope.BACKBONE, source);
            return new Report(t.loaded(), t.skipped(), List.of(), scope == Scope.ALL ? ClassOrder.CANONICAL : null);
        }
        ClassOrder resolved = order == ClassOrder.AUTO
                ? (isReferenceCheckpoint(state.keySet()) && classifierRows(state) == REFERENCE_RAF_TO_CANONICAL.length
                ? ClassOrder.REFERENCE_RAF : ClassOrder.CANONICAL) : order;
        if (resolved == ClassOrder.REFERENCE_RAF && scope == Scope.ALL) {
            state = toCanonicalOrder(state, source);
        }
        List<String> problems = new ArrayList<>();
        Map<String, INDArray> toSet = new LinkedHashMap<>();   // "vertex_param" -> value in DL4J layout
        Map<String, String> origin = new LinkedHashMap<>();    // "vertex_param" -> file key
        List<String> skipped = new ArrayList<>();
        Set<String> claimed = new LinkedHashSet<>();           // graph parameters some file key aimed at
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            String key = e.getKey();
            String name = canonical(key);
            if (name.endsWith(".num_batches_tracked")) {
                skipped.add(key);
                continue;
            }
            int dot = name.lastIndexOf('.');
            if (scope == Scope.BACKBONE && (dot < 0 || !isBackbone(name.substring(0, dot)))) {
                skipped.add(key);
                continue;
            }
            if (dot < 0) {
                problems.add("unused key '" + key + "': no graph vertex for it");
                continue;
            }
            String vertex = name.substring(0, dot);
            String torchParam = name.substring(dot + 1);
            GraphVertex gv = graph.getConfiguration().getVertices().get(vertex);
            if (!(gv instanceof LayerVertex)) {
                problems.add("unused key '" + key + "': the graph has no layer vertex '" + vertex + "'");
                continue;
            }
            Layer layer = ((LayerVertex) gv).getLayerConf().getLayer();
            Target t = target(layer, torchParam, e.getValue());
            if (t == null) {
                problems.add("unused key '" + key + "': a " + layer.getClass().getSimpleName() + " has no parameter for '"
                        + torchParam + "'");
                continue;
            }
            String paramKey = vertex + "_" + t.param;
            INDArray current = graph.paramTable().get(paramKey);
            if (current == null) {
                problems.add("unused key '" + key + "': vertex '" + vertex + "' has no parameter '" + t.param + "'"
                        + (layer instanceof SharingAffinity ? " (its λ is fixed; build SA with learnableLambda(true))" : ""));
                continue;
            }
            claimed.add(paramKey);
            if (current.length() != t.value.length() || !sameShape(current.shape(), t.expectedShape(current.shape()))) {
                problems.add("shape mismatch for '" + key + "' -> " + paramKey + ": file " + Arrays.toString(e.getValue().shape())
                        + ", graph " + Arrays.toString(current.shape()));
                continue;
            }
            if (origin.containsKey(paramKey)) {
                problems.add("'" + key + "' and '" + origin.get(paramKey) + "' both set " + paramKey);
                continue;
            }
            String nonFinite = nonFiniteProblem(key, t.value);
            if (nonFinite != null) {
                problems.add(nonFinite);
                continue;
            }
            toSet.put(paramKey, t.value.reshape(current.shape()).castTo(current.dataType()));
            origin.put(paramKey, key);
        }
        List<String> notInFile = new ArrayList<>();
        for (String paramKey : graph.paramTable().keySet()) {
            if (claimed.contains(paramKey)) {
                continue; // already reported with its shape mismatch
            }
            String vertex = paramKey.substring(0, paramKey.lastIndexOf('_'));
            if (scope == Scope.BACKBONE && !isBackbone(vertex)) {
                // the head (ARM, fc) and the other FER blocks (dsm*, rarn*, resizer.*) keep their initialisation
                continue;
            }
            if (paramKey.endsWith("_" + SharingAffinity.RUNNING_GAR)) {
                notInFile.add(paramKey);
                continue;
            }
            problems.add("missing: graph parameter " + paramKey + " " + Arrays.toString(graph.paramTable().get(paramKey).shape())
                    + " has no key in the file");
        }
        refuseIfAny(source, problems);
        for (Map.Entry<String, INDArray> e : toSet.entrySet()) {
            graph.paramTable().get(e.getKey()).assign(e.getValue());
        }
        Report r = new Report(origin, skipped, notInFile, scope == Scope.ALL ? resolved : null);
        log.info("Loaded {} parameters from {} ({} keys skipped{}{})", origin.size(), source, skipped.size(),
                scope == Scope.ALL && resolved == ClassOrder.REFERENCE_RAF
                        ? "; classifier rows reordered from the reference's RAF-DB order to canonical" : "",
                notInFile.isEmpty() ? "" : "; not in the file, left at its initial value: " + notInFile
                        + " (SA then adds nothing in GarMode.RUNNING: set GarMode.BATCH for the reference's batch-dependent"
                        + " behaviour, or GarCalibration.calibrate over training images for batch-independent predictions;"
                        + " TorchWeights.loadReference does either)");
        return r;
    }

    /** Rows of the state dict's classifier ({@code fc.weight}), -1 without one. */
    private static long classifierRows(Map<String, INDArray> state) {
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            if (canonical(e.getKey()).equals("fc.weight")) {
                return e.getValue().size(0);
            }
        }
        return -1;
    }

    /** {@code state} with {@code fc.weight} rows and {@code fc.bias} entries moved from the reference's order to canonical. */
    private static Map<String, INDArray> toCanonicalOrder(Map<String, INDArray> state, String source) {
        Map<String, INDArray> out = new LinkedHashMap<>(state);
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            String name = canonical(e.getKey());
            if (!name.equals("fc.weight") && !name.equals("fc.bias")) {
                continue;
            }
            INDArray v = e.getValue();
            if (v.size(0) != REFERENCE_RAF_TO_CANONICAL.length) {
                throw new IllegalArgumentException(source + ": '" + e.getKey() + "' has " + v.size(0) + " classes; the"
                        + " reference's RAF-DB order has 7 (use ClassOrder.CANONICAL for a checkpoint in canonical order)");
            }
            INDArray moved = v.dup('c');
            for (int r = 0; r < REFERENCE_RAF_TO_CANONICAL.length; r++) {
                int c = REFERENCE_RAF_TO_CANONICAL[r];
                if (v.rank() == 1) {
                    moved.putScalar(c, v.getDouble(r));
                } else {
                    moved.putRow(c, v.getRow(r));
                }
            }
            out.put(e.getKey(), moved);
        }
        return out;
    }

    /** Whether a vertex is part of torchvision's ResNet trunk: conv1, bn1, layer1-4 (what a backbone load sets). */
    static boolean isBackbone(String vertex) {
        return vertex.equals("conv1") || vertex.equals("bn1") || vertex.matches("layer[1-4]\\..*");
    }

    /**
     * The graph's parameters as a PyTorch state dict in torchvision's key set ({@code conv1.weight},
     * {@code bn1.running_var}, {@code fc.weight} as {@code [out, in]}, {@code arm.da.weight}, {@code arm.sa.alpha},
     * {@code arm.sa.running_gar}), the inverse of {@link #load}; write it with {@link Npz#write} and load it in Python
     * with {@code model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(f).items()}, strict=False)}.
     * The other FER blocks export under their vertex names in the same way (convolutions {@code weight}/{@code bias},
     * BatchNorms {@code weight}, {@code bias}, {@code running_mean}, {@code running_var}), e.g.
     * {@code dsm2.conv1_rep.conv_kxk.weight}, {@code rarn1.spatial_bn.running_var}, {@code rarn.fusion.lateral0.bias},
     * {@code resizer.res0.conv1.weight}; inside a DSM the names are the DeSpaM reference's ({@code conv1_rep.conv_kxk},
     * {@code conv1_rep.bn_1x1}, {@code conv2}), so a reference {@code GatedSpatialAttention}'s keys map by replacing their
     * module prefix with {@code dsm<stage>}. {@link #load} reads all of them back.
     */
    public static Map<String, INDArray> export(ComputationGraph graph) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            String paramKey = e.getKey();
            int us = paramKey.lastIndexOf('_');
            String vertex = paramKey.substring(0, us);
            String param = paramKey.substring(us + 1);
            Layer layer = ((LayerVertex) graph.getConfiguration().getVertices().get(vertex)).getLayerConf().getLayer();
            INDArray v = e.getValue().dup('c');
            String torch;
            if (layer instanceof BatchNormalization) {
                switch (param) {
                    case BatchNormalizationParamInitializer.GAMMA: torch = "weight"; break;
                    case BatchNormalizationParamInitializer.BETA: torch = "bias"; break;
                    case BatchNormalizationParamInitializer.GLOBAL_MEAN: torch = "running_mean"; break;
                    case BatchNormalizationParamInitializer.GLOBAL_VAR: torch = "running_var"; break;
                    case BatchNormalizationParamInitializer.GLOBAL_LOG_STD:
                        torch = "running_var";
                        // DL4J: var = (10^log10std)^2
                        INDArray std = Transforms.pow(org.nd4j.linalg.factory.Nd4j.valueArrayOf(v.shape(), 10.0, v.dataType()), v, false);
                        v = std.muli(std);
                        break;
                    default: throw new IllegalStateException("Unknown BatchNormalization parameter " + paramKey);
                }
                v = v.reshape(v.length());
            } else if (layer instanceof SharingAffinity) {
                torch = SharingAffinity.LAMBDA.equals(param) ? "alpha" : "running_gar";
                if (SharingAffinity.LAMBDA.equals(param)) {
                    v = v.reshape(1);
                }
            } else if (DefaultParamInitializer.WEIGHT_KEY.equals(param)) {
                torch = "weight";
                if (layer instanceof DepthwiseConvolution2D) {
                    v = v.permute(2, 3, 0, 1).dup('c'); // [k, k, C, 1] -> PyTorch's [C, 1, k, k]
                } else if (layer instanceof FeedForwardLayer && v.rank() == 2) {
                    v = v.transpose().dup('c');
                }
            } else if (DefaultParamInitializer.BIAS_KEY.equals(param)) {
                torch = "bias";
                v = v.reshape(v.length());
            } else {
                throw new IllegalStateException("No PyTorch name for parameter " + paramKey + " of a " + layer.getClass().getSimpleName());
            }
            out.put(vertex + "." + torch, v);
        }
        return out;
    }

    /** The torchvision-style name of a key: {@code module.} dropped, ARM reference names translated. */
    static String canonical(String key) {
        String k = key.startsWith("module.") ? key.substring("module.".length()) : key;
        Matcher m = ARM_FEATURES.matcher(k);
        if (m.matches()) {
            int idx = Integer.parseInt(m.group(1));
            String rest = m.group(2);
            switch (idx) {
                case 0: return "conv1." + rest;
                case 1: return "bn1." + rest;
                case 4: case 5: case 6: case 7: return "layer" + (idx - 3) + "." + rest;
                default: return k; // features.2 (relu) and .3 (maxpool) have no parameters: reported as unused
            }
        }
        if (k.startsWith("arm.de_albino.")) {
            return "arm.da." + k.substring("arm.de_albino.".length());
        }
        if (k.equals("arm.alpha")) {
            return "arm.sa.alpha";
        }
        return k;
    }

    /** A DL4J parameter for a torch parameter of a layer, with the value in DL4J's layout; null when none. */
    private static Target target(Layer layer, String torchParam, INDArray v) {
        if (layer instanceof BatchNormalization) {
            BatchNormalization bn = (BatchNormalization) layer;
            switch (torchParam) {
                case "weight": return new Target(BatchNormalizationParamInitializer.GAMMA, v, false);
                case "bias": return new Target(BatchNormalizationParamInitializer.BETA, v, false);
                case "running_mean": return new Target(BatchNormalizationParamInitializer.GLOBAL_MEAN, v, false);
                case "running_var":
                    if (bn.isUseLogStd()) {
                        // DL4J: var = (10^log10std)^2
                        INDArray log10std = Transforms.log(v.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), 10.0, true).muli(0.5);
                        return new Target(BatchNormalizationParamInitializer.GLOBAL_LOG_STD, log10std, false);
                    }
                    return new Target(BatchNormalizationParamInitializer.GLOBAL_VAR, v, false);
                default: return null;
            }
        }
        if (layer instanceof DepthwiseConvolution2D && "weight".equals(torchParam)) {
            // PyTorch's depthwise Conv2d(groups = C): [C, 1, k, k]; DL4J's DepthwiseConvolution2D: [k, k, C, 1]
            return new Target(DefaultParamInitializer.WEIGHT_KEY, v.rank() == 4 ? v.permute(2, 3, 0, 1).dup('c') : v, true);
        }
        if (layer instanceof ConvolutionLayer || layer instanceof DeAlbino) {
            switch (torchParam) {
                case "weight": return new Target(DefaultParamInitializer.WEIGHT_KEY, v, true);
                case "bias": return new Target(DefaultParamInitializer.BIAS_KEY, v, false);
                default: return null;
            }
        }
        if (layer instanceof SharingAffinity) {
            switch (torchParam) {
                case "alpha": return new Target(SharingAffinity.LAMBDA, v, false);
                case "running_gar": return new Target(SharingAffinity.RUNNING_GAR, v, true);
                default: return null;
            }
        }
        if (layer instanceof FeedForwardLayer) {
            switch (torchParam) {
                case "weight":
                    if (v.rank() != 2) {
                        return new Target(DefaultParamInitializer.WEIGHT_KEY, v, true);
                    }
                    // torch Linear: [out, in]; DL4J dense: [in, out]
                    return new Target(DefaultParamInitializer.WEIGHT_KEY, v.transpose().dup('c'), true);
                case "bias": return new Target(DefaultParamInitializer.BIAS_KEY, v, false);
                default: return null;
            }
        }
        return null;
    }

    private static boolean sameShape(long[] a, long[] b) {
        return Arrays.equals(a, b);
    }

    /** A parameter destination. Full-rank parameters must match exactly; vectors may be [C] or [1, C]. */
    private static final class Target {
        final String param;
        final INDArray value;
        final boolean exactShape;

        Target(String param, INDArray value, boolean exactShape) {
            this.param = param;
            this.value = value;
            this.exactShape = exactShape;
        }

        long[] expectedShape(long[] graphShape) {
            return exactShape ? value.shape() : graphShape;
        }
    }

    /** What a load did: which file key set which graph parameter, what was skipped, what the file lacked. */
    public static final class Report {
        private final Map<String, String> loaded;
        private final List<String> skipped;
        private final List<String> notInFile;
        private final ClassOrder classOrder;

        Report(Map<String, String> loaded, List<String> skipped, List<String> notInFile, ClassOrder classOrder) {
            this.loaded = loaded;
            this.skipped = skipped;
            this.notInFile = notInFile;
            this.classOrder = classOrder;
        }

        /**
         * The order the file's classifier rows were read in (CANONICAL or REFERENCE_RAF, AUTO resolved); null when the
         * classifier was not loaded (a backbone load).
         */
        public ClassOrder classOrder() {
            return classOrder;
        }

        /** Graph parameter ("vertex_param") -> file key, in file order. */
        public Map<String, String> loaded() {
            return loaded;
        }

        /** File keys deliberately not used (num_batches_tracked, or the head in a backbone load). */
        public List<String> skipped() {
            return skipped;
        }

        /** Graph parameters the file could not provide and that may stay as they are (SA's running GAR). */
        public List<String> notInFile() {
            return notInFile;
        }

        /** Distinct vertices that received weights. */
        public Set<String> vertices() {
            Set<String> v = new LinkedHashSet<>();
            for (String k : loaded.keySet()) {
                v.add(k.substring(0, k.lastIndexOf('_')));
            }
            return v;
        }
    }
}
