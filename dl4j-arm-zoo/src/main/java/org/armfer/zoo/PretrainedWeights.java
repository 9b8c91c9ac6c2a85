package org.armfer.zoo;

import java.util.List;

/**
 * One metadata record per pretrained variant that armfer can import ({@link TorchWeights}): where the weights come
 * from, the input they expect, their normalisation, license and checksum. armfer does not download them; convert the
 * {@code .pth} to {@code .npz} with the snippet in {@link TorchWeights} (or {@link #conversionSnippet()}), then
 * {@code TorchWeights.loadBackbone(model, path)}.
 */
public enum PretrainedWeights {

    TORCHVISION_RESNET18_IMAGENET(18, "https://download.pytorch.org/models/resnet18-f37072fd.pth", "f37072fd"),
    TORCHVISION_RESNET34_IMAGENET(34, "https://download.pytorch.org/models/resnet34-b627a593.pth", "b627a593"),
    /** torchvision 0.14's {@code ViT_B_16_Weights.IMAGENET1K_V1}, for {@code vit-b16} ({@code org.armfer.zoo.transformer}). */
    TORCHVISION_VIT_B_16_IMAGENET("vit_b_16", "vit-b16", "https://download.pytorch.org/models/vit_b_16-c867db91.pth", "c867db91"),
    /** torchvision 0.14's {@code Swin_T_Weights.IMAGENET1K_V1}, for {@code swin-t}. */
    TORCHVISION_SWIN_T_IMAGENET("swin_t", "swin-t", "https://download.pytorch.org/models/swin_t-704ceda3.pth", "704ceda3"),
    /** torchvision 0.14's {@code Swin_S_Weights.IMAGENET1K_V1}, for {@code swin-s}. */
    TORCHVISION_SWIN_S_IMAGENET("swin_s", "swin-s", "https://download.pytorch.org/models/swin_s-5e29d889.pth", "5e29d889"),
    /** torchvision 0.14's {@code Swin_B_Weights.IMAGENET1K_V1}, for {@code swin-b}. */
    TORCHVISION_SWIN_B_IMAGENET("swin_b", "swin-b", "https://download.pytorch.org/models/swin_b-68c6b09e.pth", "68c6b09e");

    /** ImageNet normalisation used by torchvision's weights (RGB, after scaling to [0, 1]). */
    public static final List<Double> IMAGENET_MEAN = List.of(0.485, 0.456, 0.406);
    public static final List<Double> IMAGENET_STD = List.of(0.229, 0.224, 0.225);

    private final int depth;
    private final String torchvisionModel;
    private final String armferModel;
    private final String source;
    private final String sha256Prefix;

    PretrainedWeights(int depth, String source, String sha256Prefix) {
        this(depth, "resnet" + depth, "resnet" + depth, source, sha256Prefix);
    }

    PretrainedWeights(String torchvisionModel, String armferModel, String source, String sha256Prefix) {
        this(0, torchvisionModel, armferModel, source, sha256Prefix);
    }

    PretrainedWeights(int depth, String torchvisionModel, String armferModel, String source, String sha256Prefix) {
        this.depth = depth;
        this.torchvisionModel = torchvisionModel;
        this.armferModel = armferModel;
        this.source = source;
        this.sha256Prefix = sha256Prefix;
    }

    /** ResNet depth the weights are for; 0 for the transformers. */
    public int depth() {
        return depth;
    }

    /** torchvision's builder of the model, e.g. {@code resnet18}, {@code vit_b_16}, {@code swin_t}. */
    public String torchvisionModel() {
        return torchvisionModel;
    }

    /** The armfer model the weights load into, e.g. {@code resnet18}, {@code vit-b16}, {@code swin-t}. */
    public String armferModel() {
        return armferModel;
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
                + "np.savez('" + torchvisionModel + "-imagenet.npz', **{k: v.numpy() for k, v in sd.items()})\n";
    }
}
