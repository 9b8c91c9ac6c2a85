package org.armfer.train;

import org.armfer.fast.FastBatchNormalization;
import org.armfer.layers.ArmModule;
import org.armfer.layers.SharingAffinity;
import org.armfer.zoo.Npz;
import org.armfer.zoo.TorchWeights;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WeightDecayMode#COUPLED} is PyTorch's {@code Adam(weight_decay)}: the same small network (conv, BatchNorm,
 * ReLU, ARM's FA + DA + BN + SA with λ, linear classifier), the same initial weights and batch, several steps in
 * both; every parameter must end equal. The other modes, and coupled decay without BatchNorm's, must not.
 */
class CoupledWeightDecayTest {

    static final int STEPS = 5;
    static final double LR = 1e-2;
    /** Large, so that the decay's share of each step is far above float rounding. */
    static final double WD = 0.1;
    static final double TOLERANCE = 2e-5;

    @TempDir
    static Path dir;
    static Reference adam;

    /** PyTorch's run: the state dict before and after {@link #STEPS} steps on {@code batch}. */
    record Reference(Map<String, INDArray> initial, Map<String, INDArray> expected, DataSet batch) {
    }

    /** Runs coupled_adam.py with {@code optimizer} (adam, sgd-momentum) in {@code dir}. */
    static Reference pyTorch(Path dir, String optimizer) throws Exception {
        PyTorchScript.run("coupled_adam.py", dir, dir.toString(), "3", Integer.toString(STEPS), Double.toString(LR),
                Double.toString(WD), optimizer);
        Map<String, INDArray> data = Npz.read(dir.resolve("data.npz"));
        INDArray y = data.get("y");
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, y.length(), 3);
        for (int i = 0; i < y.length(); i++) oneHot.putScalar(i, y.getInt(i), 1);
        return new Reference(Npz.read(dir.resolve("initial.npz")), Npz.read(dir.resolve("final.npz")),
                new DataSet(data.get("x").castTo(DataType.FLOAT), oneHot));
    }

    @BeforeAll
    static void pyTorch() throws Exception {
        adam = pyTorch(dir, "adam");
    }

    /** The PyTorch network in DL4J, named as TorchWeights reads the state dict. */
    static ComputationGraphConfiguration small() {
        return small(new Adam(LR));
    }

    static ComputationGraphConfiguration small(org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(1).updater(updater)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(8).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(false).build(), "conv1")
                .addLayer("relu", new ActivationLayer(Activation.RELU), "bn1");
        String last = ArmModule.builder().kernelSize(4).stride(4).build().addTo(g, "relu", "arm");
        g.addLayer("fc", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                .build(), last).setOutputs("fc");
        return g.build();
    }

    /** The largest |difference| from PyTorch over the trainable parameters, and the one it is in. */
    static Map.Entry<String, Double> trainOnce(ComputationGraphConfiguration conf) throws Exception {
        return trainOnce(conf, adam);
    }

    static Map.Entry<String, Double> trainOnce(ComputationGraphConfiguration conf, Reference ref) throws Exception {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        TorchWeights.load(net, ref.initial(), TorchWeights.Scope.ALL, "initial.npz");
        for (int i = 0; i < STEPS; i++) {
            net.fit(ref.batch());
        }
        ComputationGraph want = new ComputationGraph(small());
        want.init();
        TorchWeights.load(want, ref.expected(), TorchWeights.Scope.ALL, "final.npz");
        String worst = null;
        double max = -1;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            String k = e.getKey();
            if (k.endsWith("_" + SharingAffinity.RUNNING_GAR) || k.endsWith("_mean") || k.endsWith("_var")) {
                continue; // statistics, not trained parameters (and SA's running GAR has no PyTorch counterpart)
            }
            double d = e.getValue().castTo(DataType.DOUBLE).sub(want.paramTable().get(k).castTo(DataType.DOUBLE))
                    .amaxNumber().doubleValue();
            if (d > max) {
                max = d;
                worst = k;
            }
        }
        return Map.entry(worst, max);
    }

    @Test
    void coupledDecayIsPyTorchsAdamWeightDecayOnEveryParameter() throws Exception {
        ComputationGraphConfiguration conf = WeightDecayMode.COUPLED.apply(small(), WD);
        Map.Entry<String, Double> d = trainOnce(conf);
        assertTrue(d.getValue() <= TOLERANCE, STEPS + " Adam steps, lr " + LR + ", weight_decay " + WD + ": max |difference| "
                + d.getValue() + " in " + d.getKey());
    }

    @Test
    void decoupledDecayNoDecayAndDecayWithoutBatchNormAreNot() throws Exception {
        for (WeightDecayMode m : new WeightDecayMode[]{WeightDecayMode.DECOUPLED, WeightDecayMode.NONE}) {
            Map.Entry<String, Double> d = trainOnce(m.apply(small(), WD));
            assertTrue(d.getValue() > 20 * TOLERANCE, m + " must differ from PyTorch's coupled decay: " + d);
        }
        // coupled on everything but BatchNorm's gamma and beta (what DL4J's own L2 does): the batch norms differ
        ComputationGraphConfiguration conf = WeightDecayMode.COUPLED.apply(small(), WD);
        for (var v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof CoupledDecayBatchNormalization c) {
                lv.getLayerConf().setLayer(FastBatchNormalization.of(c));
            }
        }
        Map.Entry<String, Double> d = trainOnce(conf);
        assertTrue(d.getValue() > 20 * TOLERANCE && d.getKey().contains("bn"), "without BatchNorm's decay: " + d);
    }

    @Test
    void modesAreSetOnTheConfigurationAndUndoneForTheSavedModel() throws Exception {
        ComputationGraphConfiguration conf = WeightDecayMode.COUPLED.apply(small(), WD);
        assertTrue(((LayerVertex) conf.getVertices().get("bn1")).getLayerConf().getLayer() instanceof CoupledDecayBatchNormalization);
        assertTrue(((LayerVertex) conf.getVertices().get("arm.bn")).getLayerConf().getLayer() instanceof CoupledDecayBatchNormalization);
        // applying another mode replaces the decay (never doubles it) and restores the plain batch norm
        ComputationGraphConfiguration back = WeightDecayMode.DECOUPLED.apply(ComputationGraphConfiguration.fromJson(conf.toJson()), WD);
        Object bn = ((LayerVertex) back.getVertices().get("bn1")).getLayerConf().getLayer();
        assertEquals(FastBatchNormalization.class, bn.getClass());
        assertEquals(1, ((ConvolutionLayer) ((LayerVertex) back.getVertices().get("conv1")).getLayerConf().getLayer())
                .getRegularization().size(), "one decay term");
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        ComputationGraph saved = WeightDecayMode.forInference(net);
        assertTrue(!saved.getConfiguration().toJson().contains(CoupledDecayBatchNormalization.class.getName()),
                "the saved model needs no armfer-train classes");
        assertEquals(net.params(), saved.params());
        assertEquals(net.outputSingle(adam.batch().getFeatures()), saved.outputSingle(adam.batch().getFeatures()));
    }
}
