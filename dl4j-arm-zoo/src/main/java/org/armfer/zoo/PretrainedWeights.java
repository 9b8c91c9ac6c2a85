package org.armfer.zoo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One metadata record per pretrained variant that armfer can import ({@link TorchWeights}): where the weights come
 * from, the input they expect, their normalisation, license and checksum. {@link #fetch()} returns the checked local
 * {@code .pth} (from {@link WeightCache}, downloading it once), which {@code TorchWeights.loadBackbone(model, path)}
 * reads directly; on the command line {@code --weights} takes the variant's {@link #id()} or {@link #fileName()}.
 */
public enum PretrainedWeights {

    TORCHVISION_RESNET18_IMAGENET(18, "IMAGENET1K_V1", "https://download.pytorch.org/models/resnet18-f37072fd.pth", "f37072fd"),
    TORCHVISION_RESNET34_IMAGENET(34, "IMAGENET1K_V1", "https://download.pytorch.org/models/resnet34-b627a593.pth", "b627a593"),
    TORCHVISION_RESNET50_IMAGENET(50, "IMAGENET1K_V1", "https://download.pytorch.org/models/resnet50-0676ba61.pth", "0676ba61"),
    TORCHVISION_RESNET50_IMAGENET_V2(50, "IMAGENET1K_V2", "https://download.pytorch.org/models/resnet50-11ad3fa6.pth", "11ad3fa6"),
    TORCHVISION_RESNET101_IMAGENET(101, "IMAGENET1K_V1", "https://download.pytorch.org/models/resnet101-63fe2227.pth", "63fe2227"),
    TORCHVISION_RESNET101_IMAGENET_V2(101, "IMAGENET1K_V2", "https://download.pytorch.org/models/resnet101-cd907fc2.pth", "cd907fc2"),
    TORCHVISION_RESNET152_IMAGENET(152, "IMAGENET1K_V1", "https://download.pytorch.org/models/resnet152-394f9c45.pth", "394f9c45"),
    TORCHVISION_RESNET152_IMAGENET_V2(152, "IMAGENET1K_V2", "https://download.pytorch.org/models/resnet152-f82ba261.pth", "f82ba261");

    /** ImageNet normalisation used by torchvision's weights (RGB, after scaling to [0, 1]). */
    public static final List<Double> IMAGENET_MEAN = List.of(0.485, 0.456, 0.406);
    public static final List<Double> IMAGENET_STD = List.of(0.229, 0.224, 0.225);

    private final int depth;
    private final String variant;
    private final String source;
    private final String sha256Prefix;

    PretrainedWeights(int depth, String variant, String source, String sha256Prefix) {
        this.depth = depth;
        this.variant = variant;
        this.source = source;
        this.sha256Prefix = sha256Prefix;
    }

    /** ResNet depth the weights are for. */
    public int depth() {
        return depth;
    }

    /**
     * torchvision 0.14's name of the weights: {@code IMAGENET1K_V1} (the original recipe) or {@code IMAGENET1K_V2}
     * (torchvision's newer recipe), as in {@code ResNet50_Weights.IMAGENET1K_V2}.
     */
    public String variant() {
        return variant;
    }

    /** Download address of the PyTorch {@code .pth} file. */
    public String source() {
        return source;
    }

    /** Input the weights were trained on: 3x224x224 RGB. */
    public int[] inputShape() {
        return new int[]{3, 224, 224};
    }

    public List<Double> mean() {
        return IMAGENET_MEAN;
    }

    public List<Double> std() {
        return IMAGENET_STD;
    }

    /** torchvision's code is BSD-3-Clause; the ImageNet-trained weights are distributed under the same terms. */
    public String license() {
        return "BSD-3-Clause (torchvision)";
    }

    /**
     * First 8 hex digits of the {@code .pth} file's SHA-256, as torch.hub names and checks it
     * ({@code torch.hub.load_state_dict_from_url(url, check_hash=True)}).
     */
    public String sha256Prefix() {
        return sha256Prefix;
    }

    /** Which key set {@link TorchWeights} reads: torchvision's. */
    public String keySet() {
        return "torchvision";
    }

    /** Python that downloads, checks and converts these weights to {@code out.npz}. */
    public String conversionSnippet() {
        return "import torch, numpy as np\n"
                + "sd = torch.hub.load_state_dict_from_url('" + source + "', check_hash=True, map_location='cpu')\n"
                + "np.savez('resnet" + depth + "-imagenet" + (variant.endsWith("V1") ? "" : "-v2")
                + ".npz', **{k: v.numpy() for k, v in sd.items()})\n";
    }

    /**
     * The name the command line and {@link #find} know this variant by: the constant's name in lower case with dashes,
     * e.g. {@code torchvision-resnet18-imagenet}.
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The file name of the source, as torch.hub caches it: {@code resnet18-f37072fd.pth}. */
    public String fileName() {
        return source.substring(source.lastIndexOf('/') + 1);
    }

    /** The variant whose {@link #id()} or {@link #fileName()} is {@code name} (ignoring case), if any. */
    public static Optional<PretrainedWeights> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (PretrainedWeights w : values()) {
            if (w.id().equalsIgnoreCase(name) || w.fileName().equalsIgnoreCase(name)) {
                return Optional.of(w);
            }
        }
        return Optional.empty();
    }

    /** Every variant's {@link #id()}. */
    public static List<String> ids() {
        List<String> ids = new ArrayList<>();
        for (PretrainedWeights w : values()) ids.add(w.id());
        return ids;
    }

    /**
     * The checked local {@code .pth} of these weights from the default {@link WeightCache} ({@code ~/.armfer/weights}),
     * downloaded from {@link #source()} the first time.
     */
    public Path fetch() throws IOException {
        return WeightCache.defaultCache().get(this);
    }
}
