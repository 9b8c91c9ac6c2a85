package org.armfer.zoo;

import org.armfer.layers.ArmModule;
import org.armfer.layers.GraphBlock;
import org.armfer.layers.attention.DecomposedSpatialModulator;
import org.armfer.layers.attention.RotationAwareAttention;
import org.armfer.layers.attention.RotationAwareFusion;
import org.armfer.layers.resize.LearnableResizer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The registry of armfer's models, one entry per name ({@link ModelEntry}); a model built from an entry has that name
 * as its {@link FerModel#modelName()}. {@link #init(String, int, int)} gives any registered model initialised,
 * {@link #builder(String)} a fresh builder preset for it (to change classes, input, training settings, head or
 * blocks), {@link #names()} the names in a stable order (what {@code armfer train --list-models} shows).
 * <table>
 *   <caption>Models</caption>
 *   <tr><th>name</th><th>trunk</th><th>after stages</th><th>head</th></tr>
 *   <tr><td>resnet18, resnet34, resnet50, resnet101, resnet152</td><td>torchvision's ResNet</td><td>-</td><td>GAP</td></tr>
 *   <tr><td>resnet18-arm, resnet34-arm, resnet50-arm, resnet101-arm, resnet152-arm</td><td>ResNet</td><td>-</td>
 *       <td>ARM FA+DA+SA (512x7x7 or 2048x7x7 at 224: 121 features)</td></tr>
 *   <tr><td>resnet18-dsm</td><td>ResNet-18</td><td>DSM after layer2 ({@code dsm2.*})</td><td>GAP</td></tr>
 *   <tr><td>resnet18-arm-dsm</td><td>ResNet-18</td><td>DSM after layer2</td><td>ARM</td></tr>
 *   <tr><td>resnet18-rarn, resnet50-rarn, resnet152-rarn</td><td>ResNet</td><td>RARN attention after layer1-4
 *       ({@code rarn1.*} .. {@code rarn4.*})</td><td>RARN fusion over stem + layer1-4 ({@code rarn.fusion.*}, 5 x 256)</td></tr>
 *   <tr><td>resnet18-resizer, resnet18-arm-resizer</td><td>ResNet-18</td><td>learnable resizer in front
 *       ({@code resizer.*})</td><td>GAP / ARM</td></tr>
 *   <tr><td>despam, despam-arm</td><td>DeSpaM's network ({@link DeSpaMNet})</td><td>DSM after stages.1</td>
 *       <td>GAP / ARM</td></tr>
 * </table>
 * Other libraries register their models with {@link #register(String, String, int, GraphFactory)} (a factory
 * {@code (numClasses, inputSize) -> ComputationGraph}) or {@link #register(ModelEntry)}.
 */
public final class FerModels {

    private static final Map<String, ModelEntry> MODELS = new LinkedHashMap<>();

    /** RARN's attention as the presets place it: after every stage, a 1x1 angle transform (see the entry's description). */
    static RotationAwareAttention rarnAttention() {
        return RotationAwareAttention.builder().featureKernelSize(1).build();
    }

    /** The description of the RARN presets: what is built and the choices where the paper is ambiguous. */
    static final String RARN_CHOICES = "angle-sensitive spatial attention after layer1-4 (a 1x1 conv into the angle map:"
            + " the paper gives no kernel size), top-down fusion over five levels (stem, layer1-4: 1x1 laterals to 256,"
            + " nearest upsampling, merge = addition, 3x3 smoothing, GAP per level, concatenated); no public code";

    static {
        add("resnet18", "ResNet-18, global average pooling head (torchvision's architecture)", () -> resNet(18));
        add("resnet18-arm", "ResNet-18 with ARM (FA+DA+SA) in place of global average pooling (the paper)",
                () -> resNet(18).arm(ArmModule.builder().build()));
        add("resnet18-dsm", "ResNet-18 with a decomposed spatial modulator (DSM: k=7, r=8, dropout 0.2) after layer2,"
                + " as DeSpaM places its one modulator; GAP head", () -> resNet(18).after("layer2", dsm()));
        add("resnet18-arm-dsm", "ResNet-18 with DSM after layer2 and the ARM head (FA+DA+SA)",
                () -> resNet(18).after("layer2", dsm()).arm(ArmModule.builder().build()));
        add("resnet18-rarn", "RARN on ResNet-18: " + RARN_CHOICES, () -> rarn(18));
        add("resnet18-resizer", "ResNet-18 (GAP head) behind a learnable resizer (Talebi & Milanfar; 16 filters,"
                + " 1 residual block) at the input size: a learned image enhancement",
                () -> resNet(18).after("input", LearnableResizer.builder().build()));
        add("resnet18-arm-resizer", "ResNet-18-ARM (FA+DA+SA) behind a learnable resizer (Talebi & Milanfar) at the"
                + " input size", () -> resNet(18).after("input", LearnableResizer.builder().build()).arm(ArmModule.builder().build()));
        add("resnet34", "ResNet-34, global average pooling head", () -> resNet(34));
        add("resnet34-arm", "ResNet-34 with ARM (FA+DA+SA) in place of global average pooling",
                () -> resNet(34).arm(ArmModule.builder().build()));
        for (int depth : new int[]{50, 101, 152}) {
            add("resnet" + depth, "ResNet-" + depth + " (torchvision's Bottleneck, stride on the 3x3: v1.5), global average"
                    + " pooling head", () -> resNet(depth));
            add("resnet" + depth + "-arm", "ResNet-" + depth + " with ARM (FA+DA+SA) on its 2048x7x7 map: FA to 2"
                    + " channels (r=32), 224x224, DA 64/16 (the paper's 32/8 scaled), 121 features",
                    () -> resNet(depth).arm(ArmModule.builder().build()));
            if (depth != 101) {
                ModelEntry e = ModelEntry.ofBuilder("resnet" + depth + "-rarn", (depth == 152 ? "RARN as its paper describes"
                        + " it (ResNet-152, recipe rarn-fer2013): " : "RARN on ResNet-" + depth + ": ") + RARN_CHOICES, 224,
                        () -> rarn(depth));
                register(depth == 152 ? e.withRecipe(ReferenceRecipes.RARN_FER2013.name()) : e);
            }
        }
        register(ModelEntry.ofBuilder("despam", "DeSpaM's network (DeSpaM_for_FER's ProposedNet): RepConv stem, depthwise"
                        + " blocks [1, 4, 2] at [48, 96, 160] channels, DSM after stages.1, 1x1 expansion to 512, GAP;"
                        + " re-parameterisable to single convolutions; 112x112; recipe despam-rafdb", 112, FerModels::despam)
                .withRecipe(ReferenceRecipes.DESPAM_RAFDB.name()));
        register(ModelEntry.ofBuilder("despam-arm", "DeSpaM's network with ARM (FA+DA+SA) in place of global average"
                + " pooling: 512x14x14 at 112x112 -> FA r=16 -> DA 64/16 -> 121 features", 112,
                () -> despam().arm(ArmModule.builder().build())));
    }

    private FerModels() {
    }

    private static void add(String name, String description, Supplier<? extends FerModel.Builder<?>> builder) {
        register(ModelEntry.ofBuilder(name, description, 224, builder));
    }

    private static FerResNet.Builder resNet(int depth) {
        return FerResNet.builder().depth(depth);
    }

    private static DecomposedSpatialModulator dsm() {
        return DecomposedSpatialModulator.builder().build();
    }

    private static FerResNet.Builder rarn(int depth) {
        FerResNet.Builder b = resNet(depth);
        for (String stage : List.of("layer1", "layer2", "layer3", "layer4")) {
            b.after(stage, rarnAttention());
        }
        return b.head(RotationAwareFusion.builder().build());
    }

    private static DeSpaMNet.Builder despam() {
        GraphBlock modulator = DecomposedSpatialModulator.builder().build();
        return DeSpaMNet.builder().after("stages.1", DeSpaMNet.MODULATOR, modulator);
    }

    // ------------------------------------------------------------------------------------------------ registry

    /**
     * Registers a model; its name must be new.
     *
     * @throws IllegalArgumentException for a name already registered
     */
    public static synchronized void register(ModelEntry entry) {
        if (MODELS.containsKey(entry.name())) {
            throw new IllegalArgumentException("A model named '" + entry.name() + "' is registered already: "
                    + MODELS.get(entry.name()).description());
        }
        MODELS.put(entry.name(), entry);
    }

    /**
     * Registers a model another library builds: {@code factory} gives it initialised for {@code (numClasses, inputSize)};
     * {@link #builder} then returns a {@link FactoryModel.Builder} that can also change its training settings.
     */
    public static void register(String name, String description, int defaultInputSize, GraphFactory factory) {
        register(ModelEntry.ofFactory(name, description, defaultInputSize, factory));
    }

    /** The model names, in a stable order (the table above, then later registrations). */
    public static synchronized List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** The entry of a model; IllegalArgumentException listing the names for an unknown one (names are trimmed, any case). */
    public static synchronized ModelEntry entry(String name) {
        ModelEntry e = name == null ? null : MODELS.get(name.strip().toLowerCase(Locale.ROOT));
        if (e == null) {
            throw new IllegalArgumentException("Unknown model '" + name + "'; allowed: " + String.join(", ", MODELS.keySet()));
        }
        return e;
    }

    /** One line describing the model; IllegalArgumentException listing the names for an unknown one. */
    public static String describe(String name) {
        return entry(name).description();
    }

    /** A fresh builder preset for the model; IllegalArgumentException listing the names for an unknown one. */
    public static FerModel.Builder<?> builder(String name) {
        return entry(name).newBuilder();
    }

    /**
     * The registered model, initialised, for {@code numClasses} and a square {@code inputSize} (3 channels).
     *
     * @throws IllegalArgumentException for an unknown name, or a size or class count the model cannot take
     */
    public static ComputationGraph init(String name, int numClasses, int inputSize) {
        return entry(name).init(numClasses, inputSize);
    }

    /** The builder of a registered ResNet, typed (for the DL4J-zoo-style entry points {@link ResNet18} and friends). */
    static FerResNet.Builder resNetBuilder(String name) {
        FerModel.Builder<?> b = builder(name);
        if (!(b instanceof FerResNet.Builder)) {
            throw new IllegalArgumentException("'" + name + "' is not a ResNet");
        }
        return (FerResNet.Builder) b;
    }
}
