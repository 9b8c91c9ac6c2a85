package org.armfer.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Builds an initialised model for a number of classes and a square input side: how a library that builds its own
 * networks (ViT, Swin, ...) registers them with {@link FerModels#register(String, String, int, GraphFactory)}.
 */
@FunctionalInterface
public interface GraphFactory {

    /**
     * The initialised graph: one network input {@code [N, 3, inputSize, inputSize]}, one softmax output of
     * {@code numClasses}.
     */
    ComputationGraph create(int numClasses, int inputSize);
}
