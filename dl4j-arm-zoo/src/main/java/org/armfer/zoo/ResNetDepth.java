package org.armfer.zoo;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * ResNet depths as data (like timm's {@code resnet18 = BasicBlock, layers=(2, 2, 2, 2)}): the block type and the
 * number of blocks per stage. Only BasicBlock depths are offered; they are what ARM's paper uses.
 */
public enum ResNetDepth {
    RESNET18(18, Block.BASIC, 2, 2, 2, 2),
    RESNET34(34, Block.BASIC, 3, 4, 6, 3);

    /** The residual block of a stage. */
    public enum Block {
        /** Two 3x3 convolutions (torchvision's BasicBlock, expansion 1). */
        BASIC
    }

    private final int depth;
    private final Block block;
    private final int[] blocksPerStage;

    ResNetDepth(int depth, Block block, int... blocksPerStage) {
        this.depth = depth;
        this.block = block;
        this.blocksPerStage = blocksPerStage;
    }

    public int depth() {
        return depth;
    }

    public Block block() {
        return block;
    }

    /** Blocks in stages layer1..layer4. */
    public int[] blocksPerStage() {
        return blocksPerStage.clone();
    }

    /** Allowed depths, for messages. */
    public static List<Integer> allowed() {
        return Arrays.stream(values()).map(ResNetDepth::depth).collect(Collectors.toList());
    }

    public static ResNetDepth of(int depth) {
        for (ResNetDepth d : values()) {
            if (d.depth == depth) {
                return d;
            }
        }
        throw new IllegalArgumentException("Unsupported ResNet depth " + depth + "; allowed: " + allowed());
    }
}
