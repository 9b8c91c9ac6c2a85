package org.armfer.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small graphs around one layer, for tests. */
final class TestGraphs {

    private TestGraphs() {
    }

    static NeuralNetConfiguration.Builder base(DataType dt, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(dt).updater(updater);
    }

    /** input [c, h, w] -> layer ("l") -> identity CnnLossLayer ("out"). */
    static ComputationGraph single(Layer layer, long c, long h, long w, DataType dt) {
        ComputationGraphConfiguration conf = base(dt, new NoOp()).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("l", layer, "in")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "l")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** The activation of vertex "l" of a {@link #single} graph, in inference mode. */
    static INDArray forward(ComputationGraph g, INDArray x) {
        return g.feedForward(x, false).get("l");
    }

    /** dL/dInput of the runtime layer "l" for dL/dOut = epsilon (training-mode forward first). */
    static INDArray inputGradient(ComputationGraph g, INDArray x, INDArray epsilon) {
        g.initGradientsView();
        org.deeplearning4j.nn.api.Layer l = g.getLayer("l");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        l.setInput(x, mgr);
        l.activate(true, mgr);
        return l.backpropGradient(epsilon, mgr).getSecond();
    }

    /** A softmax classifier graph: input -> ARM blocks given -> OutputLayer(nOut). */
    static ComputationGraph classifier(ArmModule arm, long c, long h, long w, int nOut, DataType dt, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b = base(dt, updater).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(h, w, c));
        String last = arm.addTo(b, "in", "arm");
        b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(nOut).build(), last).setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** Every parameter of {@code before} other than in the vertices named {@code changed} is in {@code after}, equal. */
    static void assertUntouched(ComputationGraph before, ComputationGraph after, String... changed) {
        java.util.Set<String> skip = java.util.Set.of(changed);
        int compared = 0;
        for (java.util.Map.Entry<String, INDArray> e : before.paramTable().entrySet()) {
            String vertex = e.getKey().substring(0, e.getKey().lastIndexOf('_'));
            if (skip.contains(vertex)) {
                continue;
            }
            org.junit.jupiter.api.Assertions.assertEquals(e.getValue(), after.paramTable().get(e.getKey()), "parameter " + e.getKey());
            compared++;
        }
        org.junit.jupiter.api.Assertions.assertTrue(compared > 0);
    }

    static INDArray oneHot(int n, int classes, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return y;
    }
}
