package org.armfer.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * DL4J's runtime SameDiff layer with two defects of DL4J/ND4J 1.0.0-M2.1 mended:
 * <ul>
 *   <li>gradients: M2.1's external-errors op counts dL/dOutput twice. Its {@code doDiff} registers the gradient
 *       placeholder as the output's gradient and also returns it, and {@code DifferentialFunction.diff} adds the two,
 *       so the gradient function computes from {@code eps + eps}: every SameDiff layer's input and parameter
 *       gradients come out exactly 2x too large (a gradient check of any SameDiff layer fails). The gradient function
 *       is inspected once; when it has that {@code add(eps, eps)}, epsilon is fed halved, which is exact in floating
 *       point. A DL4J without the defect is detected and left alone.</li>
 *   <li>output: the gradient function is created with SameDiff's "Added differentiated op ..." lines (which SameDiff
 *       prints straight to the process's stdout) kept off standard output.</li>
 * </ul>
 * Everything else is DL4J's own implementation.
 */
public class QuietSameDiffLayer extends SameDiffLayer {

    /** Factor applied to epsilon so that the gradient function sees dL/dOutput once: 0.5 on DL4J M2.1, else 1. */
    private double epsilonScale = Double.NaN;

    public QuietSameDiffLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        ensureGradFunction();
        INDArray eps = epsilonScale == 1.0 ? epsilon : epsilon.mul(epsilonScale);
        return super.backpropGradient(eps, workspaceMgr);
    }

    /** Creates the SameDiff graph and its gradient function, if not done yet, without SameDiff's stdout chatter. */
    protected void ensureGradFunction() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sameDiff == null) {
                doInit();
            }
            if (!sameDiff.hasGradientFunction()) {
                StdoutFilter.run(() -> sameDiff.createGradFunction(INPUT_KEY));
            }
            if (Double.isNaN(epsilonScale)) {
                epsilonScale = countsExternalErrorsTwice() ? 0.5 : 1.0;
            }
        }
    }

    /** Whether the gradient of the layer output is {@code add(eps, eps)} of the external-errors placeholder. */
    private boolean countsExternalErrorsTwice() {
        SameDiff grad = sameDiff.getFunction("grad");
        SDVariable g = grad.getGradForVariable(outputKey);
        if (g == null) {
            return false;
        }
        String opName = grad.getVariables().get(g.name()).getOutputOfOp();
        if (opName == null) {
            return false;
        }
        SameDiffOp op = grad.getOps().get(opName);
        List<String> inputs = op.getInputsToOp();
        String placeholder = fn.getGradPlaceholderName();
        return op.getOp() instanceof AddOp && inputs != null && inputs.size() == 2
                && placeholder.equals(inputs.get(0)) && placeholder.equals(inputs.get(1));
    }
}
