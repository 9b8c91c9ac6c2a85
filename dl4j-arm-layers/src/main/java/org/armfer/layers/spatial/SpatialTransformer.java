package org.armfer.layers.spatial;

import org.armfer.layers.impl.GraphBuilderTypes;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

import java.util.Objects;

/**
 * A spatial transformer network in front of a model, as the VT_with_NR_for_FER reference's {@code STN} (after PyTorch's
 * spatial transformer tutorial): a localisation network
 * <pre>
 *   conv 7x7 (C -> 8) -> max-pool 2x2/2 -> ReLU -> conv 5x5 (8 -> 10) -> max-pool 2x2/2 -> ReLU
 *   -> Linear(10·s², 32) -> ReLU -> Linear(32, 6)          (s = ((H - 6) / 2 - 4) / 2, floors)
 * </pre>
 * regresses an affine transform θ per image, and {@link AffineGridSampleVertex} warps the image with it (bilinear,
 * {@code align_corners=True}). The last linear layer starts at zero and the sampler adds the identity, so the
 * transformer starts as the identity. Vertex names (P = prefix) follow the reference's modules:
 * {@code P.localization.0, .1, .2, .3, .4, .5, P.fc_loc.0} (Linear + ReLU), {@code P.fc_loc.2}, and {@code P.sample}
 * (the output, same shape as the input).
 */
public final class SpatialTransformer {

    static final String WHO = "SpatialTransformer";

    private final int hidden;

    private SpatialTransformer(Builder b) {
        this.hidden = b.hidden;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int getHidden() {
        return hidden;
    }

    /** Side of the localisation network's last map for an input side. */
    public static long localisationSide(long side) {
        return ((side - 7 + 1) / 2 - 5 + 1) / 2;
    }

    /** Adds the transformer after {@code inputVertex} (an NCHW image); returns the output vertex {@code prefix + ".sample"}. */
    public String addTo(ComputationGraphConfiguration.GraphBuilder g, String inputVertex, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        InputType.InputTypeConvolutional in = GraphBuilderTypes.cnnType(g, inputVertex, WHO);
        long sh = localisationSide(in.getHeight()), sw = localisationSide(in.getWidth());
        if (sh < 1 || sw < 1) {
            throw new IllegalArgumentException(WHO + ": input " + in.getHeight() + "x" + in.getWidth() + " is too small for the"
                    + " localisation network (7x7 conv, pool 2, 5x5 conv, pool 2); allowed: height and width >= 20");
        }
        String p = prefix + ".localization.";
        g.addLayer(p + "0", new ConvolutionLayer.Builder(7, 7).nOut(8).convolutionMode(ConvolutionMode.Truncate)
                .activation(Activation.IDENTITY).build(), inputVertex);
        g.addLayer(p + "1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).build(), p + "0");
        g.addLayer(p + "2", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "1");
        g.addLayer(p + "3", new ConvolutionLayer.Builder(5, 5).nOut(10).convolutionMode(ConvolutionMode.Truncate)
                .activation(Activation.IDENTITY).build(), p + "2");
        g.addLayer(p + "4", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).build(), p + "3");
        g.addLayer(p + "5", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "4");
        g.addLayer(prefix + ".fc_loc.0", new DenseLayer.Builder().nOut(hidden).activation(Activation.RELU).build(), p + "5");
        // Δθ starts at 0: the sampler adds the identity
        g.addLayer(prefix + ".fc_loc.2", new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY)
                .weightInit(WeightInit.ZERO).biasInit(0.0).build(), prefix + ".fc_loc.0");
        g.addVertex(prefix + ".sample", new AffineGridSampleVertex(), inputVertex, prefix + ".fc_loc.2");
        return prefix + ".sample";
    }

    @Override
    public String toString() {
        return WHO + "{hidden=" + hidden + "}";
    }

    /** Builder: the hidden width of the regressor (default 32, the reference's). */
    public static final class Builder {
        private int hidden = 32;

        private Builder() {
        }

        public Builder hidden(int hidden) {
            if (hidden < 1) {
                throw new IllegalArgumentException(WHO + ": hidden must be >= 1, got " + hidden);
            }
            this.hidden = hidden;
            return this;
        }

        public SpatialTransformer build() {
            return new SpatialTransformer(this);
        }
    }
}
