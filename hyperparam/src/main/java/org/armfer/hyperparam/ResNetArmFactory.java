package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.armfer.zoo.FerResNet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Arrays;

/**
 * The zoo's ResNet ({@link FerResNet}, depth 18 by default; any depth of the zoo, Bottleneck ones included) with each
 * candidate ARM as its head: {@code FerResNet.builder().depth(d).inputShape(c, h, w).numClasses(n).seed(seed).updater(u)
 * .arm(arm)}. The ARM's own block set picks the head ("DA" alone for the paper's Figure 6 sweep, "FA+DA+SA" for the
 * full module); its geometry, where not explicit, is derived from the feature map ({@link org.armfer.layers.ArmGeometry}).
 */
public final class ResNetArmFactory implements ModelFactory {

    private final int depth;
    private final int[] inputShape;
    private final int numClasses;
    private final long seed;
    private final IUpdater updater;
    private final long[] featureMap;

    private ResNetArmFactory(Builder b) {
        this.depth = b.depth;
        this.inputShape = b.inputShape.clone();
        this.numClasses = b.numClasses;
        this.seed = b.seed;
        this.updater = b.updater;
        // the GAP variant of the same backbone validates depth, classes and input, and gives the feature map
        this.featureMap = backbone().build().featureMapShape();
    }

    public static Builder builder() {
        return new Builder();
    }

    private FerResNet.Builder backbone() {
        return FerResNet.builder().depth(depth).inputShape(inputShape[0], inputShape[1], inputShape[2])
                .numClasses(numClasses).seed(seed).updater(updater.clone());
    }

    @Override
    public long[] featureMapShape() {
        return featureMap.clone();
    }

    @Override
    public ComputationGraphConfiguration build(ArmModule arm) {
        return backbone().arm(arm).build().conf();
    }

    @Override
    public String describe() {
        String lr = updater.hasLearningRate() ? " lr " + updater.getLearningRate(0, 0) : "";
        return "resnet" + depth + " " + inputShape[0] + "x" + inputShape[1] + "x" + inputShape[2] + ", " + numClasses
                + " classes, seed " + seed + ", " + updater.getClass().getSimpleName() + lr;
    }

    public int getDepth() {
        return depth;
    }

    public int[] getInputShape() {
        return inputShape.clone();
    }

    public int getNumClasses() {
        return numClasses;
    }

    @Override
    public String toString() {
        return "ResNetArmFactory(" + describe() + ", featureMap=" + Arrays.toString(featureMap) + ")";
    }

    /** Builder with the zoo's defaults: ResNet-18, 3x224x224, 7 classes, seed 12345, Adam(1e-3). */
    public static final class Builder {
        private int depth = 18;
        private int[] inputShape = {3, 224, 224};
        private int numClasses = 7;
        private long seed = 12345;
        private IUpdater updater = new Adam(1e-3);

        private Builder() {
        }

        /** ResNet depth: 18 (default), 34, 50, 101 or 152. */
        public Builder depth(int depth) {
            this.depth = depth;
            return this;
        }

        /** Input {channels, height, width}. */
        public Builder inputShape(int channels, int height, int width) {
            this.inputShape = new int[]{channels, height, width};
            return this;
        }

        /** Square input with 3 channels. */
        public Builder inputSize(int side) {
            return inputShape(3, side, side);
        }

        public Builder numClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** Weight-initialisation seed, the same for every candidate so that they differ only by their ARM. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder updater(IUpdater updater) {
            if (updater == null) {
                throw new IllegalArgumentException("updater must not be null");
            }
            this.updater = updater;
            return this;
        }

        /** @throws IllegalArgumentException for an unknown depth, non-positive classes or a bad input shape */
        public ResNetArmFactory build() {
            return new ResNetArmFactory(this);
        }
    }
}
