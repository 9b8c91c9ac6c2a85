package org.armfer.zoo;

/**
 * ResNet-18 with ARM (FA -> DA -> BN -> SA) in place of global average pooling, then the fully connected classifier
 * on SA's output: 121 features at 224x224 input (the paper's setting). {@code ResNet18Arm.builder().numClasses(7)
 * .build().init()}; other block sets ({@code .armBlocks("DA+SA")}) give the ablation variants of the paper's Table 2.
 */
public class ResNet18Arm extends FerResNet {

    protected ResNet18Arm(Builder<?> b) {
        super(b);
    }

    /** Depth 18, all three ARM blocks; every option of {@link FerResNet.Builder} can still be changed. */
    public static Builder<ResNet18Arm> builder() {
        return new Builder<>(ResNet18Arm::new).depth(18).armBlocks("FA+DA+SA");
    }
}
