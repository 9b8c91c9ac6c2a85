package org.armfer.zoo;

import org.armfer.layers.ArmBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The registry of armfer's ResNet variants: depths x ARM block sets (the paper's Table 2) x input sizes. Tests loop
 * over it; the command line's {@code ablation} trains its block sets.
 */
public final class ZooVariants {

    /** Input sizes every variant supports: ImageNet's, half of it, and FER2013's native 48x48. */
    public static final List<Integer> INPUT_SIZES = List.of(224, 112, 48);

    private ZooVariants() {
    }

    /** One variant. */
    public static final class Variant {
        private final ResNetDepth depth;
        private final Set<ArmBlock> blocks;
        private final int inputSize;

        public Variant(ResNetDepth depth, Set<ArmBlock> blocks, int inputSize) {
            this.depth = depth;
            this.blocks = blocks;
            this.inputSize = inputSize;
        }

        public ResNetDepth depth() {
            return depth;
        }

        public Set<ArmBlock> blocks() {
            return blocks;
        }

        public int inputSize() {
            return inputSize;
        }

        /** A builder for this variant. */
        public FerResNet.Builder<ResNet> builder() {
            return ResNet.builder().depth(depth.depth()).armBlocks(blocks).inputSize(inputSize);
        }

        @Override
        public String toString() {
            return "resnet" + depth.depth() + "/" + ArmBlock.format(blocks) + "/" + inputSize;
        }
    }

    /** Every depth x every Table 2 block set x every input size. */
    public static List<Variant> all() {
        List<Variant> out = new ArrayList<>();
        for (ResNetDepth d : ResNetDepth.values()) {
            for (String blocks : ArmBlock.TABLE2) {
                for (int size : INPUT_SIZES) {
                    out.add(new Variant(d, ArmBlock.parseSet(blocks), size));
                }
            }
        }
        return out;
    }
}
