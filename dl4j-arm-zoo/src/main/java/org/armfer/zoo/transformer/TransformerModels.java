package org.armfer.zoo.transformer;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The transformer models by name, for a model registry: each with a one-line description and a factory
 * {@code (numClasses, inputSize) -> ComputationGraph}. For the plain transformers inputSize is the transformer's input
 * side; for the {@code -nr} pipelines it is the dataset's native side (FER+ 48, RAF-DB 100), which the pipeline
 * super-resolves and resizes to the transformer's 224.
 * <table>
 *   <caption>Names</caption>
 *   <tr><th>name</th><th>what it is</th></tr>
 *   <tr><td>vit-ti16, vit-s16, vit-b16</td><td>ViT /16 (DeiT-Ti, DeiT-S widths; B/16 = torchvision's vit_b_16)</td></tr>
 *   <tr><td>swin-t, swin-s, swin-b</td><td>torchvision's swin_t, swin_s, swin_b</td></tr>
 *   <tr><td>vit-b16-nr, swin-t-nr, swin-s-nr, swin-b-nr</td><td>learned super-resolution, learnable resizer to 224, the
 *       transformer, the reference's MLP head, F-PDLS</td></tr>
 *   <tr><td>swin-b-nr-stn</td><td>the same with the spatial transformer: the paper's best model</td></tr>
 * </table>
 */
public final class TransformerModels {

    /** One model: its description and how to build it. */
    public record Entry(String name, String description, BiFunction<Integer, Integer, TransformerZooModel> model) {

        /** The zoo model (not yet initialised): its configuration, {@code graphBuilder()}, metadata. */
        public TransformerZooModel model(int numClasses, int inputSize) {
            return model.apply(numClasses, inputSize);
        }

        /** A fresh, initialised graph. */
        public ComputationGraph init(int numClasses, int inputSize) {
            return model(numClasses, inputSize).init();
        }

        /** The factory {@code (numClasses, inputSize) -> ComputationGraph} a model registry holds. */
        public BiFunction<Integer, Integer, ComputationGraph> factory() {
            return this::init;
        }
    }

    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    private static void add(String name, String description, BiFunction<Integer, Integer, TransformerZooModel> model) {
        MODELS.put(name, new Entry(name, description, model));
    }

    private static void vit(ViTConfig c, String description) {
        add(c.name(), description, (k, s) -> VisionTransformer.builder().config(c).numClasses(k).inputSize(s).build());
    }

    private static void swin(SwinConfig c, String description) {
        add(c.name(), description, (k, s) -> SwinTransformer.builder().config(c).numClasses(k).inputSize(s).build());
    }

    private static void nr(TransformerBackbone b, boolean stn, String description) {
        add(b.name() + "-nr" + (stn ? "-stn" : ""), description, (k, s) -> NeuralResizerTransformer.builder().backbone(b)
                .spatialTransformer(stn).numClasses(k).inputSize(s).build());
    }

    static {
        vit(ViTConfig.TI16, "ViT-Ti/16 (D 192, 12 blocks, 3 heads; DeiT-Ti's widths), torchvision's ViT architecture");
        vit(ViTConfig.S16, "ViT-S/16 (D 384, 12 blocks, 6 heads; DeiT-S's widths), torchvision's ViT architecture");
        vit(ViTConfig.B16, "ViT-B/16, torchvision's vit_b_16 (86M parameters at 224)");
        swin(SwinConfig.T, "Swin-T, torchvision's swin_t (C 96, stages 2-2-6-2, 28M parameters)");
        swin(SwinConfig.S, "Swin-S, torchvision's swin_s (C 96, stages 2-2-18-2, 50M parameters)");
        swin(SwinConfig.B, "Swin-B, torchvision's swin_b (C 128, stages 2-2-18-2, 88M parameters)");
        nr(ViTConfig.B16, false, "ViT-B/16 behind the neural resizer (learned super-resolution, learnable resizer to 224),"
                + " the reference's MLP head, F-PDLS (Hwang et al.)");
        nr(SwinConfig.T, false, "Swin-T behind the neural resizer, MLP head, F-PDLS");
        nr(SwinConfig.S, false, "Swin-S behind the neural resizer, MLP head, F-PDLS (the paper's Table 2, row d)");
        nr(SwinConfig.B, false, "Swin-B behind the neural resizer, MLP head, F-PDLS");
        nr(SwinConfig.B, true, "Swin-B behind a spatial transformer and the neural resizer, MLP head, F-PDLS: the paper's"
                + " best model (Table 2, row e)");
    }

    private TransformerModels() {
    }

    /** The names, in a stable order (the table above). */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** The entry for a name (case-insensitive); IllegalArgumentException listing the names for an unknown one. */
    public static Entry entry(String name) {
        Entry e = name == null ? null : MODELS.get(name.strip().toLowerCase(Locale.ROOT));
        if (e == null) {
            throw new IllegalArgumentException("Unknown transformer model '" + name + "'; allowed: " + String.join(", ", MODELS.keySet()));
        }
        return e;
    }

    public static String describe(String name) {
        return entry(name).description();
    }

    /** A fresh, initialised graph of the named model. */
    public static ComputationGraph init(String name, int numClasses, int inputSize) {
        return entry(name).init(numClasses, inputSize);
    }
}
