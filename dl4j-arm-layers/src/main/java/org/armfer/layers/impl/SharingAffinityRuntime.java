package org.armfer.layers.impl;

import org.armfer.layers.GarMode;
import org.armfer.layers.SharingAffinity;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link SharingAffinity}. Training and {@link GarMode#BATCH} inference run the layer's SameDiff graph
 * (batch GAR); {@link GarMode#RUNNING} inference is computed here from the running GAR, so each example's output
 * depends on that example alone. Backprop writes the running-average step as the running GAR's "gradient", which
 * the NoOp updater applies unchanged, exactly as DL4J's BatchNormalization does for its running mean.
 */
public class SharingAffinityRuntime extends QuietSameDiffLayer {

    public SharingAffinityRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SharingAffinity sa() {
        return (SharingAffinity) layerConf();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training || sa().getGarMode() == GarMode.BATCH) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        sa().validateInput(input);
        long n = input.size(0);
        long h = input.size(2);
        long w = input.size(3);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, 1, h, w}, 'c');
        INDArray flat = out.reshape('c', n, h * w);         // a view of out
        input.mean(out.reshape('c', n, h, w), 1);           // a_i: mean over channels, written into out
        INDArray gar = paramTable.get(SharingAffinity.RUNNING_GAR).reshape('c', 1, h * w).mul(lambda());
        flat.addiRowVector(gar);
        return out;
    }

    /** The current λ: the trained parameter, or the configured constant. */
    public double lambda() {
        INDArray p = paramTable.get(SharingAffinity.LAMBDA);
        return p != null ? p.getDouble(0) : sa().getLambda();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray> ret = super.backpropGradient(epsilon, workspaceMgr);
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray running = paramTable.get(SharingAffinity.RUNNING_GAR);
            INDArray batchGar = input.mean(true, 1).mean(true, 0).castTo(running.dataType());
            // running' = d·running + (1-d)·batch  <=>  running' = running - (1-d)·(running - batch)
            INDArray step = gradTable.get(SharingAffinity.RUNNING_GAR);
            step.assign(running.sub(batchGar.reshape(running.shape())).muli(1.0 - sa().getGarDecay()));
            ret.getFirst().gradientForVariable().put(SharingAffinity.RUNNING_GAR, step);
        }
        return ret;
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        // the running GAR's step is already per-batch, like BatchNormalization's running mean
        return !SharingAffinity.RUNNING_GAR.equals(paramName);
    }
}
