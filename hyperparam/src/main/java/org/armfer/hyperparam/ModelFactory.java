package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * The network a search puts each candidate ARM into. {@link ResNetArmFactory} is the one the ready-made searches use
 * (the zoo's ResNet-18 with ARM as its head); tests and users may plug in any other backbone.
 */
public interface ModelFactory {

    /** {@code [C, H, W]}: the feature map ARM receives, against which each candidate's geometry is checked. */
    long[] featureMapShape();

    /**
     * The whole classifier with {@code arm} as its head.
     *
     * @throws IllegalArgumentException when {@code arm} cannot be built into this network (the candidate is then
     *                                  recorded as invalid, with the message as its reason)
     */
    ComputationGraphConfiguration build(ArmModule arm);

    /** A one-line description for logs and the best-configuration JSON (e.g. "resnet18 3x48x48, 7 classes"). */
    String describe();
}
