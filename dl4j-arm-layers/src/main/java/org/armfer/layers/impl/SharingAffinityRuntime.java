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
 * Runtime of {@link SharingAffinity}, computed directly (see {@link DirectLayer}) as two reductions and a broadcast add:
 * {@code a = mean_c(x)}, {@code out = a + λ·GAR}. Training and {@link GarMode#BATCH} inference use the batch GAR
 * {@code mean_n(a)}; {@link GarMode#RUNNING} inference uses the running GAR, so each example's output depends on that
 * example alone. Backprop writes the running-average step as the running GAR's "gradient", which the NoOp updater
 * applies unchanged, exactly as DL4J's BatchNormalization does for its running mean.
 * <p>
 * Gradients of the batch-GAR form ({@code out_i = a_i + (λ/N)·Σ_j a_j}): {@code dL/da_j = ε_j + (λ/N)·Σ_i ε_i},
 * {@code dL/dx_jc = dL/da_j / C}, {@code dL/dλ = Σ_i ε_i · GAR}.
 */
public class SharingAffinityRuntime extends DirectLayer {

    public SharingAffinityRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SharingAffinity sa() {
        return (SharingAffinity) layerConf();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!direct() && (training || sa().getGarMode() == GarMode.BATCH)) {
            return super.activate(training, workspaceMgr); // the SameDiff graph (batch GAR)
        }
        assertInputSet(false);
        sa().validateInput(input);
        return forward(training, workspaceMgr);
    }

    @Override
    protected INDArray forward(boolean training, LayerWorkspaceMgr mgr) {
        long n = input.size(0), h = input.size(2), w = input.size(3);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, 1, h, w}, 'c');
        INDArray flat = out.reshape('c', n, h * w);         // a view of out
        input.mean(out.reshape('c', n, h, w), 1);           // a_i: mean over channels, written into out
        INDArray gar = training || sa().getGarMode() == GarMode.BATCH
                ? flat.mean(true, 0)                         // batch GAR
                : paramTable.get(SharingAffinity.RUNNING_GAR).reshape('c', 1, h * w).castTo(input.dataType());
        flat.addiRowVector(gar.mul(lambda()));
        return out;
    }

    /** The current λ: the trained parameter, or the configured constant. */
    public double lambda() {
        INDArray p = paramTable.get(SharingAffinity.LAMBDA);
        return p != null ? p.getDouble(0) : sa().getLambda();
    }

    @Override
    protected INDArray backward(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        INDArray eps = epsilon.reshape('c', n, h * w);
        INDArray a = input.mean(true, 1).reshape('c', n, h * w);
        INDArray batchGar = a.mean(true, 0);                                    // [1, H·W]
        INDArray epsSum = eps.sum(true, 0);                                     // [1, H·W]
        INDArray da = eps.addRowVector(epsSum.mul(lambda() / n)).divi(c);       // dL/dx for every channel, [N, H·W]
        INDArray dx = mgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
        dx.addi(da.reshape('c', n, 1, h, w));                                   // broadcast over the channels
        INDArray lam = paramTable.get(SharingAffinity.LAMBDA);
        if (lam != null) {
            INDArray view = gradTable.get(SharingAffinity.LAMBDA);
            view.assign(epsSum.mul(batchGar).sum().castTo(view.dataType()).reshape(view.shape()));
            gradient.gradientForVariable().put(SharingAffinity.LAMBDA, view);
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray running = paramTable.get(SharingAffinity.RUNNING_GAR);
            INDArray step = gradTable.get(SharingAffinity.RUNNING_GAR);
            // running' = d·running + (1-d)·batch  <=>  running' = running - (1-d)·(running - batch)
            step.assign(running.sub(batchGar.castTo(running.dataType()).reshape(running.shape())).muli(1.0 - sa().getGarDecay()));
            gradient.gradientForVariable().put(SharingAffinity.RUNNING_GAR, step);
        }
        return dx;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray> ret = super.backpropGradient(epsilon, workspaceMgr);
        if (!direct()) {
            // the SameDiff graph gives the running GAR a zero gradient: put the running-average step in its place
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray running = paramTable.get(SharingAffinity.RUNNING_GAR);
                INDArray batchGar = input.mean(true, 1).mean(true, 0).castTo(running.dataType());
                INDArray step = gradTable.get(SharingAffinity.RUNNING_GAR);
                step.assign(running.sub(batchGar.reshape(running.shape())).muli(1.0 - sa().getGarDecay()));
                ret.getFirst().gradientForVariable().put(SharingAffinity.RUNNING_GAR, step);
            }
        }
        return ret;
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        // the running GAR's step is already per-batch, like BatchNormalization's running mean
        return !SharingAffinity.RUNNING_GAR.equals(paramName);
    }
}
