/**
 * Transformer zoo models: {@link org.armfer.zoo.transformer.VisionTransformer} and
 * {@link org.armfer.zoo.transformer.SwinTransformer} (torchvision's architectures, in the configurations of
 * {@link org.armfer.zoo.transformer.ViTConfig} and {@link org.armfer.zoo.transformer.SwinConfig}), seed 003's
 * {@link org.armfer.zoo.transformer.NeuralResizerTransformer} (super-resolution, learnable resizer, optional spatial
 * transformer, F-PDLS), torchvision weight import ({@link org.armfer.zoo.transformer.TransformerWeights}), the
 * entries {@link org.armfer.zoo.FerModels} registers ({@link org.armfer.zoo.transformer.TransformerModels}); the
 * reference's recipe is {@link org.armfer.zoo.ReferenceRecipes#VT_NR_FERPLUS}.
 */
package org.armfer.zoo.transformer;
