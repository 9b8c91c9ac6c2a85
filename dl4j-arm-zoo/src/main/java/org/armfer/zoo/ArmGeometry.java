package org.armfer.zoo;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;

import java.util.Set;

/**
 * ARM's geometry for a backbone feature map, adapted from the paper's setting so that every Table 2 variant fits
 * every input size. The rules (documented in the README's zoo table):
 * <ul>
 *   <li>FA arranges to 2 channels (r = sqrt(C/2): 16 for ResNet's 512 channels), as in the paper.</li>
 *   <li>DA after FA scales the paper's k = 32, s = 8 (for a 112x112 arranged map) with the arranged map's side S:
 *       {@code k = max(1, round(32·S/112))}, {@code s = max(1, round(8·S/112))}. At 224 input (7x7 map, S = 112): 32/8 -> 11x11;
 *       at 112 input (4x4, S = 64): 18/5 -> 10x10; at 48 input (2x2, S = 32): 9/2 -> 12x12.</li>
 *   <li>DA without FA works on the backbone map itself and needs a small kernel: {@code k = max(1, round(3·H/7))}, s = 1
 *       (3 at 7x7 -> 5x5, 2 at 4x4 -> 3x3, 1 at 2x2 -> 2x2).</li>
 *   <li>SA keeps the spatial size and reduces to one channel.</li>
 * </ul>
 */
public final class ArmGeometry {

    /** The paper's DA kernel and stride for its 112x112 arranged map. */
    static final int PAPER_K = 32;
    static final int PAPER_S = 8;
    static final int PAPER_ARRANGED = 112;

    private ArmGeometry() {
    }

    /**
     * An ARM builder for {@code blocks} on a {@code [channels, height, width]} feature map, with the kernel and stride
     * adapted by the rules above; the caller may still change any setting before {@code build()}.
     */
    public static ArmModule.Builder forFeatureMap(Set<ArmBlock> blocks, long channels, long height, long width) {
        ArmModule.Builder b = ArmModule.builder().blocks(blocks);
        if (blocks.contains(ArmBlock.DA)) {
            long side = Math.min(height, width);
            if (blocks.contains(ArmBlock.FA)) {
                int r = ArmModule.builder().blocks(blocks).build().blockSizeFor(channels);
                long arranged = side * r;
                b.kernelSize((int) Math.max(1, Math.round((double) PAPER_K * arranged / PAPER_ARRANGED)));
                b.stride((int) Math.max(1, Math.round((double) PAPER_S * arranged / PAPER_ARRANGED)));
            } else {
                b.kernelSize((int) Math.max(1, Math.round(3.0 * side / 7.0)));
                b.stride(1);
            }
        }
        return b;
    }
}
