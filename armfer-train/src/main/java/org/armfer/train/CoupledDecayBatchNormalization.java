package org.armfer.train;

import org.armfer.fast.FastBatchNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A {@link FastBatchNormalization} whose scale (gamma) and shift (beta) are regularized like any other parameter:
 * gamma by the layer's weight regularization, beta by its bias regularization. DL4J's BatchNormalization never
 * regularizes them ({@code getRegularizationByParam} returns null), but PyTorch's {@code Adam(weight_decay=...)}, which
 * the reference training uses, decays every parameter, BatchNorm's included; {@link WeightDecayMode#COUPLED} puts this
 * layer in place of each batch norm for that. The running mean and variance are statistics, never regularized.
 * <p>
 * A training-time configuration only: {@link WeightDecayMode#forInference} turns it back into a
 * {@link FastBatchNormalization} (same parameters, same JSON but the class name) for the saved model.
 */
public class CoupledDecayBatchNormalization extends FastBatchNormalization {

    public CoupledDecayBatchNormalization() {
        super();
    }

    /** A copy of {@code conf} (every field, through DL4J's own JSON) as this class. */
    public static CoupledDecayBatchNormalization of(BatchNormalization conf) {
        ObjectMapper json = NeuralNetConfiguration.mapper();
        ObjectNode tree = json.valueToTree(conf);
        tree.put("@class", CoupledDecayBatchNormalization.class.getName());
        try {
            return (CoupledDecayBatchNormalization) json.treeToValue(tree, Layer.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot copy the batch norm configuration " + conf.getLayerName(), e);
        }
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        switch (paramName) {
            case BatchNormalizationParamInitializer.GAMMA:
                return getRegularization();
            case BatchNormalizationParamInitializer.BETA:
                return getRegularizationBias();
            default:
                return null;
        }
    }

    @Override
    public CoupledDecayBatchNormalization clone() {
        return (CoupledDecayBatchNormalization) super.clone();
    }
}
