package org.armfer.zoo.transformer;

import org.armfer.layers.transformer.ClassTokenEmbedding;
import org.armfer.layers.transformer.LayerNorm;
import org.armfer.layers.transformer.PatchEmbedding;
import org.armfer.layers.transformer.TokenPooling;
import org.armfer.layers.transformer.TransformerEncoderBlock;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * A Vision Transformer configuration (Dosovitskiy et al.; torchvision's {@code VisionTransformer}): patch size, width
 * D, depth (encoder blocks), heads and MLP width. The three of the ViT/DeiT family that fit FER work:
 * {@link #TI16} (ViT-Ti/16, 5.7M parameters), {@link #S16} (ViT-S/16, 22M) and {@link #B16} (ViT-B/16 = torchvision's
 * {@code vit_b_16}, 86M). torchvision ships only B/16 (and larger) weights; Ti and S are the same architecture with
 * DeiT's widths.
 * <p>
 * The trunk's vertices: {@code conv_proj} ({@link PatchEmbedding}), {@code embedding} ({@link ClassTokenEmbedding}:
 * torchvision's {@code class_token} and {@code encoder.pos_embedding}), {@code encoder.layers.encoder_layer_<i>}
 * ({@link TransformerEncoderBlock}), {@code encoder.ln} ({@link LayerNorm}, eps 1e-6) and {@code token} (the class
 * token, {@link TokenPooling}); the classifier is {@code heads.head}.
 *
 * @param name      catalogue name, e.g. {@code vit-b16}
 * @param patchSize patch side p
 * @param width     embedding width D
 * @param depth     number of encoder blocks
 * @param heads     attention heads (divide D)
 * @param mlpDim    MLP hidden width
 */
public record ViTConfig(String name, int patchSize, int width, int depth, int heads, int mlpDim) implements TransformerBackbone {

    /** ViT-Ti/16 (DeiT-Ti): D 192, 12 blocks, 3 heads, MLP 768. */
    public static final ViTConfig TI16 = new ViTConfig("vit-ti16", 16, 192, 12, 3, 768);
    /** ViT-S/16 (DeiT-S): D 384, 12 blocks, 6 heads, MLP 1536. */
    public static final ViTConfig S16 = new ViTConfig("vit-s16", 16, 384, 12, 6, 1536);
    /** ViT-B/16, torchvision's {@code vit_b_16}: D 768, 12 blocks, 12 heads, MLP 3072. */
    public static final ViTConfig B16 = new ViTConfig("vit-b16", 16, 768, 12, 12, 3072);

    /** torchvision's LayerNorm epsilon for ViT. */
    public static final double EPS = 1e-6;

    public static final String CONV_PROJ = "conv_proj";
    public static final String EMBEDDING = "embedding";
    public static final String BLOCK_PREFIX = "encoder.layers.encoder_layer_";
    public static final String ENCODER_LN = "encoder.ln";
    public static final String TOKEN = "token";
    public static final String HEAD = "heads.head";

    public ViTConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("ViTConfig: name must not be empty");
        }
        if (patchSize < 1 || width < 1 || depth < 1 || heads < 1 || mlpDim < 1) {
            throw new IllegalArgumentException("ViTConfig " + name + ": patchSize, width, depth, heads and mlpDim must be >= 1, got "
                    + patchSize + ", " + width + ", " + depth + ", " + heads + ", " + mlpDim);
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException("ViTConfig " + name + ": width " + width + " is not divisible by heads " + heads);
        }
    }

    @Override
    public long numFeatures() {
        return width;
    }

    @Override
    public String headName() {
        return HEAD;
    }

    @Override
    public void checkInput(int channels, int height, int width) {
        if (channels < 1) {
            throw new IllegalArgumentException(name + ": input channels must be >= 1, got " + channels);
        }
        // torchvision: "Input shape indivisible by patch size!"
        if (height < patchSize || width < patchSize || height % patchSize != 0 || width % patchSize != 0) {
            throw new IllegalArgumentException(name + ": input " + height + "x" + width + " must be a multiple of the patch size "
                    + patchSize + " in both dimensions (e.g. 48, 112, 224)");
        }
    }

    @Override
    public String addTrunk(ComputationGraphConfiguration.GraphBuilder g, String input, int channels, int height, int w) {
        checkInput(channels, height, w);
        g.addLayer(CONV_PROJ, PatchEmbedding.builder().patchSize(patchSize).embedDim(width).init(PatchEmbedding.Init.VIT).build(), input);
        g.addLayer(EMBEDDING, ClassTokenEmbedding.builder().build(), CONV_PROJ);
        String last = EMBEDDING;
        for (int i = 0; i < depth; i++) {
            String name = BLOCK_PREFIX + i;
            g.addLayer(name, TransformerEncoderBlock.builder().heads(heads).mlpDim(mlpDim).eps(EPS).build(), last);
            last = name;
        }
        g.addLayer(ENCODER_LN, LayerNorm.builder().eps(EPS).build(), last);
        g.addLayer(TOKEN, TokenPooling.builder().mode(TokenPooling.Mode.CLASS_TOKEN).build(), ENCODER_LN);
        return TOKEN;
    }

    @Override
    public boolean isTrunkVertex(String vertex) {
        return vertex.equals(CONV_PROJ) || vertex.equals(EMBEDDING) || vertex.startsWith("encoder.") || vertex.equals(TOKEN);
    }
}
