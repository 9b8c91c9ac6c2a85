package org.armfer.zoo;

/**
 * DL4J-zoo-style entry point to the registry's {@code resnet18-arm}: ResNet-18 with ARM (FA -> DA -> BN -> SA) in place
 * of global average pooling, then the classifier on SA's output: 121 features at 224x224 input (the paper's setting).
 * Other block sets ({@code .armBlocks("DA+SA")}) give the ablation variants of the paper's Table 2.
 */
public final class ResNet18Arm {

    private ResNet18Arm() {
    }

    /** The registry's {@code resnet18-arm} preset; every option of {@link FerResNet.Builder} can still be changed. */
    public static FerResNet.Builder builder() {
        return FerModels.resNetBuilder("resnet18-arm");
    }
}
