package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A tiny network for plumbing tests: input [1, side, side] -> 3x3 conv (8 channels, same size) -> ARM -> softmax. Its
 * feature map is [8, side, side]; with the default FA (C' = 2, r = 2) the arranged map is 2 x 2side x 2side.
 */
final class TinyModel implements ModelFactory {

    static final int CHANNELS = 8;

    private final int side;
    private final int classes;

    TinyModel(int side, int classes) {
        this.side = side;
        this.classes = classes;
    }

    @Override
    public long[] featureMapShape() {
        return new long[]{CHANNELS, side, side};
    }

    @Override
    public ComputationGraphConfiguration build(ArmModule arm) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(7)
                .updater(new Adam(1e-2))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(side, side, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(CHANNELS).activation(Activation.RELU).build(), "in");
        String last = arm.addTo(g, "conv", "arm");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(classes).build(), last);
        g.setOutputs("out");
        return g.build();
    }

    @Override
    public String describe() {
        return "tiny conv 1x" + side + "x" + side + ", " + classes + " classes";
    }
}
