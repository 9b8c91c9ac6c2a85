package org.armfer.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * ARM's geometry on one feature map {@code [C, H, W]}, resolved from an {@link ArmModule}'s settings: what each block
 * does to the map and why. This is the one place where ARM's shapes are worked out and checked; {@link ArmModule}
 * (its {@code outputShape}, {@code addTo}, {@code replacePooling}), the zoo, the command line and the searches all read
 * it. A setting given explicitly is used as given (and fails here, naming the allowed values, when the map cannot take
 * it); a setting left {@link ArmModule#AUTO} is derived from the map by the rules below, which reproduce the paper on
 * ResNet-18's 512x7x7 map (FA 512 -> 2 channels, r = 16, 112x112; DA k = 32, s = 8 -> 11x11; 121 features):
 * <ul>
 *   <li><b>FA</b> arranges to {@value #PAPER_OUTPUT_CHANNELS} channels when C/2 is a square (r = sqrt(C/2): 16 for
 *       512 channels, 32 for ResNet-50's 2048), and otherwise to the valid channel count C' = C/r² nearest to 2 (ties
 *       to the fewer channels, the paper's aim being a single arranged map): 1344 channels (DL4J zoo's
 *       InceptionResNetV1) -> 21 channels, r = 8; 768 -> 3, r = 16.</li>
 *   <li><b>DA</b> after FA scales the paper's k = {@value #PAPER_KERNEL}, s = {@value #PAPER_STRIDE} on a
 *       {@value #PAPER_ARRANGED_SIDE}x{@value #PAPER_ARRANGED_SIDE} arranged map with the arranged map's smaller side S:
 *       {@code k = max(1, round(32·S/112))}, {@code s = max(1, round(8·S/112))}. 224 input (S = 112): 32/8 -> 11x11;
 *       112 (S = 64): 18/5 -> 10x10; 48 (S = 32): 9/2 -> 12x12.</li>
 *   <li><b>DA without FA</b> works on the backbone map itself, whose side is small: {@code k = max(1, round(3·S/7))},
 *       s = 1 (3 on 7x7 -> 5x5, the paper's Figure 4 kernel).</li>
 *   <li><b>SA</b> keeps the spatial size and reduces to one channel (the channel mean plus λ·GAR).</li>
 *   <li>Without SA, FA+DA <b>averages its channels</b> ({@link ArmModule.Builder#channelMean}; the paper's §4.3: "the
 *       two channels output from the DA block are averaged as the representation"), so the classifier sees the 121
 *       features of the full module, not 242.</li>
 * </ul>
 */
public final class ArmGeometry {

    /** The paper's FA output channels (512 -> 2 with r = 16). */
    public static final int PAPER_OUTPUT_CHANNELS = 2;
    /** The paper's DA kernel size, stride and the side of the arranged map they were chosen for. */
    public static final int PAPER_KERNEL = 32;
    public static final int PAPER_STRIDE = 8;
    public static final int PAPER_ARRANGED_SIDE = 112;

    private final Set<ArmBlock> blocks;
    private final long channels;
    private final long height;
    private final long width;
    private final int blockSize;
    private final long arrangedChannels;
    private final long arrangedHeight;
    private final long arrangedWidth;
    private final int kernelSize;
    private final int stride;
    private final boolean channelMean;
    private final long outChannels;
    private final long outHeight;
    private final long outWidth;

    private ArmGeometry(ArmModule arm, long channels, long height, long width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("ARM input " + channels + "x" + height + "x" + width
                    + " has a non-positive dimension; ARM needs a 4-D CNN feature map [N, C, H, W]");
        }
        this.blocks = arm.getBlocks();
        this.channels = channels;
        this.height = height;
        this.width = width;
        boolean fa = blocks.contains(ArmBlock.FA);
        this.blockSize = fa ? blockSize(channels, arm.getBlockSize(), arm.getOutputChannels()) : 1;
        long r2 = (long) blockSize * blockSize;
        this.arrangedChannels = channels / r2;
        this.arrangedHeight = height * blockSize;
        this.arrangedWidth = width * blockSize;
        long c = arrangedChannels, h = arrangedHeight, w = arrangedWidth;
        if (blocks.contains(ArmBlock.DA)) {
            long side = Math.min(h, w);
            this.kernelSize = arm.getKernelSize() > 0 ? arm.getKernelSize() : fa ? scaledKernel(side) : unarrangedKernel(side);
            this.stride = arm.getStride() > 0 ? arm.getStride() : fa ? scaledStride(side) : 1;
            String map = fa ? "arranged feature map" : "feature map";
            String context = "input " + channels + "x" + height + "x" + width + (fa ? ", blockSize " + blockSize : "");
            long[] out = DeAlbino.outputShape(c, h, w, kernelSize, stride, map, context);
            h = out[1];
            w = out[2];
        } else {
            this.kernelSize = 0;
            this.stride = 0;
        }
        boolean sa = blocks.contains(ArmBlock.SA);
        Boolean mean = arm.getChannelMean();
        this.channelMean = !sa && (mean != null ? mean : fa && blocks.contains(ArmBlock.DA));
        this.outChannels = sa || channelMean ? 1 : c;
        this.outHeight = h;
        this.outWidth = w;
    }

    /**
     * The geometry of {@code arm} on a {@code [channels, height, width]} map.
     *
     * @throws IllegalArgumentException when an explicit setting cannot fit the map, naming the allowed values
     */
    public static ArmGeometry of(ArmModule arm, long channels, long height, long width) {
        return new ArmGeometry(arm, channels, height, width);
    }

    // ------------------------------------------------------------------------------------------------ the rules

    /** The block sizes r >= 1 that FA can use on {@code channels} channels (C divisible by r²), ascending. */
    public static List<Integer> allowedBlockSizes(long channels) {
        List<Integer> out = new ArrayList<>();
        for (long r = 1; r * r <= channels; r++) {
            if (channels % (r * r) == 0) {
                out.add((int) r);
            }
        }
        return out;
    }

    /** The FA output channel counts C' = C/r² possible on {@code channels} channels, ascending. */
    public static List<Long> allowedOutputChannels(long channels) {
        List<Long> out = new ArrayList<>();
        for (int r : allowedBlockSizes(channels)) {
            out.add(channels / ((long) r * r));
        }
        Collections.sort(out);
        return out;
    }

    /**
     * FA's block size when none is configured: the one that arranges to {@value #PAPER_OUTPUT_CHANNELS} channels, or
     * to the valid channel count nearest to it (ties to the fewer channels).
     */
    public static int defaultBlockSize(long channels) {
        requirePositiveChannels(channels);
        int best = 1;
        long bestChannels = channels;
        for (int r : allowedBlockSizes(channels)) {
            long c = channels / ((long) r * r);
            long d = Math.abs(c - PAPER_OUTPUT_CHANNELS), bestD = Math.abs(bestChannels - PAPER_OUTPUT_CHANNELS);
            if (d < bestD || (d == bestD && c < bestChannels)) {
                best = r;
                bestChannels = c;
            }
        }
        return best;
    }

    /**
     * FA's block size on {@code channels} channels for an explicit block size ({@code blockSize > 0}), an explicit
     * output channel count ({@code outputChannels > 0}) or neither (the default above).
     *
     * @throws IllegalArgumentException when the explicit setting does not fit, naming the allowed values
     */
    public static int blockSize(long channels, int blockSize, int outputChannels) {
        requirePositiveChannels(channels);
        if (blockSize > 0) {
            long r2 = (long) blockSize * blockSize;
            if (channels % r2 != 0) {
                throw new IllegalArgumentException("FeatureArrangement: input channels " + channels
                        + " not divisible by blockSize² = " + blockSize + "² = " + r2 + "; allowed blockSize for "
                        + channels + " channels: " + allowedBlockSizes(channels));
            }
            return blockSize;
        }
        if (outputChannels > 0) {
            long ratio = channels / outputChannels;
            long r = Math.round(Math.sqrt(ratio));
            if (channels % outputChannels != 0 || r * r != ratio) {
                throw new IllegalArgumentException("FeatureArrangement: outputChannels " + outputChannels + " does not fit "
                        + channels + " input channels (C / C' must be a square r²" + (channels % outputChannels != 0
                        ? ", and " + channels + " is not divisible by " + outputChannels
                        : ", and " + channels + " / " + outputChannels + " = " + ratio + " is not") + "); allowed outputChannels"
                        + " for " + channels + " channels: " + allowedOutputChannels(channels));
            }
            return (int) r;
        }
        return defaultBlockSize(channels);
    }

    /** DA's kernel after FA on an arranged map of smaller side {@code side}: the paper's 32 of 112, scaled. */
    public static int scaledKernel(long side) {
        return (int) Math.max(1, Math.round((double) PAPER_KERNEL * side / PAPER_ARRANGED_SIDE));
    }

    /** DA's stride after FA on an arranged map of smaller side {@code side}: the paper's 8 of 112, scaled. */
    public static int scaledStride(long side) {
        return (int) Math.max(1, Math.round((double) PAPER_STRIDE * side / PAPER_ARRANGED_SIDE));
    }

    /** DA's kernel without FA, on the backbone map of smaller side {@code side}: 3 of 7 (Figure 4), scaled. */
    public static int unarrangedKernel(long side) {
        return (int) Math.max(1, Math.round(3.0 * side / 7.0));
    }

    private static void requirePositiveChannels(long channels) {
        if (channels <= 0) {
            throw new IllegalArgumentException("FeatureArrangement: input channels must be >= 1, got " + channels);
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    public Set<ArmBlock> getBlocks() {
        return blocks.isEmpty() ? EnumSet.noneOf(ArmBlock.class) : EnumSet.copyOf(blocks);
    }

    /** The input map {@code [C, H, W]}. */
    public long[] inputShape() {
        return new long[]{channels, height, width};
    }

    /** FA's block size r (1 without FA). */
    public int getBlockSize() {
        return blockSize;
    }

    /** The map after FA {@code [C/r², H·r, W·r]} (the input map without FA). */
    public long[] arrangedShape() {
        return new long[]{arrangedChannels, arrangedHeight, arrangedWidth};
    }

    /** DA's kernel size (0 without DA). */
    public int getKernelSize() {
        return kernelSize;
    }

    /** DA's stride (0 without DA). */
    public int getStride() {
        return stride;
    }

    /** Whether the channels are averaged at the end (FA+DA without SA by default). */
    public boolean isChannelMean() {
        return channelMean;
    }

    /** ARM's output {@code [C, Ho, Wo]}. */
    public long[] outputShape() {
        return new long[]{outChannels, outHeight, outWidth};
    }

    /** The features a classifier sees: the product of {@link #outputShape()} (121 in the paper's setting). */
    public long numFeatures() {
        return outChannels * outHeight * outWidth;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(ArmBlock.format(blocks)).append(": ")
                .append(channels).append('x').append(height).append('x').append(width);
        if (blocks.contains(ArmBlock.FA)) {
            sb.append(" -FA r=").append(blockSize).append("-> ")
                    .append(arrangedChannels).append('x').append(arrangedHeight).append('x').append(arrangedWidth);
        }
        if (blocks.contains(ArmBlock.DA)) {
            sb.append(" -DA k=").append(kernelSize).append(" s=").append(stride).append("-> ")
                    .append(arrangedChannels).append('x').append(outHeight).append('x').append(outWidth);
        }
        if (blocks.contains(ArmBlock.SA)) {
            sb.append(" -SA->");
        } else if (channelMean) {
            sb.append(" -mean->");
        }
        if (blocks.contains(ArmBlock.SA) || channelMean) {
            sb.append(' ').append(outChannels).append('x').append(outHeight).append('x').append(outWidth);
        }
        return sb.append(" (").append(numFeatures()).append(" features)").toString();
    }
}
