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
 * that the caller completes ({@code numClasses}, input shape, seed, updater, loss, ARM settings ...). Every call of
 * {@link #builder} returns a fresh builder.
 * <table>
 *   <caption>Names</caption>
 *   <tr><th>name</th><th>trunk</th><th>blocks after stages</th><th>head</th><th>in front</th></tr>
 *   <tr><td>resnet18</td><td>ResNet-18</td><td>-</td><td>GAP</td><td>-</td></tr>
 *   <tr><td>resnet18-arm</td><td>ResNet-18</td><td>-</td><td>ARM FA+DA+SA</td><td>-</td></tr>
 *   <tr><td>resnet18-dsm</td><td>ResNet-18</td><td>DSM after layer2 ({@code dsm2.*})</td><td>GAP</td><td>-</td></tr>
 *   <tr><td>resnet18-arm-dsm</td><td>ResNet-18</td><td>DSM after layer2</td><td>ARM FA+DA+SA</td><td>-</td></tr>
 *   <tr><td>resnet18-rarn</td><td>ResNet-18</td><td>RARN attention after layer1-4 ({@code rarn1.*} .. {@code rarn4.*})</td>
 *       <td>RARN fusion ({@code rarn.fusion.*}, 4 x 256 features)</td><td>-</td></tr>
 *   <tr><td>resnet18-resizer</td><td>ResNet-18</td><td>-</td><td>GAP</td><td>learnable resizer ({@code resizer.*})</td></tr>
 *   <tr><td>resnet18-arm-resizer</td><td>ResNet-18</td><td>-</td><td>ARM FA+DA+SA</td><td>learnable resizer</td></tr>
 *   <tr><td>resnet34</td><td>ResNet-34</td><td>-</td><td>GAP</td><td>-</td></tr>
 *   <tr><td>resnet34-arm</td><td>ResNet-34</td><td>-</td><td>ARM FA+DA+SA</td><td>-</td></tr>
 * </table>
 * The resizer variants take images of the trunk's input size ({@link FerResNet#SAME_SIZE}): the resizer is then a
 * learned enhancement in front of the trunk, which is what the size the command line sets can express; call
 * {@code .learnableResizer(side)} to feed other sizes (e.g. 48x48 FER2013 images to a 224x224 trunk). The plain
 * {@code resnet18-resizer} isolates the resizer's effect; {@code resnet18-arm-resizer} combines it with ARM.
 */
public final class FerModels {

    private record Entry(String description, Supplier<FerResNet.Builder<ResNet>> builder) {
    }

    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    private static void add(String name, String description, Supplier<FerResNet.Builder<ResNet>> builder) {
        MODELS.put(name, new Entry(description, builder));
    }

    static {
        add("resnet18", "ResNet-18, global average pooling head (torchvision's architecture)",
                () -> ResNet.builder().depth(18).armBlocks("none"));
        add("resnet18-arm", "ResNet-18 with ARM (FA+DA+SA) in place of global average pooling (the paper)",
                () -> ResNet.builder().depth(18).armBlocks("FA+DA+SA"));
        add("resnet18-dsm", "ResNet-18 with a decomposed spatial modulator (DSM: k=7, r=8, dropout 0.2) after layer2,"
                + " as DeSpaM places its one modulator; GAP head",
                () -> ResNet.builder().depth(18).armBlocks("none").dsm(DecomposedSpatialModulator.builder().build()));
        add("resnet18-arm-dsm", "ResNet-18 with DSM after layer2 and the ARM head (FA+DA+SA)",
                () -> ResNet.builder().depth(18).armBlocks("FA+DA+SA").dsm(DecomposedSpatialModulator.builder().build()));
        add("resnet18-rarn", "ResNet-18 with RARN's angle-sensitive spatial attention after every stage and its top-down"
                        + " multi-scale fusion head (d=256), built from the paper's description (no public code)",
                () -> ResNet.builder().depth(18).armBlocks("none").rarnAttention(RotationAwareAttention.builder().build())
                        .head(FerResNet.Head.RARN_FUSION));
        add("resnet18-resizer", "ResNet-18 (GAP head) behind a learnable resizer (Talebi & Milanfar; 16 filters,"
                        + " 1 residual block) at the input size: a learned image enhancement",
                () -> ResNet.builder().depth(18).armBlocks("none").learnableResizer(FerResNet.SAME_SIZE));
        add("resnet18-arm-resizer", "ResNet-18-ARM (FA+DA+SA) behind a learnable resizer (Talebi & Milanfar) at the"
                        + " input size",
                () -> ResNet.builder().depth(18).armBlocks("FA+DA+SA").learnableResizer(FerResNet.SAME_SIZE));
        add("resnet34", "ResNet-34, global average pooling head",
                () -> ResNet.builder().depth(34).armBlocks("none"));
        add("resnet34-arm", "ResNet-34 with ARM (FA+DA+SA) in place of global average pooling",
                () -> ResNet.builder().depth(34).armBlocks("FA+DA+SA"));
    }

    private FerModels() {
    }

    /** The model names, in a stable order (the table above). */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** One line describing the model; IllegalArgumentException listing the names for an unknown one. */
    public static String describe(String name) {
        return entry(name).description();
    }

    /** A fresh builder preset for the model; IllegalArgumentException listing the names for an unknown one. */
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
