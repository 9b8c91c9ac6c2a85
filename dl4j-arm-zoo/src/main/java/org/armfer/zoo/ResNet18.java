package org.armfer.zoo;

/**
 * torchvision's ResNet-18 with global average pooling and a fully connected classifier: the paper's baseline
 * ("none" in Table 2). {@code ResNet18.builder().numClasses(7).build().init()}.
 */
public class ResNet18 extends FerResNet {

    protected ResNet18(Builder<?> b) {
        super(b);
    }

    /** Depth 18, GAP head; every option of {@link FerResNet.Builder} can still be changed. */
    public static Builder<ResNet18> builder() {
        return new Builder<>(ResNet18::new).depth(18).armBlocks("none");
    }
}
