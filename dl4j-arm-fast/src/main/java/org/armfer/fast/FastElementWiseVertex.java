package org.armfer.fast;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;

/**
 * DL4J's {@link ElementWiseVertex} whose addition of two arrays of the same shape and type (a residual connection)
 * writes the sum in one pass: DL4J M2.1 first copies the first input into the output and then adds the second to it,
 * two passes over the tensor (about 5% of a ResNet-18 inference on a CPU). Every other case (other operations, more
 * inputs, broadcasting, mixed types) and the backward pass are DL4J's. JSON names this class; parameters: none.
 */
public class FastElementWiseVertex extends ElementWiseVertex {

    /** For JSON. */
    public FastElementWiseVertex() {
        super(Op.Add);
    }

    public FastElementWiseVertex(Op op) {
        super(op);
    }

    @Override
    public FastElementWiseVertex clone() {
        return new FastElementWiseVertex(op);
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        if (op != Op.Add) {
            return super.instantiate(graph, name, idx, paramsView, initializeParams, networkDatatype);
        }
        return new Runtime(graph, name, idx, networkDatatype);
    }

    /** The runtime vertex: DL4J's, with the one-pass addition of two inputs. */
    static final class Runtime extends org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex {

        /** DL4J's count of the forward pass's inputs, which its backward pass reads. */
        private static final Field IN_FORWARD_PASS = Helpers.field(
                org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex.class, "nInForwardPass");

        Runtime(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, Op.Add, dataType);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoForward() || inputs.length != 2 || !inputs[0].equalShapes(inputs[1])
                    || inputs[0].dataType() != dataType || inputs[1].dataType() != dataType) {
                return super.doForward(training, workspaceMgr);
            }
            try {
                IN_FORWARD_PASS.setInt(this, 2);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            INDArray sum = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, inputs[0].shape(), 'c');
            Nd4j.exec(new AddOp(inputs[0], inputs[1], sum));
            return sum;
        }
    }
}
