/**
 * Spatial transformer networks: {@link org.armfer.layers.spatial.AffineGridSampleVertex} (PyTorch's affine_grid +
 * grid_sample as a graph vertex) and {@link org.armfer.layers.spatial.SpatialTransformer} (the localisation network of
 * VT_with_NR_for_FER's STN in front of a model).
 */
package org.armfer.layers.spatial;
