package org.armfer.zoo;

/**
 * Any armfer ResNet: {@code ResNet.builder().depth(34).armBlocks("DA+SA").inputSize(112).numClasses(8).build()}.
 * The default is ResNet-18 with the GAP head, the same as {@link ResNet18}.
 */
public class ResNet extends FerResNet {

    protected ResNet(Builder<?> b) {
        super(b);
    }

    public static Builder<ResNet> builder() {
        return new Builder<>(ResNet::new);
    }
}
