package org.armfer.layers.impl;

import org.armfer.layers.DeAlbino;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link DeAlbino} computed directly: one {@code conv2d} over the {@code N·C} single-channel maps forward, one
 * {@code conv2d_bp} backward (both with the kernel as YXIO {@code [k, k, 1, 1]}).
 */
public class DeAlbinoRuntime extends DirectLayer {

    public DeAlbinoRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private DeAlbino da() {
        return (DeAlbino) layerConf();
    }

    /** conv2d / conv2d_bp integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, VALID, NCHW, YXIO. */
    private int[] iArgs() {
        int k = da().getKernelSize(), s = da().getStride();
        return new int[]{k, k, s, s, 0, 0, 1, 1, 0, 0, 0};
    }

    private INDArray kernel() {
        int k = da().getKernelSize();
        return paramTable.get(DeAlbino.WEIGHT).reshape('c', k, k, 1, 1);
    }

    @Override
    protected INDArray forward(boolean training, LayerWorkspaceMgr mgr) {
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        long[] o = da().outputShape(c, h, w);
        INDArray single = input.reshape('c', n * c, 1, h, w);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, c, o[1], o[2]}, 'c');
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(single, kernel())
                .addOutputs(out.reshape('c', n * c, 1, o[1], o[2])).addIntegerArguments(iArgs()).build());
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        int k = da().getKernelSize();
        INDArray single = input.reshape('c', n * c, 1, h, w);
        INDArray eps = epsilon.reshape('c', n * c, 1, epsilon.size(2), epsilon.size(3));
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
        INDArray dw = Nd4j.createUninitialized(epsilon.dataType(), k, k, 1, 1);
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(single, kernel(), eps)
                .addOutputs(dx.reshape('c', n * c, 1, h, w), dw).addIntegerArguments(iArgs()).build());
        INDArray view = gradTable.get(DeAlbino.WEIGHT);
        view.assign(dw.reshape('c', view.shape()));
        gradient.gradientForVariable().put(DeAlbino.WEIGHT, view);
        return dx;
    }
}
