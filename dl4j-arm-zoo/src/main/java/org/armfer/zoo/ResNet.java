package org.armfer.zoo;

/**
 * DL4J-zoo-style entry point to any armfer ResNet, starting from the registry's {@code resnet18}:
 * {@code ResNet.builder().depth(50).armBlocks("DA+SA").inputSize(112).numClasses(8).build()}. The registry's other
 * presets: {@link FerModels#builder(String)}.
 */
public final class ResNet {

    private ResNet() {
    }

    /** The registry's {@code resnet18} preset (ResNet-18, GAP head); change its depth, head, blocks, ... */
    public static FerResNet.Builder builder() {
        return FerModels.resNetBuilder("resnet18");
    }
}
