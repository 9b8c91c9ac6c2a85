package org.armfer.layers;

import org.armfer.layers.impl.DirectLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct forward/backward of FA, DA and SA against the layers' own SameDiff graphs (the definition): outputs,
 * every parameter gradient (running-GAR step included) and the input gradient of a whole ARM classifier, in double
 * precision, in training and in both inference modes.
 */
class DirectLayerTest {

    @AfterEach
    void directAgain() {
        System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
    }

    private static Map<String, INDArray> run(boolean sameDiff, ArmModule arm, INDArray x, INDArray y, INDArray params) {
        if (sameDiff) {
            System.setProperty(DirectLayer.SAMEDIFF_PROPERTY, "true");
        } else {
            System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
        }
        ComputationGraph g = TestGraphs.classifier(arm, 16, 6, 6, 3, DataType.DOUBLE, new Sgd(0.1));
        g.setParams(params.dup());
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        Map<String, INDArray> out = new java.util.TreeMap<>();
        g.gradient().gradientForVariable().forEach((k, v) -> out.put("grad " + k, v.dup()));
        out.put("score", Nd4j.scalar(g.score()));
        out.put("train output", g.feedForward(x, true).get("arm.sa").dup());
        out.put("inference output", g.outputSingle(false, x).dup());
        // dL/dInput of each ARM layer alone, for a random dL/dOut
        org.deeplearning4j.nn.conf.layers.Layer[] layers = {arm.faLayer(), arm.daLayer(), arm.saLayer(), ChannelMean.builder().build()};
        long[][] inShapes = {{16, 6, 6}, {4, 12, 12}, {4, 5, 5}, {4, 5, 5}};
        for (int i = 0; i < layers.length; i++) {
            long[] sh = inShapes[i];
            ComputationGraph single = TestGraphs.single(layers[i].clone(), sh[0], sh[1], sh[2], DataType.DOUBLE);
            if (single.numParams() > 0) {
                single.setParams(seeded(7, 1, single.numParams()));
            }
            INDArray xi = seeded(11, 3, sh[0], sh[1], sh[2]);
            INDArray outShape = TestGraphs.forward(single, xi);
            INDArray eps = seeded(13, outShape.shape());
            out.put("input gradient " + i, TestGraphs.inputGradient(single, xi, eps).dup());
        }
        return out;
    }

    private static INDArray seeded(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, shape);
    }

    @Test
    void directPathEqualsTheSameDiffGraph() {
        for (GarMode mode : GarMode.values()) {
            for (boolean learnable : new boolean[]{true, false}) {
                ArmModule arm = ArmModule.builder().blockSize(2).kernelSize(4).stride(2).lambda(0.7).learnableLambda(learnable)
                        .garMode(mode).build();
                INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 16, 6, 6).subi(0.5);
                INDArray y = TestGraphs.oneHot(5, 3, 3).castTo(DataType.DOUBLE);
                INDArray params = TestGraphs.classifier(arm, 16, 6, 6, 3, DataType.DOUBLE, new Sgd(0.1)).params().dup();
                params.addi(Nd4j.rand(DataType.DOUBLE, params.shape()).muli(0.1)); // a non-zero running GAR too
                Map<String, INDArray> viaSameDiff = run(true, arm, x, y, params);
                Map<String, INDArray> direct = run(false, arm, x, y, params);
                assertEquals(viaSameDiff.keySet(), direct.keySet());
                assertTrue(direct.containsKey("grad arm.da_W") && direct.containsKey("grad arm.sa_runningGar"), direct.keySet().toString());
                for (String k : direct.keySet()) {
                    INDArray a = viaSameDiff.get(k), b = direct.get(k);
                    assertTrue(a.equalsWithEps(b, 1e-10), mode + " learnable=" + learnable + " " + k + ": max diff "
                            + a.sub(b).amaxNumber());
                }
            }
        }
    }

    @Test
    void directPathTrainsTheSameAsTheSameDiffGraph() {
        ArmModule arm = ArmModule.builder().blockSize(2).kernelSize(4).stride(2).build();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 16, 6, 6);
        INDArray y = TestGraphs.oneHot(6, 3, 5).castTo(DataType.DOUBLE);
        INDArray start = TestGraphs.classifier(arm, 16, 6, 6, 3, DataType.DOUBLE, new Sgd(0.1)).params().dup();
        INDArray[] after = new INDArray[2];
        for (int i = 0; i < 2; i++) {
            if (i == 0) System.setProperty(DirectLayer.SAMEDIFF_PROPERTY, "true");
            else System.clearProperty(DirectLayer.SAMEDIFF_PROPERTY);
            ComputationGraph g = TestGraphs.classifier(arm, 16, 6, 6, 3, DataType.DOUBLE, new Sgd(0.1));
            g.setParams(start.dup());
            for (int s = 0; s < 3; s++) g.fit(new DataSet(x, y));
            after[i] = g.params().dup();
        }
        assertTrue(after[0].equalsWithEps(after[1], 1e-10), "max diff " + after[0].sub(after[1]).amaxNumber());
        assertTrue(after[1].sub(start).amaxNumber().doubleValue() > 1e-4, "training moved the parameters");
    }
}
