/**
 * Resizing inside a DL4J graph: {@link org.armfer.layers.resize.Resize2D} (fixed-size bilinear or nearest resize, as
 * PyTorch's {@code F.interpolate}) and the {@link org.armfer.layers.resize.LearnableResizer} of Talebi &amp; Milanfar.
 */
package org.armfer.layers.resize;
