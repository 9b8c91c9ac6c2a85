package org.armfer.zoo.transformer;

import org.armfer.layers.spatial.AffineGridSampleVertex;
import org.armfer.zoo.Npz;
import org.armfer.zoo.TorchWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity with torchvision 0.14, reference outputs made during the test run (transformer_reference.py): random
 * weights exported from PyTorch, imported with TorchWeights, same inputs. Full-size vit_b_16 and swin_t at 224 in
 * eval mode (float32, probabilities within 1e-4); one training step's gradients of small configurations of the same
 * classes in float64 (ViT; Swin with padded, shifted and unshifted windows); the position-embedding interpolation of
 * torchvision's interpolate_embeddings; the spatial transformer's sampler against F.affine_grid + F.grid_sample.
 */
class TransformerParityTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TransformerParityTest.class);

    private static double maxDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    private static void assertProbs(ComputationGraph g, Map<String, INDArray> io, String ctx) {
        INDArray probs = g.outputSingle(io.get("x").castTo(g.params().dataType()));
        assertArrayEquals(io.get("probs").shape(), probs.shape(), ctx);
        double d = maxDiff(probs, io.get("probs"));
        log.info("{}: max |probability difference| {}", ctx, d);
        assertTrue(d <= 1e-4, ctx + ": max |probability difference| " + d + " > 1e-4");
        // the reference is not a trivial one: its probabilities are spread
        assertTrue(io.get("probs").castTo(DataType.DOUBLE).amaxNumber().doubleValue() < 0.95, ctx + ": saturated reference");
    }

    @Test
    void vitB16MatchesTorchvisionAt224(@TempDir Path dir) throws Exception {
        TransformerReference.make("vit_b_16", dir, 21);
        ComputationGraph g = VisionTransformer.builder().config(ViTConfig.B16).numClasses(7).inputSize(224).build().init();
        TorchWeights.Report r = TorchWeights.load(g, dir.resolve("weights.npz"));
        assertEquals(g.paramTable().size(), r.loaded().size(), "every graph parameter loaded");
        assertProbs(g, Npz.read(dir.resolve("io.npz")), "vit_b_16, batch 2, 224x224, eval");
    }

    @Test
    void swinTMatchesTorchvisionAt224(@TempDir Path dir) throws Exception {
        TransformerReference.make("swin_t", dir, 22);
        ComputationGraph g = SwinTransformer.builder().config(SwinConfig.T).numClasses(7).inputSize(224).build().init();
        TorchWeights.Report r = TorchWeights.load(g, dir.resolve("weights.npz"));
        assertEquals(g.paramTable().size(), r.loaded().size(), "every graph parameter loaded");
        assertEquals(12, r.skipped().stream().filter(k -> k.endsWith("relative_position_index")).count(),
                "the 12 relative position index buffers checked, not loaded: " + r.skipped());
        assertProbs(g, Npz.read(dir.resolve("io.npz")), "swin_t, batch 2, 224x224, eval");
    }

    /**
     * One step's gradients (float64) against PyTorch's, per parameter: max |Δ| <= 1e-8 · max(1, max |g_torch|); both are
     * the gradient of the batch's mean cross-entropy.
     */
    private static void assertGradients(ComputationGraph g, Path dir, String ctx) throws Exception {
        TorchWeights.load(g, dir.resolve("weights.npz"));
        Map<String, INDArray> io = Npz.read(dir.resolve("io.npz"));
        Map<String, INDArray> torchGrads = Npz.read(dir.resolve("grads.npz"));
        INDArray x = io.get("x");
        long[] y = io.get("y").castTo(DataType.LONG).toLongVector();
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, y.length, 5);
        for (int i = 0; i < y.length; i++) {
            labels.putScalar(i, y[i], 1.0);
        }
        g.setInputs(x);
        g.setLabels(labels);
        g.computeGradientAndScore();
        assertEquals(io.get("loss").getDouble(0), g.score(), 1e-10, ctx + ": loss");
        // DL4J's backward pass sums the examples' gradients; its updater divides by the batch size before each step,
        // which gives the gradient of the mean loss, PyTorch's
        Map<String, INDArray> ours = TransformerWeights.export(g, g.gradient().gradientForVariable());
        ours.replaceAll((k, v) -> v.div(y.length));
        double worst = 0;
        assertEquals(new TreeSet<>(torchGrads.keySet()), new TreeSet<>(ours.keySet()), ctx + ": gradient keys");
        for (Map.Entry<String, INDArray> e : torchGrads.entrySet()) {
            INDArray t = e.getValue();
            INDArray o = ours.get(e.getKey());
            assertArrayEquals(t.shape(), o.shape(), ctx + ": shape of " + e.getKey());
            double scale = Math.max(1.0, t.amaxNumber().doubleValue());
            double d = maxDiff(o, t);
            assertTrue(d <= 1e-8 * scale, ctx + ": gradient of " + e.getKey() + " differs by " + d + " (max |g| " + scale + ")");
            worst = Math.max(worst, d / scale);
        }
        log.info("{}: {} gradients, worst max |Δ| / max(1, max |g|) = {}", ctx, torchGrads.size(), worst);
        assertTrue(maxDiff(g.outputSingle(x), io.get("probs")) < 1e-10, ctx + ": probabilities");
    }

    @Test
    void smallVitGradientsMatchTorchvision(@TempDir Path dir) throws Exception {
        TransformerReference.make("vit_grad", dir, 23);
        ViTConfig small = new ViTConfig("vit-small-test", 8, 16, 2, 2, 24);
        ComputationGraph g = VisionTransformer.builder().config(small).numClasses(5).inputSize(32).dataType(DataType.DOUBLE)
                .build().init();
        assertGradients(g, dir, "VisionTransformer(32, patch 8, 2 blocks, 2 heads, D 16, MLP 24), float64");
    }

    @Test
    void smallSwinGradientsMatchTorchvision(@TempDir Path dir) throws Exception {
        TransformerReference.make("swin_grad", dir, 24);
        SwinConfig small = new SwinConfig("swin-small-test", 4, 8, List.of(2, 2, 2), List.of(2, 2, 4), 4, 0.0);
        ComputationGraph g = SwinTransformer.builder().config(small).numClasses(5).inputSize(40).dataType(DataType.DOUBLE)
                .build().init();
        assertGradients(g, dir, "SwinTransformer(40x40, patch 4, C 8, depths 2-2-2, window 4), float64");
    }

    @Test
    void positionEmbeddingsInterpolateAsTorchvision(@TempDir Path dir) throws Exception {
        TransformerReference.make("pos_interp", dir, 25);
        ViTConfig mini = new ViTConfig("vit-mini-test", 16, 32, 1, 2, 48);
        for (int size : new int[]{48, 112}) {
            String ctx = "224 -> " + size;
            ComputationGraph g = VisionTransformer.builder().config(mini).numClasses(4).inputSize(size).build().init();
            TorchWeights.Report r = TorchWeights.load(g, dir.resolve("weights.npz"));
            assertEquals(g.paramTable().size(), r.loaded().size(), ctx);
            Map<String, INDArray> ref = Npz.read(dir.resolve("pos" + size + ".npz"));
            INDArray pos = g.getParam(ViTConfig.EMBEDDING + "_pos");
            assertArrayEquals(ref.get("pos").shape(), pos.shape(), ctx);
            double d = maxDiff(pos, ref.get("pos"));
            assertTrue(d < 1e-5, ctx + ": interpolated position embedding differs by " + d);
            assertProbs(g, ref, ctx + ", batch 2, eval");
        }
    }

    @Test
    void spatialTransformerSamplerMatchesGridSample(@TempDir Path dir) throws Exception {
        TransformerReference.make("grid_sample", dir, 26);
        Map<String, INDArray> io = Npz.read(dir.resolve("io.npz"));
        INDArray x = io.get("x");
        INDArray theta = io.get("theta").reshape(x.size(0), 6);
        // the vertex adds the identity: feed θ - I
        INDArray delta = theta.sub(Nd4j.createFromArray(1.0, 0, 0, 0, 1.0, 0).reshape(1, 6).broadcast(x.size(0), 6));
        GraphVertex v = new AffineGridSampleVertex().instantiate(null, "stn.sample", 0, null, false, DataType.DOUBLE);
        v.setInputs(x, delta);
        INDArray out = v.doForward(true, LayerWorkspaceMgr.noWorkspaces());
        assertTrue(maxDiff(out, io.get("out")) < 1e-12, "sampled image: " + maxDiff(out, io.get("out")));
        v.setEpsilon(io.get("g"));
        INDArray[] grads = v.doBackward(false, LayerWorkspaceMgr.noWorkspaces()).getSecond();
        assertTrue(maxDiff(grads[0], io.get("dx")) < 1e-12, "image gradient: " + maxDiff(grads[0], io.get("dx")));
        assertTrue(maxDiff(grads[1], io.get("dtheta").reshape(x.size(0), 6)) < 1e-10, "θ gradient: "
                + maxDiff(grads[1], io.get("dtheta").reshape(x.size(0), 6)));
        // the second transform maps a corner of the output outside the image: zero padding was exercised
        double outside = 0;
        for (double cx : new double[]{-1, 1}) {
            for (double cy : new double[]{-1, 1}) {
                for (int row = 0; row < 2; row++) {
                    double c = theta.getDouble(1, 3 * row) * cx + theta.getDouble(1, 3 * row + 1) * cy + theta.getDouble(1, 3 * row + 2);
                    outside = Math.max(outside, Math.abs(c));
                }
            }
        }
        assertTrue(outside > 1, "the reference transforms stay inside the image (max |coordinate| " + outside + ")");
    }
}
