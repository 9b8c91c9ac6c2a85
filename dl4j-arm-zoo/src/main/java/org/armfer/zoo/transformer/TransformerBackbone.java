package org.armfer.zoo.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * A transformer trunk that can be put after an image vertex of a graph: everything of the torchvision model up to the
 * pooled feature vector its classifier reads ({@link ViTConfig}, {@link SwinConfig}). Vertex names are torchvision's
 * module names, so that weight import is a lookup.
 */
public interface TransformerBackbone {

    /** The configuration's name, e.g. {@code vit-b16}, {@code swin-t}. */
    String name();

    /** Width of the pooled feature vector (the classifier's input). */
    long numFeatures();

    /** Name of torchvision's classifier vertex ({@code heads.head} for ViT, {@code head} for Swin). */
    String headName();

    /** Throws IllegalArgumentException, naming the allowed values, when the trunk cannot take this input. */
    void checkInput(int channels, int height, int width);

    /**
     * Adds the trunk after {@code input} (an NCHW image {@code [N, channels, height, width]}).
     *
     * @return the vertex holding the pooled features {@code [N, numFeatures()]}
     */
    String addTrunk(ComputationGraphConfiguration.GraphBuilder graph, String input, int channels, int height, int width);

    /** Whether a vertex belongs to the trunk (what an ImageNet backbone import sets). */
    boolean isTrunkVertex(String vertex);
}
