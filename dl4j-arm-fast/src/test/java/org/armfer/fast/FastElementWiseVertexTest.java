package org.armfer.fast;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.armfer.fast.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** {@link FastElementWiseVertex} against DL4J's {@link ElementWiseVertex}: outputs, gradients, training, JSON. */
class FastElementWiseVertexTest {

    @BeforeAll
    static void helpers() {
        CpuBackend.configure();
    }

    /** in -> d1, d2, d3 (dense, tanh); v = op(d1, d2[, d3]) -> out. */
    private static ComputationGraph graph(boolean fast, ElementWiseVertex.Op op, int inputs) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(4)
                .dataType(DataType.FLOAT).updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(5));
        String[] names = new String[inputs];
        for (int i = 0; i < inputs; i++) {
            names[i] = "d" + i;
            b.addLayer(names[i], new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(), "in");
        }
        b.addVertex("v", fast ? new FastElementWiseVertex(op) : new ElementWiseVertex(op), names)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "v")
                .setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @ParameterizedTest
    @EnumSource(value = ElementWiseVertex.Op.class, names = {"Add", "Subtract", "Product", "Max"})
    void sameOutputsGradientsAndTrainingAsDl4j(ElementWiseVertex.Op op) {
        for (int inputs : new int[] {2, 3}) {
            if (op == ElementWiseVertex.Op.Subtract && inputs == 3) {
                continue;   // DL4J's Subtract takes two inputs
            }
            ComputationGraph ref = graph(false, op, inputs);
            ComputationGraph fast = graph(true, op, inputs);
            if (op == ElementWiseVertex.Op.Add) {
                assertInstanceOf(FastElementWiseVertex.Runtime.class, fast.getVertex("v"));
            }
            assertEquals(ref.params(), fast.params());
            Nd4j.getRandom().setSeed(2);
            INDArray x = Nd4j.randn(DataType.FLOAT, 7, 5);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 7, 3);
            for (int i = 0; i < 7; i++) {
                y.putScalar(i, i % 3, 1.0);
            }
            String what = op + " of " + inputs;
            assertClose(ref.outputSingle(x), fast.outputSingle(x), 1e-6, what + ": output");
            Close.computeGradients(x, y, ref, fast);
            assertClose(ref.gradient().gradient(), fast.gradient().gradient(), 1e-6, what + ": gradients");
            for (int i = 0; i < 3; i++) {
                ref.fit(new MultiDataSet(x, y));
                fast.fit(new MultiDataSet(x, y));
            }
            assertClose(ref.params(), fast.params(), 1e-5, what + ": parameters after 3 steps");
            ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(
                    fast.getConfiguration().toJson());
            FastElementWiseVertex v = assertInstanceOf(FastElementWiseVertex.class, back.getVertices().get("v"));
            assertEquals(op, v.getOp(), "op survives JSON");
        }
    }
}
