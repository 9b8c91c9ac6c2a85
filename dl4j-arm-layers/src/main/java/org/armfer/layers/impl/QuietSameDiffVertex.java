package org.armfer.layers.impl;

import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
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
 * DL4J's runtime SameDiff graph vertex (the runtime of a {@link SameDiffVertex}) with the two DL4J/ND4J 1.0.0-M2.1
 * defects that {@link QuietSameDiffLayer} mends for layers, mended the same way:
 * <ul>
 *   <li>gradients: the vertex uses the same external-errors op as SameDiff layers, which counts dL/dOutput twice, so
 *       every input and parameter gradient comes out exactly 2x too large. The gradient function is inspected once;
 *       when the gradient of the vertex output is {@code add(eps, eps)} of the external-errors placeholder, epsilon
 *       is fed halved (exact in floating point). A DL4J without the defect is detected and left alone.</li>
 *   <li>output: the gradient function is created with SameDiff's "Added differentiated op ..." lines kept off
 *       standard output ({@link StdoutFilter}).</li>
 * </ul>
 * A {@link SameDiffVertex} uses it by returning it from {@code instantiate}. Everything else is DL4J's own code.
 */
public class QuietSameDiffVertex extends SameDiffGraphVertex {

    /** Factor applied to epsilon so that the gradient function sees dL/dOutput once: 0.5 on DL4J M2.1, else 1. */
    private double epsilonScale = Double.NaN;

    public QuietSameDiffVertex(SameDiffVertex config, ComputationGraph graph, String name, int vertexIndex,
                               INDArray paramsView, boolean initParams, DataType dataType) {
        super(config, graph, name, vertexIndex, paramsView, initParams, dataType);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        ensureGradFunction();
        INDArray original = epsilon;
        if (epsilonScale != 1.0 && original != null) {
            epsilon = original.mul(epsilonScale);
        }
        try {
            return super.doBackward(tbptt, workspaceMgr);
        } finally {
            epsilon = original;
        }
    }

    /** Creates the SameDiff graph and its gradient function, if not done yet, without SameDiff's stdout chatter. */
    protected void ensureGradFunction() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sameDiff == null) {
                doInit();
            }
            if (!sameDiff.hasGradientFunction()) {
                String[] inputNames = config.getVertexParams().getInputs().toArray(new String[0]);
                StdoutFilter.run(() -> sameDiff.createGradFunction(inputNames));
            }
            if (Double.isNaN(epsilonScale)) {
                epsilonScale = countsExternalErrorsTwice() ? 0.5 : 1.0;
            }
        }
    }

    /** Whether the gradient of the vertex output is {@code add(eps, eps)} of the external-errors placeholder. */
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
