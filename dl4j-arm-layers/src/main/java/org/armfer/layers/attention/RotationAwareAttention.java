package org.armfer.layers.attention;

import org.armfer.layers.GraphBlock;
import org.armfer.layers.impl.BlockBuilder;
import org.armfer.layers.impl.GraphBlocks;
import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;

import java.util.Objects;

/**
 * The angle-sensitive spatial attention of RARN (Zhu, rotation-aware residual network for facial expression
 * recognition), as a CBAM-style spatial gate. <b>No public code of RARN exists: this follows the paper's description,
 * not a reference implementation</b>, so exact parity with the authors' models is not claimed. For a feature map X
 * {@code [N, C, H, W]}:
 * <pre>
 *   F = ReLU(BN(conv f x f, C -> C, no bias)(X))                            f = 3 by default
 *   P = concat(max over channels of F, mean over channels of F)              [N, 2, H, W]
 *   M = sigmoid(BN(conv s x s, 2 -> 1, no bias)(P))                          s = 7 by default
 *   out = X ⊙ M                                                              [N, C, H, W]
 * </pre>
 * 'same' padding throughout. The first convolution has no bias because the BatchNorm after it would cancel one
 * (its gradient would be exactly zero). Trainable parameters: {@code C²·f² + 2·C + 2·s² + 2}.
 * <p>
 * {@link #addTo} adds the vertices ({@code P} is the prefix) {@code P.conv}, {@code P.bn}, {@code P.relu},
 * {@code P.pool} ({@link ChannelMaxMeanPooling}), {@code P.spatial_conv}, {@code P.spatial_bn}, {@code P.sigmoid},
 * {@code P.gate} ({@link SpatialGateVertex}, the output). Parameters: convolutions {@code W}; BatchNorms
 * {@code gamma}, {@code beta}, {@code mean}, {@code var}.
 */
public final class RotationAwareAttention implements GraphBlock {

    static final String WHO = "RotationAwareAttention";

    public static final String CONV = ".conv";
    public static final String BN = ".bn";
    public static final String RELU = ".relu";
    public static final String POOL = ".pool";
    public static final String SPATIAL_CONV = ".spatial_conv";
    public static final String SPATIAL_BN = ".spatial_bn";
    public static final String SIGMOID = ".sigmoid";
    public static final String GATE = ".gate";

    private final int featureKernelSize;
    private final int spatialKernelSize;
    private final double bnDecay;
    private final double bnEps;

    private RotationAwareAttention(Builder b) {
        this.featureKernelSize = b.featureKernelSize;
        this.spatialKernelSize = b.spatialKernelSize;
        this.bnDecay = b.getBnDecay();
        this.bnEps = b.getBnEps();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().featureKernelSize(featureKernelSize).spatialKernelSize(spatialKernelSize).bnDecay(bnDecay).bnEps(bnEps);
    }

    /** Trainable parameters for {@code channels} input channels (BatchNorm running statistics not counted). */
    public long numTrainableParams(long channels) {
        return channels * channels * featureKernelSize * featureKernelSize + 2 * channels
                + 2L * spatialKernelSize * spatialKernelSize + 2;
    }

    /**
     * Adds the attention after {@code inputVertex} (a 4-D NCHW feature map). The graph builder needs its input types
     * set ({@code setInputTypes}).
     *
     * @return the name of the output vertex, {@code prefix + ".gate"}
     */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        return addTo(graphBuilder, inputVertex, GraphBuilderTypes.cnnType(graphBuilder, inputVertex, WHO), prefix);
    }

    /** Adds the attention after {@code inputVertex}, whose output is {@code inputType} (a 4-D NCHW feature map). */
    @Override
    public String addTo(ComputationGraphConfiguration.GraphBuilder graphBuilder, String inputVertex, InputType inputType,
                        String prefix) {
        Objects.requireNonNull(graphBuilder, "graphBuilder");
        Objects.requireNonNull(prefix, "prefix");
        long c = GraphBuilderTypes.nchw(inputType, WHO, "\"" + inputVertex + "\"").getChannels();
        graphBuilder.addLayer(prefix + CONV, GraphBlocks.sameConv(featureKernelSize, c, c, false, new ActivationIdentity()), inputVertex);
        graphBuilder.addLayer(prefix + BN, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + CONV);
        graphBuilder.addLayer(prefix + RELU, GraphBlocks.activation(new ActivationReLU()), prefix + BN);
        graphBuilder.addLayer(prefix + POOL, ChannelMaxMeanPooling.builder().build(), prefix + RELU);
        graphBuilder.addLayer(prefix + SPATIAL_CONV, GraphBlocks.sameConv(spatialKernelSize, 2, 1, false, new ActivationIdentity()),
                prefix + POOL);
        graphBuilder.addLayer(prefix + SPATIAL_BN, GraphBlocks.batchNorm(bnDecay, bnEps), prefix + SPATIAL_CONV);
        graphBuilder.addLayer(prefix + SIGMOID, GraphBlocks.activation(new ActivationSigmoid()), prefix + SPATIAL_BN);
        graphBuilder.addVertex(prefix + GATE, new SpatialGateVertex(), inputVertex, prefix + SIGMOID);
        return prefix + GATE;
    }

    /** The input's type: the attention reweights the map, keeping its shape. */
    @Override
    public InputType outputType(InputType inputType) {
        return GraphBuilderTypes.nchw(inputType, WHO, "the input vertex");
    }

    @Override
    public String defaultPrefix() {
        return "rarn";
    }


    public int getFeatureKernelSize() {
        return featureKernelSize;
    }

    public int getSpatialKernelSize() {
        return spatialKernelSize;
    }

    public double getBnDecay() {
        return bnDecay;
    }

    public double getBnEps() {
        return bnEps;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof RotationAwareAttention)) return false;
        RotationAwareAttention r = (RotationAwareAttention) o;
        return featureKernelSize == r.featureKernelSize && spatialKernelSize == r.spatialKernelSize
                && Double.compare(bnDecay, r.bnDecay) == 0 && Double.compare(bnEps, r.bnEps) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(featureKernelSize, spatialKernelSize, bnDecay, bnEps);
    }

    @Override
    public String toString() {
        return WHO + "{featureKernelSize=" + featureKernelSize + ", spatialKernelSize=" + spatialKernelSize
                + ", bnDecay=" + bnDecay + ", bnEps=" + bnEps + "}";
    }

    /** Builder; every setter validates its value. */
    public static final class Builder extends BlockBuilder<Builder> {
        private int featureKernelSize = 3;
        private int spatialKernelSize = 7;

        private Builder() {
            super(WHO);
        }

        /** Kernel size of the C -> C feature convolution, odd >= 1 (default 3). */
        public Builder featureKernelSize(int k) {
            this.featureKernelSize = GraphBlocks.checkOddKernel(WHO, "featureKernelSize", k);
            return this;
        }

        /** Kernel size of the 2 -> 1 spatial convolution, odd >= 1 (default 7, CBAM's). */
        public Builder spatialKernelSize(int k) {
            this.spatialKernelSize = GraphBlocks.checkOddKernel(WHO, "spatialKernelSize", k);
            return this;
        }

        public RotationAwareAttention build() {
            return new RotationAwareAttention(this);
        }
    }
}
