/**
 * Loss functions for facial-expression recognition: {@link org.armfer.layers.loss.LossPDLS} (PDLS and F-PDLS),
 * DL4J {@code ILossFunction}s for an {@code OutputLayer}.
 */
package org.armfer.layers.loss;
