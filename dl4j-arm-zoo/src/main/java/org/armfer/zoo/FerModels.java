package org.armfer.zoo;

import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.attention.RotationAwareAttention;
import org.armfer.layers.attention.RotationAwareFusion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The zoo's models by name, as the command line selects them ({@code armfer train --model NAME}): a builder preset
 * that the caller completes ({@code numClasses}, input shape, updater, ...).
 */
public final class FerModels {

    private record Entry(String description, Supplier<FerResNet.Builder<ResNet>> builder) {
    }

    /** {@code learnableResizer(SAME_SIZE)}: the resizer's input side equals the trunk's (resolved at build). */
    static final int SAME_SIZE = -1;

    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put("resnet18", new Entry("ResNet-18, global average pooling head (torchvision's architecture)",
                () -> ResNet.builder().depth(18).armBlocks("none")));
        MODELS.put("resnet18-arm", new Entry("ResNet-18 with ARM (FA+DA+SA) in place of global average pooling (the paper)",
                () -> ResNet.builder().depth(18).armBlocks("FA+DA+SA")));
        MODELS.put("resnet18-dsm", new Entry("ResNet-18 with a decomposed spatial modulator (DSM, k=7, r=8, dropout 0.2) after"
                + " layer3 and layer4, GAP head", () -> ResNet.builder().depth(18).armBlocks("none")
                .dsm(DecomposedSpatialModulator.builder().build(), 3, 4)));
        MODELS.put("resnet18-arm-dsm", new Entry("ResNet-18 with DSM after layer3 and layer4 and the ARM head",
                () -> ResNet.builder().depth(18).armBlocks("FA+DA+SA").dsm(DecomposedSpatialModulator.builder().build(), 3, 4)));
        MODELS.put("resnet18-rarn", new Entry("ResNet-18 with RARN's angle-sensitive spatial attention after every stage and"
                + " its top-down multi-scale fusion head (d=256), from the paper's description",
                () -> ResNet.builder().depth(18).armBlocks("none").rarnAttention(RotationAwareAttention.builder().build(), 1, 2, 3, 4)
                        .rarnFusion(RotationAwareFusion.builder().build())));
        MODELS.put("resnet18-arm-resizer", new Entry("ResNet-18-ARM behind a learnable resizer (Talebi & Milanfar; 16 filters,"
                + " 1 residual block) at the same size: the network learns its own image enhancement",
                () -> ResNet.builder().depth(18).armBlocks("FA+DA+SA").learnableResizer(SAME_SIZE)));
        MODELS.put("resnet34", new Entry("ResNet-34, global average pooling head",
                () -> ResNet.builder().depth(34).armBlocks("none")));
        MODELS.put("resnet34-arm", new Entry("ResNet-34 with ARM (FA+DA+SA)",
                () -> ResNet.builder().depth(34).armBlocks("FA+DA+SA")));
    }

    private FerModels() {
    }

    /** The model names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** One line describing the model; IllegalArgumentException listing the names for an unknown one. */
    public static String describe(String name) {
        return entry(name).description();
    }

    /** A fresh builder preset for the model. */
    public static FerResNet.Builder<ResNet> builder(String name) {
        return entry(name).builder().get();
    }

    private static Entry entry(String name) {
        Entry e = name == null ? null : MODELS.get(name.strip().toLowerCase(Locale.ROOT));
        if (e == null) {
            throw new IllegalArgumentException("Unknown model '" + name + "'; allowed: " + String.join(", ", MODELS.keySet()));
        }
        return e;
    }
}
