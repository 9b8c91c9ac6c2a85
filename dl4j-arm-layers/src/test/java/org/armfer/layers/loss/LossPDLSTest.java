package org.armfer.layers.loss;

import org.armfer.layers.attention.GraphTesting;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossPDLSTest {

    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    /** A random K x K prior: non-negative rows summing to 1, with mass on the diagonal like annotation votes. */
    static double[][] prior(int k, long seed) {
        Random r = new Random(seed);
        double[][] d = new double[k][k];
        for (int i = 0; i < k; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                d[i][j] = (i == j ? 3 : 0) + r.nextDouble();
                sum += d[i][j];
            }
            for (int j = 0; j < k; j++) {
                d[i][j] /= sum;
            }
        }
        return d;
    }

    /** Labels: one-hot rows, or (soft) random probability distributions. */
    static INDArray labels(int n, int k, boolean soft, long seed) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, k);
        for (int i = 0; i < n; i++) {
            if (!soft) {
                y.putScalar(i, r.nextInt(k), 1.0);
                continue;
            }
            double[] q = new double[k];
            double s = 0;
            for (int j = 0; j < k; j++) {
                q[j] = r.nextDouble();
                s += q[j];
            }
            for (int j = 0; j < k; j++) {
                y.putScalar(i, j, q[j] / s);
            }
        }
        return y;
    }

    /** The loss of one example by plain loops: Σ_y q_y · (-Σ_k w_k(y) (1-p_k)^γ log p_k), p = softmax(z) or sigmoid(z). */
    static double lossByHand(double[] z, double[] q, double[][] d, double alpha, double gamma, boolean softmax) {
        int k = z.length;
        double[] p = new double[k];
        if (softmax) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (double v : z) max = Math.max(max, v);
            for (int j = 0; j < k; j++) sum += Math.exp(z[j] - max);
            for (int j = 0; j < k; j++) p[j] = Math.exp(z[j] - max) / sum;
        } else {
            for (int j = 0; j < k; j++) p[j] = 1 / (1 + Math.exp(-z[j]));
        }
        double loss = 0;
        for (int y = 0; y < k; y++) {
            if (q[y] == 0) continue;
            double ly = 0;
            for (int j = 0; j < k; j++) {
                double w = (j == y ? alpha : 0) + (1 - alpha) * d[y][j];
                ly -= w * Math.pow(1 - p[j], gamma) * Math.log(p[j]);
            }
            loss += q[y] * ly;
        }
        return loss;
    }

    @ParameterizedTest(name = "alpha={0}, gamma={1}, N={2}, K={3}, soft={4}, softmax={5}")
    @CsvSource({"0.5,0,4,7,false,true", "0.8,2,4,7,false,true", "0.8,2,5,8,true,true", "0.3,0.5,3,3,false,true",
            "1.0,0,3,5,false,true", "0,2,3,4,true,true", "0.8,2,4,5,false,false", "0.5,0,3,4,true,false"})
    void scoresMatchPlainJavaLoops(double alpha, double gamma, int n, int k, boolean soft, boolean softmax) {
        String ctx = "alpha=" + alpha + ", gamma=" + gamma + ", N=" + n + ", K=" + k + ", soft=" + soft + ", softmax=" + softmax;
        double[][] d = prior(k, 3);
        LossPDLS loss = new LossPDLS(d, alpha, gamma);
        Nd4j.getRandom().setSeed(17);
        INDArray z = Nd4j.randn(DataType.DOUBLE, n, k).muli(2);
        INDArray y = labels(n, k, soft, 5);
        IActivation act = softmax ? new ActivationSoftmax() : new ActivationSigmoid();
        INDArray scores = loss.computeScoreArray(y, z, act, null);
        assertArrayEquals(new long[]{n, 1}, scores.shape(), ctx);
        double total = 0;
        for (int i = 0; i < n; i++) {
            double expected = lossByHand(z.getRow(i).toDoubleVector(), y.getRow(i).toDoubleVector(), d, alpha, gamma, softmax);
            assertEquals(expected, scores.getDouble(i, 0), 1e-12 * Math.max(1, Math.abs(expected)), ctx + ", example " + i);
            total += expected;
        }
        assertEquals(total, loss.computeScore(y, z, act, null, false), 1e-11, ctx + ": sum");
        assertEquals(total / n, loss.computeScore(y, z, act, null, true), 1e-11, ctx + ": average");
        assertEquals(total / n, loss.computeGradientAndScore(y, z, act, null, true).getFirst(), 1e-11, ctx + ": score of computeGradientAndScore");
    }

    @Test
    void focalPdlsByHandForTwoClasses() {
        // z = [0, ln 3]: p = [0.25, 0.75]; true class 0; D = [[0.6, 0.4], [0.3, 0.7]]; alpha 0.8 -> w = [0.92, 0.08]
        double[][] d = {{0.6, 0.4}, {0.3, 0.7}};
        INDArray z = Nd4j.createFromArray(new double[][]{{0, Math.log(3)}});
        INDArray y = Nd4j.createFromArray(new double[][]{{1, 0}});
        double fpdls = -(0.92 * 0.75 * 0.75 * Math.log(0.25) + 0.08 * 0.25 * 0.25 * Math.log(0.75));
        assertEquals(fpdls, LossPDLS.focal(d).computeScore(y, z, new ActivationSoftmax(), null, true), 1e-14,
                "F-PDLS: the focal factor (1-p_k)^2 on both classes");
        double pdls = -(0.8 * Math.log(0.25) + 0.2 * Math.log(0.75)); // alpha 0.5: w = [0.5 + 0.3, 0.2]
        assertEquals(pdls, LossPDLS.pdls(d).computeScore(y, z, new ActivationSoftmax(), null, true), 1e-14, "PDLS");
        double focalOnTargetOnly = -(0.92 * 0.75 * 0.75 * Math.log(0.25) + 0.08 * Math.log(0.75));
        assertNotEquals(focalOnTargetOnly, LossPDLS.focal(d).computeScore(y, z, new ActivationSoftmax(), null, true), 1e-6);
        assertEquals(0.5, LossPDLS.pdls(d).getAlpha());
        assertEquals(0.0, LossPDLS.pdls(d).getGamma());
        assertEquals(0.8, LossPDLS.focal(d).getAlpha());
        assertEquals(2.0, LossPDLS.focal(d).getGamma());
    }

    @ParameterizedTest(name = "alpha={0}, gamma={1}, soft={2}, softmax={3}")
    @CsvSource({"0.5,0,false,true", "0.8,2,false,true", "0.8,2,true,true", "0.6,0.5,false,true", "0.7,1,true,true",
            "0.8,2,false,false", "0.5,0,true,false", "0.4,3,false,false"})
    void gradientMatchesFiniteDifferences(double alpha, double gamma, boolean soft, boolean softmax) {
        String ctx = "alpha=" + alpha + ", gamma=" + gamma + ", soft=" + soft + ", softmax=" + softmax;
        int n = 4, k = 6;
        LossPDLS loss = new LossPDLS(prior(k, 8), alpha, gamma);
        Nd4j.getRandom().setSeed(23);
        INDArray z = Nd4j.randn(DataType.DOUBLE, n, k).muli(1.5);
        INDArray y = labels(n, k, soft, 9);
        IActivation act = softmax ? new ActivationSoftmax() : new ActivationSigmoid();
        INDArray grad = loss.computeGradient(y, z, act, null);
        assertEquals(grad, loss.computeGradientAndScore(y, z, act, null, false).getSecond(), ctx + ": both gradient methods");
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                INDArray plus = z.dup(), minus = z.dup();
                plus.putScalar(i, j, z.getDouble(i, j) + h);
                minus.putScalar(i, j, z.getDouble(i, j) - h);
                double numeric = (loss.computeScore(y, plus, act, null, false) - loss.computeScore(y, minus, act, null, false)) / (2 * h);
                double analytic = grad.getDouble(i, j);
                assertEquals(numeric, analytic, 1e-7 + 1e-6 * Math.abs(numeric), ctx + ": dL/dz[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void alphaOneWithoutFocusIsDl4jsCrossEntropy() {
        INDArray z = Nd4j.randn(DataType.DOUBLE, 5, 4);
        INDArray y = labels(5, 4, false, 2);
        LossPDLS ce = new LossPDLS(prior(4, 1), 1.0, 0.0);
        LossMCXENT mcxent = new LossMCXENT();
        ActivationSoftmax sm = new ActivationSoftmax();
        assertTrue(mcxent.computeScoreArray(y, z, sm, null).equalsWithEps(ce.computeScoreArray(y, z, sm, null), 1e-12), "scores");
        assertTrue(mcxent.computeGradient(y, z, sm, null).equalsWithEps(ce.computeGradient(y, z, sm, null), 1e-12), "gradients");
    }

    @Test
    void softLabelsGiveTheExpectedLossOverTheirDistribution() {
        int k = 5;
        LossPDLS loss = LossPDLS.focal(prior(k, 4));
        INDArray z = Nd4j.randn(DataType.DOUBLE, 1, k);
        double[] q = {0.1, 0.5, 0.0, 0.15, 0.25};
        double mixed = 0;
        INDArray gradMixed = Nd4j.zeros(DataType.DOUBLE, 1, k);
        for (int c = 0; c < k; c++) {
            INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, 1, k).putScalar(0, c, 1.0);
            mixed += q[c] * loss.computeScore(oneHot, z, new ActivationSoftmax(), null, false);
            gradMixed.addi(loss.computeGradient(oneHot, z, new ActivationSoftmax(), null).mul(q[c]));
        }
        INDArray soft = Nd4j.createFromArray(new double[][]{q});
        assertEquals(mixed, loss.computeScore(soft, z, new ActivationSoftmax(), null, false), 1e-12, "score = Σ_y q_y loss(y)");
        assertTrue(gradMixed.equalsWithEps(loss.computeGradient(soft, z, new ActivationSoftmax(), null), 1e-12), "gradient likewise");
    }

    @Test
    void perExampleMasksZeroTheirRows() {
        LossPDLS loss = LossPDLS.focal(prior(3, 2));
        INDArray z = Nd4j.randn(DataType.DOUBLE, 4, 3);
        INDArray y = labels(4, 3, false, 3);
        y.getRow(2).assign(0); // a masked-out row need not be a distribution
        INDArray mask = Nd4j.createFromArray(new double[][]{{1}, {1}, {0}, {1}});
        INDArray unmasked = loss.computeScoreArray(labels(4, 3, false, 3), z, new ActivationSoftmax(), null);
        INDArray scores = loss.computeScoreArray(y, z, new ActivationSoftmax(), mask);
        INDArray grad = loss.computeGradient(y, z, new ActivationSoftmax(), mask);
        assertEquals(0.0, scores.getDouble(2, 0), "masked score");
        assertEquals(0.0, grad.getRow(2).amaxNumber().doubleValue(), "masked gradient");
        assertEquals(unmasked.getDouble(1, 0), scores.getDouble(1, 0), 1e-14, "unmasked rows unchanged");
        double sum = scores.sumNumber().doubleValue();
        assertEquals(sum / 4, loss.computeScore(y, z, new ActivationSoftmax(), mask, true), 1e-14, "average over N, like LossMCXENT");
        String perOutput = assertThrows(UnsupportedOperationException.class,
                () -> loss.computeScore(y, z, new ActivationSoftmax(), Nd4j.ones(DataType.DOUBLE, 4, 3), true)).getMessage();
        assertTrue(perOutput.contains("per-output masking"), perOutput);
    }

    /** in [2, 3, 3] -> "m.conv" -> GAP -> "m.dense" (tanh) -> "m.out" (softmax, loss). */
    private static ComputationGraph classifier(ILossFunction loss, int classes, DataType dt, IUpdater updater) {
        ComputationGraphConfiguration conf = GraphTesting.base(dt, updater).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(3, 3, 2))
                .addLayer("m.conv", new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("m.gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "m.conv")
                .addLayer("m.dense", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "m.gap")
                .addLayer("m.out", new OutputLayer.Builder(loss).activation(Activation.SOFTMAX).nOut(classes).build(), "m.dense")
                .setOutputs("m.out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @ParameterizedTest(name = "{0}, soft={1}")
    @CsvSource({"pdls,false", "focal,false", "focal,true"})
    void gradientCheckAsAnOutputLayersLoss(String which, boolean soft) {
        double[][] d = prior(4, 6);
        LossPDLS loss = which.equals("pdls") ? LossPDLS.pdls(d) : LossPDLS.focal(d);
        ComputationGraph g = classifier(loss, 4, DataType.DOUBLE, new NoOp());
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2, 3, 3).subi(0.5).muli(2);
        GraphTesting.assertGradientsMatch(g, new INDArray[]{x}, new INDArray[]{labels(5, 4, soft, 13)},
                loss + " behind conv -> GAP -> dense, soft=" + soft);
    }

    @Test
    void roundTripsInsideAGraphConfigurationAndFits() {
        double[][] d = prior(5, 7);
        LossPDLS loss = new LossPDLS(d, 0.7, 1.5);
        ComputationGraph g = classifier(loss, 5, DataType.FLOAT, new Adam(1e-2));
        String json = g.getConfiguration().toJson();
        assertTrue(json.contains("\"prior\"") && json.contains("LossPDLS"), json);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(g.getConfiguration(), back, "configuration JSON round trip");
        OutputLayer out = (OutputLayer) ((LayerVertex) back.getVertices().get("m.out")).getLayerConf().getLayer();
        LossPDLS restored = (LossPDLS) out.getLossFn();
        assertEquals(loss, restored, "loss after JSON");
        assertEquals(0.7, restored.getAlpha());
        assertEquals(1.5, restored.getGamma());
        for (int i = 0; i < d.length; i++) {
            assertArrayEquals(d[i], restored.getPrior()[i], 0.0, "prior row " + i + " exactly");
        }

        Nd4j.getRandom().setSeed(14);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 2, 3, 3);
        INDArray y = labels(6, 5, false, 15).castTo(DataType.FLOAT);
        MultiDataSet data = new MultiDataSet(x, y);
        double before = g.score(data);
        GraphTesting.assertFitsOneStep(g, data, "m", "PDLS(alpha 0.7, gamma 1.5) classifier, Adam");
        for (int i = 0; i < 20; i++) {
            g.fit(data);
        }
        assertTrue(g.score(data) < before, "20 more steps lower the loss: " + before + " -> " + g.score(data));
        GraphTesting.assertSaveLoadRoundTrip(g, new INDArray[]{x}, "classifier with LossPDLS");
    }

    @Test
    void rejectsBadPriorsParametersAndLabels() {
        double[][] badRow = {{0.5, 0.5, 0}, {0.2, 0.2, 0.2}, {0, 0, 1}};
        assertEquals("LossPDLS: every row of the prior matrix D must sum to 1 (within 1.0E-6); row 1 sums to 0.6000000000000001",
                assertThrows(IllegalArgumentException.class, () -> LossPDLS.pdls(badRow)).getMessage());
        String notSquare = assertThrows(IllegalArgumentException.class,
                () -> LossPDLS.pdls(new double[][]{{0.5, 0.5}, {0.2, 0.3, 0.5}})).getMessage();
        assertTrue(notSquare.contains("must be square (K x K): it has 2 rows but row 1 has 3 entries"), notSquare);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossPDLS.pdls(new double[][]{{1}})).getMessage()
                .contains("K >= 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossPDLS.pdls(new double[][]{{1.5, -0.5}, {0, 1}}))
                .getMessage().contains("D[0][1] = -0.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossPDLS.pdls(new double[][]{{Double.NaN, 1}, {0, 1}}))
                .getMessage().contains("D[0][0] = NaN"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossPDLS.pdls((double[][]) null)).getMessage()
                .contains("prior matrix D is null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossPDLS.focal(Nd4j.ones(DataType.DOUBLE, 2, 2, 2)))
                .getMessage().contains("must be 2-D (K x K), got shape [2, 2, 2]"));
        double[][] d = prior(3, 1);
        assertEquals(LossPDLS.focal(d), LossPDLS.focal(Nd4j.createFromArray(d)), "double[][] and INDArray priors agree");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LossPDLS(d, 1.2, 0)).getMessage()
                .contains("alpha must be in [0, 1] (weight of the true class), got 1.2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LossPDLS(d, 0.5, -1)).getMessage()
                .contains("gamma must be a finite number >= 0 (0 = no focal factor), got -1.0"));

        LossPDLS loss = LossPDLS.pdls(d);
        ActivationSoftmax sm = new ActivationSoftmax();
        INDArray z4 = Nd4j.randn(DataType.DOUBLE, 2, 4);
        String classes = assertThrows(IllegalStateException.class, () -> loss.computeScore(labels(2, 4, false, 1), z4, sm, null, true))
                .getMessage();
        assertEquals("LossPDLS: the prior matrix D is 3x3 but the output layer has 4 classes; D must be K x K for K classes", classes);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 3, 3);
        INDArray notDistribution = Nd4j.createFromArray(new double[][]{{1, 0, 0}, {0, 0, 0}, {0, 1, 0}});
        String sums = assertThrows(IllegalArgumentException.class, () -> loss.computeGradient(notDistribution, z, sm, null)).getMessage();
        assertTrue(sums.contains("label row 1 sums to 0.0"), sums);
        INDArray negative = Nd4j.createFromArray(new double[][]{{1, 0, 0}, {0, 1, 0}, {1.5, -0.5, 0}});
        String neg = assertThrows(IllegalArgumentException.class, () -> loss.computeGradient(negative, z, sm, null)).getMessage();
        assertTrue(neg.contains("found -0.5 in row 2"), neg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> loss.computeGradient(Nd4j.ones(DataType.DOUBLE, 3, 2), z, sm, null))
                .getMessage().contains("equal shapes"));
    }
}
