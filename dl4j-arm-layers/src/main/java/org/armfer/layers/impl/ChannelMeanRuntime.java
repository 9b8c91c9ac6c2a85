package org.armfer.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link org.armfer.layers.ChannelMean} computed directly: one reduction forward, one broadcast backward. */
public class ChannelMeanRuntime extends DirectLayer {

    public ChannelMeanRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(boolean training, LayerWorkspaceMgr mgr) {
        long n = input.size(0), h = input.size(2), w = input.size(3);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, 1, h, w}, 'c');
        input.mean(out.reshape('c', n, h, w), 1);
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
        long c = input.size(1);
        INDArray dx = mgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
        dx.addi(epsilon.div(c));   // [N, 1, H, W] broadcast over the channels
        return dx;
    }
}
