package org.armfer.zoo;

/**
 * DL4J-zoo-style entry point to the registry's {@code resnet18}: torchvision's ResNet-18 with global average pooling and
 * a fully connected classifier, the paper's baseline ("none" in Table 2).
 * {@code ResNet18.builder().numClasses(7).build().init()} is {@code FerModels.init("resnet18", 7, 224)}.
 */
public final class ResNet18 {

    private ResNet18() {
    }

    /** The registry's {@code resnet18} preset; every option of {@link FerResNet.Builder} can still be changed. */
    public static FerResNet.Builder builder() {
        return FerModels.resNetBuilder("resnet18");
    }
}
