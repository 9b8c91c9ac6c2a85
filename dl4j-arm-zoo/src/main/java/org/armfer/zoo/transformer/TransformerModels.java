package org.armfer.zoo.transformer;

import org.armfer.zoo.FerModels;
import org.armfer.zoo.ModelEntry;
import org.armfer.zoo.ReferenceRecipes;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The transformer models' registry entries: {@link FerModels} registers them with its own, so that
 * {@code FerModels.builder("vit-b16")}, {@code FerModels.init("swin-t", 7, 224)} and {@code armfer train --model
 * swin-b-nr} know them; this class only builds the entries. For the plain transformers the input size is the
 * transformer's input side; for the {@code -nr} pipelines it is the dataset's native side (FER+ 48, RAF-DB 100), which
 * the pipeline super-resolves and resizes to the transformer's input (224, the ImageNet weights' size).
 * <table>
 *   <caption>Names</caption>
 *   <tr><th>name</th><th>what it is</th><th>default input</th></tr>
 *   <tr><td>vit-ti16, vit-s16, vit-b16</td><td>ViT /16 (DeiT-Ti, DeiT-S widths; B/16 = torchvision's vit_b_16)</td>
 *       <td>224 (any multiple of 16)</td></tr>
 *   <tr><td>swin-t, swin-s, swin-b</td><td>torchvision's swin_t, swin_s, swin_b</td><td>224 (any side >= 4)</td></tr>
 *   <tr><td>vit-b16-nr, swin-t-nr, swin-s-nr, swin-b-nr</td><td>learned super-resolution, learnable resizer to 224, the
 *       transformer, the reference's MLP head, F-PDLS</td><td>48 (FER+)</td></tr>
 *   <tr><td>swin-b-nr-stn</td><td>the same with the spatial transformer: the paper's best model</td><td>48</td></tr>
 *   <tr><td>vit-ti16-nr64</td><td>ViT-Ti/16 at 64x64 behind the neural resizer (48 -> x2 -> 96 -> 64): the pipeline
 *       small enough for two cores and for tests</td><td>48</td></tr>
 * </table>
 * The {@code -nr} entries name the reference's recipe ({@link ReferenceRecipes#VT_NR_FERPLUS}).
 */
public final class TransformerModels {

    /** The smallest native side the pipelines take (armfer-train's smallest input). */
    public static final int NR_MIN_INPUT = 8;

    private TransformerModels() {
    }

    /** The entries, in the order of the table above. */
    public static List<ModelEntry> entries() {
        List<ModelEntry> out = new ArrayList<>();
        out.add(vit(ViTConfig.TI16, "ViT-Ti/16 (D 192, 12 blocks, 3 heads; DeiT-Ti's widths), torchvision's ViT architecture"));
        out.add(vit(ViTConfig.S16, "ViT-S/16 (D 384, 12 blocks, 6 heads; DeiT-S's widths), torchvision's ViT architecture"));
        out.add(vit(ViTConfig.B16, "ViT-B/16, torchvision's vit_b_16 (86M parameters at 224)"));
        out.add(swin(SwinConfig.T, "Swin-T, torchvision's swin_t (C 96, stages 2-2-6-2, 28M parameters)"));
        out.add(swin(SwinConfig.S, "Swin-S, torchvision's swin_s (C 96, stages 2-2-18-2, 50M parameters)"));
        out.add(swin(SwinConfig.B, "Swin-B, torchvision's swin_b (C 128, stages 2-2-18-2, 88M parameters)"));
        out.add(nr("vit-b16-nr", () -> nrBuilder(ViTConfig.B16, false), "ViT-B/16 behind the neural resizer (learned"
                + " super-resolution of the native face, learnable resizer to 224), the reference's MLP head, F-PDLS (Hwang et al.)"));
        out.add(nr("swin-t-nr", () -> nrBuilder(SwinConfig.T, false), "Swin-T behind the neural resizer, MLP head, F-PDLS"));
        out.add(nr("swin-s-nr", () -> nrBuilder(SwinConfig.S, false), "Swin-S behind the neural resizer, MLP head, F-PDLS"
                + " (the paper's Table 2, row d)"));
        out.add(nr("swin-b-nr", () -> nrBuilder(SwinConfig.B, false), "Swin-B behind the neural resizer, MLP head, F-PDLS"));
        out.add(nr("swin-b-nr-stn", () -> nrBuilder(SwinConfig.B, true), "Swin-B behind a spatial transformer and the neural"
                + " resizer, MLP head, F-PDLS: the paper's best model (Table 2, row e)"));
        out.add(nr("vit-ti16-nr64", () -> nrBuilder(ViTConfig.TI16, false).transformerSize(64), "ViT-Ti/16 at 64x64 behind"
                + " the neural resizer (48 -> learned x2 -> 96 -> resizer -> 64), MLP head, F-PDLS: the pipeline at a size two"
                + " CPU cores train"));
        return out;
    }

    private static ModelEntry vit(ViTConfig c, String description) {
        return ModelEntry.ofBuilder(c.name(), description, 224, () -> VisionTransformer.builder().config(c))
                .withMinInputSize(c.patchSize());
    }

    private static ModelEntry swin(SwinConfig c, String description) {
        return ModelEntry.ofBuilder(c.name(), description, 224, () -> SwinTransformer.builder().config(c))
                .withMinInputSize(c.patchSize());
    }

    private static NeuralResizerTransformer.Builder nrBuilder(TransformerBackbone b, boolean stn) {
        return NeuralResizerTransformer.builder().backbone(b).spatialTransformer(stn).numClasses(7);
    }

    private static ModelEntry nr(String name, Supplier<NeuralResizerTransformer.Builder> builder, String description) {
        return ModelEntry.ofBuilder(name, description, 48, builder).withMinInputSize(NR_MIN_INPUT)
                .withRecipe(ReferenceRecipes.VT_NR_FERPLUS.name());
    }
}
