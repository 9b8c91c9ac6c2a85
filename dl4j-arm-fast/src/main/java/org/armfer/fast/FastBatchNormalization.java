package org.armfer.fast;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link BatchNormalization} layer (same parameters, same JSON apart from the class name, same running
 * statistics) whose NCHW forward and backward passes on the CPU are computed by {@link BatchNormHelper}: about half
 * the time of DL4J M2.1's own CPU path in a ResNet-18 training step. {@code new FastBatchNormalization.Builder()}
 * takes every option of DL4J's builder; {@link #of(BatchNormalization)} converts an existing configuration. On other
 * backends (CUDA), and for inputs the helper does not handle, DL4J's own implementation runs.
 */
public class FastBatchNormalization extends BatchNormalization {

    public FastBatchNormalization() {
        super();
    }

    /** A copy of {@code conf} (every field, layer name included) that runs with {@link BatchNormHelper}. */
    public static FastBatchNormalization of(BatchNormalization conf) {
        FastBatchNormalization f = new FastBatchNormalization();
        Helpers.copyFields(conf, f, BatchNormalization.class);
        return f;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        Layer layer = super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                networkDataType);
        if (Helpers.cpuBackend() && !isLockGammaBeta()) {
            Helpers.setField(layer, org.deeplearning4j.nn.layers.normalization.BatchNormalization.class, "helper",
                    new BatchNormHelper());
        }
        return layer;
    }

    @Override
    public FastBatchNormalization clone() {
        return (FastBatchNormalization) super.clone();
    }

    /** DL4J's batch normalisation builder; {@link #build()} returns a {@link FastBatchNormalization}. */
    public static class Builder extends BatchNormalization.Builder {
        @Override
        @SuppressWarnings("unchecked")
        public FastBatchNormalization build() {
            return of(super.build());
        }
    }
}
