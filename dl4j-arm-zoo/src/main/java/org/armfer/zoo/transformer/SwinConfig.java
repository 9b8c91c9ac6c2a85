package org.armfer.zoo.transformer;

import org.armfer.layers.transformer.LayerNorm;
import org.armfer.layers.transformer.PatchEmbedding;
import org.armfer.layers.transformer.PatchMerging;
import org.armfer.layers.transformer.SwinBlock;
import org.armfer.layers.transformer.TokenPooling;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

import java.util.List;

/**
 * A Swin Transformer configuration (Liu et al.; torchvision's {@code SwinTransformer}, v1): patch size, embedding
 * width C, blocks per stage, heads per stage, window size and the stochastic-depth rate, which rises linearly from 0
 * at the first block to {@code stochasticDepth} at the last, as torchvision's. {@link #T} = {@code swin_t},
 * {@link #S} = {@code swin_s}, {@link #B} = {@code swin_b}.
 * <p>
 * The trunk's vertices (torchvision's module names): {@code features.0.0} (patch partition, {@link PatchEmbedding}),
 * {@code features.0.2} ({@link LayerNorm}), stage s = 0..3 as {@code features.<2s+1>.<j>} ({@link SwinBlock}, every
 * second one shifted by ws/2) with {@code features.<2s+2>} ({@link PatchMerging}) between stages, {@code norm} and
 * {@code avgpool} ({@link TokenPooling}, mean); the classifier is {@code head}.
 *
 * @param name            catalogue name, e.g. {@code swin-t}
 * @param patchSize       patch side (4)
 * @param embedDim        width C of the first stage (doubles at every merge)
 * @param depths          blocks per stage
 * @param heads           heads per stage
 * @param windowSize      window side (7)
 * @param stochasticDepth stochastic-depth probability of the last block
 */
public record SwinConfig(String name, int patchSize, int embedDim, List<Integer> depths, List<Integer> heads, int windowSize,
                         double stochasticDepth) implements TransformerBackbone {

    /** torchvision's {@code swin_t}: C 96, depths [2, 2, 6, 2], heads [3, 6, 12, 24], window 7, stochastic depth 0.2. */
    public static final SwinConfig T = new SwinConfig("swin-t", 4, 96, List.of(2, 2, 6, 2), List.of(3, 6, 12, 24), 7, 0.2);
    /** torchvision's {@code swin_s}: C 96, depths [2, 2, 18, 2], heads [3, 6, 12, 24], window 7, stochastic depth 0.3. */
    public static final SwinConfig S = new SwinConfig("swin-s", 4, 96, List.of(2, 2, 18, 2), List.of(3, 6, 12, 24), 7, 0.3);
    /** torchvision's {@code swin_b}: C 128, depths [2, 2, 18, 2], heads [4, 8, 16, 32], window 7, stochastic depth 0.5. */
    public static final SwinConfig B = new SwinConfig("swin-b", 4, 128, List.of(2, 2, 18, 2), List.of(4, 8, 16, 32), 7, 0.5);

    public static final double EPS = 1e-5;
    public static final String PATCH_EMBED = "features.0.0";
    public static final String PATCH_NORM = "features.0.2";
    public static final String NORM = "norm";
    public static final String POOL = "avgpool";
    public static final String HEAD = "head";

    public SwinConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("SwinConfig: name must not be empty");
        }
        depths = List.copyOf(depths);
        heads = List.copyOf(heads);
        if (depths.isEmpty() || depths.size() != heads.size()) {
            throw new IllegalArgumentException("SwinConfig " + name + ": depths " + depths + " and heads " + heads
                    + " must be non-empty and of equal length (one entry per stage)");
        }
        if (patchSize < 1 || embedDim < 1 || windowSize < 1) {
            throw new IllegalArgumentException("SwinConfig " + name + ": patchSize, embedDim and windowSize must be >= 1");
        }
        for (int s = 0; s < depths.size(); s++) {
            long dim = (long) embedDim << s;
            if (depths.get(s) < 1 || heads.get(s) < 1 || dim % heads.get(s) != 0) {
                throw new IllegalArgumentException("SwinConfig " + name + ": stage " + s + " needs depth >= 1 and heads dividing its"
                        + " width " + dim + ", got depth " + depths.get(s) + ", heads " + heads.get(s));
            }
        }
        if (!(stochasticDepth >= 0 && stochasticDepth < 1)) {
            throw new IllegalArgumentException("SwinConfig " + name + ": stochasticDepth must be in [0, 1), got " + stochasticDepth);
        }
    }

    /** This configuration with another stochastic-depth rate (0 switches it off). */
    public SwinConfig withStochasticDepth(double p) {
        return new SwinConfig(name, patchSize, embedDim, depths, heads, windowSize, p);
    }

    @Override
    public long numFeatures() {
        return (long) embedDim << (depths.size() - 1);
    }

    @Override
    public String headName() {
        return HEAD;
    }

    /** Vertex name of block j of stage s (0-based). */
    public static String blockName(int stage, int block) {
        return "features." + (2 * stage + 1) + "." + block;
    }

    /** Vertex name of the patch merging after stage s. */
    public static String mergeName(int stage) {
        return "features." + (2 * stage + 2);
    }

    @Override
    public void checkInput(int channels, int height, int width) {
        if (channels < 1) {
            throw new IllegalArgumentException(name + ": input channels must be >= 1, got " + channels);
        }
        if (height < patchSize || width < patchSize) {
            throw new IllegalArgumentException(name + ": input " + height + "x" + width + " is smaller than one patch (" + patchSize
                    + "); allowed: height and width >= " + patchSize);
        }
    }

    /** torchvision's per-block stochastic-depth probability: {@code p · i / (total - 1)} for block i (0-based). */
    public double blockStochasticDepth(int blockIndex) {
        int total = depths.stream().mapToInt(Integer::intValue).sum();
        return total <= 1 ? 0.0 : stochasticDepth * blockIndex / (total - 1);
    }

    @Override
    public String addTrunk(ComputationGraphConfiguration.GraphBuilder g, String input, int channels, int height, int width) {
        checkInput(channels, height, width);
        g.addLayer(PATCH_EMBED, PatchEmbedding.builder().patchSize(patchSize).embedDim(embedDim)
                .init(PatchEmbedding.Init.TORCH_DEFAULT).build(), input);
        g.addLayer(PATCH_NORM, LayerNorm.builder().eps(EPS).build(), PATCH_EMBED);
        String last = PATCH_NORM;
        int blockIndex = 0;
        for (int s = 0; s < depths.size(); s++) {
            long dim = (long) embedDim << s;
            for (int j = 0; j < depths.get(s); j++) {
                String name = blockName(s, j);
                g.addLayer(name, SwinBlock.builder().heads(heads.get(s)).windowSize(windowSize)
                        .shiftSize(j % 2 == 0 ? 0 : windowSize / 2).mlpDim(4 * dim).eps(EPS)
                        .stochasticDepth(blockStochasticDepth(blockIndex++)).build(), last);
                last = name;
            }
            if (s < depths.size() - 1) {
                g.addLayer(mergeName(s), PatchMerging.builder().eps(EPS).build(), last);
                last = mergeName(s);
            }
        }
        g.addLayer(NORM, LayerNorm.builder().eps(EPS).build(), last);
        g.addLayer(POOL, TokenPooling.builder().mode(TokenPooling.Mode.MEAN).build(), NORM);
        return POOL;
    }

    @Override
    public boolean isTrunkVertex(String vertex) {
        return vertex.startsWith("features.") || vertex.equals(NORM) || vertex.equals(POOL);
    }
}
