/**
 * Transformer layers for token grids and sequences, each exactly the torchvision module it is named after, with
 * PyTorch's parameter layouts: {@link org.armfer.layers.transformer.PatchEmbedding},
 * {@link org.armfer.layers.transformer.ClassTokenEmbedding}, {@link org.armfer.layers.transformer.LayerNorm},
 * {@link org.armfer.layers.transformer.TransformerEncoderBlock} (ViT), {@link org.armfer.layers.transformer.SwinBlock},
 * {@link org.armfer.layers.transformer.PatchMerging} (Swin) and {@link org.armfer.layers.transformer.TokenPooling}.
 */
package org.armfer.layers.transformer;
