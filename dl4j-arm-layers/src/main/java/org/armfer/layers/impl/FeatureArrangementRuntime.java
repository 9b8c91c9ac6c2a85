package org.armfer.layers.impl;

import org.armfer.layers.FeatureArrangement;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link FeatureArrangement} computed directly: two strided copies forward, their inverses backward. */
public class FeatureArrangementRuntime extends DirectLayer {

    public FeatureArrangementRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(boolean training, LayerWorkspaceMgr mgr) {
        FeatureArrangement fa = (FeatureArrangement) layerConf();
        long n = input.size(0), ch = input.size(1), h = input.size(2), w = input.size(3);
        long r = fa.blockSizeFor(ch);
        long c = ch / (r * r);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, c, h * r, w * r}, 'c');
        // [N, C'·r·r, H, W] = [N, C', r(i), r(j), H, W] -> [N, C', H, r(i), W, r(j)]: the same order as PixelShuffle.
        // Two copies with long contiguous runs (ND4J copies a 6-d permuted view ~6x slower than these two):
        // 1. [N·C'·r(i), r(j), H·W] -> [N·C'·r(i), H·W, r(j)]
        INDArray tmp = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, input.dataType(), new long[]{n * c * r, h * w, r}, 'c');
        tmp.assign(input.reshape('c', n * c * r, r, h * w).permute(0, 2, 1));
        // 2. [N·C', r(i), H, W·r(j)] -> [N·C', H, r(i), W·r(j)]
        out.reshape('c', n * c, h, r, w * r).assign(tmp.reshape('c', n * c, r, h, w * r).permute(0, 2, 1, 3));
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
        FeatureArrangement fa = (FeatureArrangement) layerConf();
        long n = input.size(0), ch = input.size(1), h = input.size(2), w = input.size(3);
        long r = fa.blockSizeFor(ch);
        long c = ch / (r * r);
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
        // the forward's two copies, inverted
        INDArray tmp = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(), new long[]{n * c, r, h, w * r}, 'c');
        tmp.assign(epsilon.reshape('c', n * c, h, r, w * r).permute(0, 2, 1, 3));
        dx.reshape('c', n * c * r, r, h * w).assign(tmp.reshape('c', n * c * r, h * w, r).permute(0, 2, 1));
        return dx;
    }
}
