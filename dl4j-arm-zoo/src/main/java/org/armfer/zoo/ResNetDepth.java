package org.armfer.zoo;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * ResNet depths as data (like timm's {@code resnet50 = Bottleneck, layers=(3, 4, 6, 3)}): the residual block type, the
 * number of blocks per stage and the stage widths. The block types build themselves ({@link ResNetBlock}).
 */
public enum ResNetDepth {
    RESNET18(18, ResNetBlock.BASIC, new int[]{2, 2, 2, 2}),
    RESNET34(34, ResNetBlock.BASIC, new int[]{3, 4, 6, 3}),
    RESNET50(50, ResNetBlock.BOTTLENECK, new int[]{3, 4, 6, 3}),
    RESNET101(101, ResNetBlock.BOTTLENECK, new int[]{3, 4, 23, 3}),
    RESNET152(152, ResNetBlock.BOTTLENECK, new int[]{3, 8, 36, 3});

    /** torchvision's stage widths (a bottleneck's outputs are {@code width · 4}). */
    private static final int[] WIDTHS = {64, 128, 256, 512};

    private final int depth;
    private final ResNetBlock block;
    private final int[] blocksPerStage;

    ResNetDepth(int depth, ResNetBlock block, int[] blocksPerStage) {
        this.depth = depth;
        this.block = block;
        this.blocksPerStage = blocksPerStage;
    }

    public int depth() {
        return depth;
    }

    public ResNetBlock block() {
        return block;
    }

    /** Blocks in stages layer1..layer4. */
    public int[] blocksPerStage() {
        return blocksPerStage.clone();
    }

    /** Inner widths of stages layer1..layer4: 64, 128, 256, 512. */
    public int[] stageWidths() {
        return WIDTHS.clone();
    }

    /** Output channels of stage {@code stage} (0-based): its width times the block's expansion. */
    public int stageChannels(int stage) {
        return WIDTHS[stage] * block.expansion();
    }

    /** Channels of the last stage's feature map: 512 (BasicBlock) or 2048 (Bottleneck). */
    public int featureChannels() {
        return stageChannels(WIDTHS.length - 1);
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
