/**
 * Attention and fusion blocks for facial-expression recognition that drop into any DL4J ComputationGraph:
 * {@link org.armfer.layers.attention.DecomposedSpatialModulator} (DSM),
 * {@link org.armfer.layers.attention.RotationAwareAttention} and {@link org.armfer.layers.attention.RotationAwareFusion}
 * (RARN, from the paper's description), each added with {@code addTo(graphBuilder, input(s), prefix)}, and their
 * parameter-free parts {@link org.armfer.layers.attention.SpatialGateVertex} and
 * {@link org.armfer.layers.attention.ChannelMaxMeanPooling}.
 */
package org.armfer.layers.attention;
