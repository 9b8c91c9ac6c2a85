package org.armfer.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TorchPth} against files torch.save writes during the test run (parity/make_pth.py, Debian's python3-torch):
 * a real torchvision resnet18 state dict in both formats and inside a training checkpoint loads into the zoo's
 * ResNet18 with the outputs of the .npz route (and of PyTorch); every storage type and non-contiguous views equal
 * numpy's copies; globals outside the allow-list, non-tensors and damaged files are refused with the file named.
 */
class TorchPthTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void makeFiles() throws Exception {
        PyTorchReference.run("make_pth.py", dir, "21");
    }

    private static void assertSameArrays(String ctx, Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()), ctx + ": keys in file order");
        for (String k : expected.keySet()) {
            INDArray e = expected.get(k), a = actual.get(k);
            assertArrayEquals(e.shape(), a.shape(), ctx + ": shape of " + k);
            assertEquals(e.dataType(), a.dataType(), ctx + ": type of " + k);
            // exact equality, computed natively (these are the 11M weights of a ResNet-18)
            assertTrue(e.dataType() == DataType.FLOAT ? Arrays.equals(e.dup('c').data().asFloat(), a.dup('c').data().asFloat())
                    : Arrays.equals(e.dup('c').data().asDouble(), a.dup('c').data().asDouble()), ctx + ": values of " + k);
        }
    }

    @Test
    void stateDictsOfBothFormatsAndOfACheckpointEqualTheNpz() throws IOException {
        Map<String, INDArray> npz = Npz.read(dir.resolve("resnet18.npz"));
        assertEquals(122, npz.size(), "resnet18 state dict keys (num_batches_tracked included)");
        assertEquals(TorchPth.Format.ZIP, TorchPth.format(dir.resolve("resnet18_zip.pth")));
        assertEquals(TorchPth.Format.LEGACY, TorchPth.format(dir.resolve("resnet18_legacy.pth")));
        assertEquals(TorchPth.Format.NONE, TorchPth.format(dir.resolve("resnet18.npz")));
        assertSameArrays("zip", npz, TorchPth.readStateDict(dir.resolve("resnet18_zip.pth")));
        assertSameArrays("legacy", npz, TorchPth.readStateDict(dir.resolve("resnet18_legacy.pth")));
        assertSameArrays("checkpoint['model_state_dict']", npz, TorchPth.readStateDict(dir.resolve("checkpoint.pth")));
        // the dispatch TorchWeights uses
        assertSameArrays("TorchWeights.readStateDict(.pth)", npz, TorchWeights.readStateDict(dir.resolve("resnet18_zip.pth")));
        assertSameArrays("TorchWeights.readStateDict(.npz)", npz, TorchWeights.readStateDict(dir.resolve("resnet18.npz")));
    }

    @Test
    void pthLoadsIntoTheZooResNet18WithTheOutputsOfTheNpzRouteAndOfPyTorch() throws IOException {
        ComputationGraph g = ResNet18.builder().numClasses(7).inputSize(64).build().init();
        Map<String, INDArray> io = Npz.read(dir.resolve("io.npz"));
        INDArray x = io.get("x");
        TorchWeights.load(g, dir.resolve("resnet18.npz"));
        INDArray viaNpz = PyTorchParityTest.logits(g, x, FerResNet.POOL);
        double torchDiff = viaNpz.castTo(DataType.DOUBLE).sub(io.get("logits").castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(torchDiff < 1e-3, "npz route against PyTorch: max |logit difference| " + torchDiff);
        for (String f : List.of("resnet18_zip.pth", "resnet18_legacy.pth", "checkpoint.pth")) {
            // scramble every parameter first, so that equal outputs mean the file set them all
            g.params().assign(Nd4j.rand(DataType.FLOAT, g.params().shape()));
            TorchWeights.Report r = TorchWeights.load(g, dir.resolve(f));
            assertEquals(g.paramTable().size(), r.loaded().size(), f + ": every graph parameter loaded");
            INDArray viaPth = PyTorchParityTest.logits(g, x, FerResNet.POOL);
            assertArrayEquals(viaNpz.reshape(viaNpz.length()).toFloatVector(), viaPth.reshape(viaPth.length()).toFloatVector(), 0f,
                    f + ": outputs equal to the .npz route");
        }
        // the backbone route reads .pth as well
        g.params().assign(0);
        TorchWeights.Report backbone = TorchWeights.loadBackbone(g, dir.resolve("resnet18_zip.pth"));
        assertTrue(backbone.skipped().containsAll(List.of("fc.weight", "fc.bias")), backbone.skipped().toString());
        assertEquals(0.0, g.getLayer(FerResNet.FC).getParam("W").amaxNumber().doubleValue(), 0.0, "fc untouched by a backbone load");
    }

    @Test
    void everyStorageTypeAndNonContiguousViewsEqualNumpysCopies() throws IOException {
        Map<String, INDArray> npz = Npz.read(dir.resolve("views.npz"));
        for (String f : List.of("views_zip.pth", "views_legacy.pth", "views_p4.pth")) {
            Map<String, INDArray> pth = TorchPth.readStateDict(dir.resolve(f));
            assertEquals(new ArrayList<>(npz.keySet()), new ArrayList<>(pth.keySet()), f);
            for (String k : npz.keySet()) {
                INDArray e = npz.get(k), a = pth.get(k);
                assertEquals(e.rank(), a.rank(), f + " '" + k + "': rank");
                String ctx = f + " '" + k + "'";
                assertArrayEquals(e.shape(), a.shape(), ctx + ": shape");
                assertArrayEquals(e.castTo(DataType.DOUBLE).reshape(Math.max(1, e.length())).toDoubleVector(),
                        a.castTo(DataType.DOUBLE).reshape(Math.max(1, a.length())).toDoubleVector(), 0.0, ctx + ": values");
            }
            assertEquals(DataType.BFLOAT16, pth.get("bf16").dataType(), f);
            assertEquals(DataType.HALF, pth.get("f16").dataType(), f);
            assertEquals(DataType.DOUBLE, pth.get("f64").dataType(), f);
            assertEquals(DataType.UBYTE, pth.get("u8").dataType(), f);
            assertEquals(DataType.BYTE, pth.get("i8").dataType(), f);
            assertEquals(DataType.SHORT, pth.get("i16").dataType(), f);
            assertEquals(DataType.INT, pth.get("i32").dataType(), f);
            assertEquals(DataType.LONG, pth.get("i64").dataType(), f);
            assertEquals(DataType.BOOL, pth.get("bool").dataType(), f);
            assertEquals(0, pth.get("scalar").rank(), f + ": a 0-dim tensor stays a scalar");
            assertEquals(255, pth.get("u8").getInt(1), f + ": uint8 255 is not -1");
        }
    }

    @Test
    void aCheckpointsOtherEntriesAreReadAsPlainValues() throws IOException {
        Map<?, ?> ckpt = (Map<?, ?>) TorchPth.read(dir.resolve("checkpoint.pth"));
        assertEquals(List.of("epoch", "model_state_dict", "optimizer_state_dict", "best_acc", "config"), new ArrayList<>(ckpt.keySet()));
        assertEquals(3L, ckpt.get("epoch"));
        assertEquals(0.8125, ckpt.get("best_acc"), "numpy float64 scalar");
        Map<?, ?> config = (Map<?, ?>) ckpt.get("config");
        assertEquals("résnet18-arm", config.get("name"));
        assertEquals(List.of(0.9, 0.999), config.get("betas"));
        assertEquals(List.of(10L, 20L), config.get("milestones"));
        assertEquals(null, config.get("scheduler"));
        assertEquals(Boolean.TRUE, config.get("pretrained"));
        assertEquals(BigInteger.TWO.pow(70), config.get("big"));
        Map<?, ?> opt = (Map<?, ?>) ckpt.get("optimizer_state_dict");
        Map<?, ?> state = (Map<?, ?>) opt.get("state");
        assertEquals(List.of(0L, 1L), new ArrayList<>(state.keySet()), "Adam state per parameter tensor (fc), keyed by int");
        Map<?, ?> first = (Map<?, ?>) state.get(0L);
        assertArrayEquals(new long[]{7, 512}, ((INDArray) first.get("exp_avg")).shape());
        Map<?, ?> group = (Map<?, ?>) ((List<?>) opt.get("param_groups")).get(0);
        assertEquals(1e-3, group.get("lr"));
    }

    @Test
    void globalsOutsideTheAllowListAreRefusedWithTheirName() {
        for (String f : List.of("evil.pth", "evil_legacy.pth")) {
            IOException e = assertThrows(IOException.class, () -> TorchPth.readStateDict(dir.resolve(f)), f);
            assertTrue(e.getMessage().contains(f) && e.getMessage().contains("'posix.system'")
                    && e.getMessage().contains("collections.OrderedDict"), e.getMessage());
            IOException viaWeights = assertThrows(IOException.class, () -> TorchWeights.readStateDict(dir.resolve(f)), f);
            assertTrue(viaWeights.getMessage().contains("posix.system"), viaWeights.getMessage());
        }
    }

    @Test
    void aNonTensorWhereATensorMustBeIsRefused() {
        IOException e = assertThrows(IOException.class, () -> TorchPth.readStateDict(dir.resolve("nontensor.pth")));
        assertTrue(e.getMessage().contains("nontensor.pth") && e.getMessage().contains("'bn1.weight' holds a str ('not a tensor')"),
                e.getMessage());
        Path small = dir.resolve("small_checkpoint.pth");
        IOException key = assertThrows(IOException.class, () -> TorchPth.readStateDict(small, "epoch"));
        assertTrue(key.getMessage().contains("['epoch'] holds an int (1)"), key.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TorchPth.readStateDict(small, "nope"));
        assertTrue(missing.getMessage().contains("['epoch', 'model', 'state_dict']"), missing.getMessage());
    }

    @Test
    void aCheckpointsStateDictIsTheFirstKnownKeyOrTheOneAskedFor() throws IOException {
        Path small = dir.resolve("small_checkpoint.pth");
        assertEquals(List.of("a"), new ArrayList<>(TorchPth.readStateDict(small).keySet()), "state_dict comes before model");
        assertEquals(List.of("b"), new ArrayList<>(TorchPth.readStateDict(small, "model").keySet()));
    }

    @Test
    void truncatedAndCorruptFilesAreRefused(@TempDir Path tmp) throws IOException {
        byte[] zip = Files.readAllBytes(dir.resolve("resnet18_zip.pth"));
        Path half = Files.write(tmp.resolve("half.pth"), Arrays.copyOf(zip, zip.length / 2));
        IOException e = assertThrows(IOException.class, () -> TorchWeights.readStateDict(half));
        assertTrue(e.getMessage().contains("half.pth") && e.getMessage().contains("truncated or corrupt"), e.getMessage());

        byte[] legacy = Files.readAllBytes(dir.resolve("resnet18_legacy.pth"));
        Path cut = Files.write(tmp.resolve("cut.pth"), Arrays.copyOf(legacy, legacy.length - 1000));
        IOException e2 = assertThrows(IOException.class, () -> TorchWeights.readStateDict(cut));
        assertTrue(e2.getMessage().contains("cut.pth") && e2.getMessage().contains("truncated"), e2.getMessage());
        Path pickleOnly = Files.write(tmp.resolve("pickle-only.pth"), Arrays.copyOf(legacy, 300));
        IOException e3 = assertThrows(IOException.class, () -> TorchWeights.readStateDict(pickleOnly));
        assertTrue(e3.getMessage().contains("pickle-only.pth") && e3.getMessage().contains("truncated"), e3.getMessage());

        Path text = Files.writeString(tmp.resolve("notes.pth"), "these are not weights");
        IOException e4 = assertThrows(IOException.class, () -> TorchWeights.readStateDict(text));
        assertTrue(e4.getMessage().contains("notes.pth"), e4.getMessage());
    }

    // ---- hand-made pickles: the checks on views and sizes

    /** A torch zip archive around a pickle whose one tensor 'w' views storage '0' (floats 1..numel). */
    static Path handMade(Path file, long storageNumel, int offset, int size, int stride, int dataFloats) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 2});
        global(p, "collections", "OrderedDict");
        p.write(new byte[]{')', 'R', '('});
        unicode(p, "w");
        global(p, "torch._utils", "_rebuild_tensor_v2");
        p.write(new byte[]{'(', '('});
        unicode(p, "storage");
        global(p, "torch", "FloatStorage");
        unicode(p, "0");
        unicode(p, "cpu");
        p.write('J');
        p.write(le((int) storageNumel));
        p.write(new byte[]{'t', 'Q', 'K', (byte) offset, 'K', (byte) size, (byte) 0x85, 'K', (byte) stride, (byte) 0x85, (byte) 0x89});
        global(p, "collections", "OrderedDict");
        p.write(new byte[]{')', 'R', 't', 'R', 'u', '.'});
        ByteBuffer data = ByteBuffer.allocate(4 * dataFloats).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < dataFloats; i++) data.putFloat(i + 1);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", p.toByteArray());
        entries.put("archive/data/0", data.array());
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return NpzTest.zip(file, entries);
    }

    private static void global(ByteArrayOutputStream p, String module, String name) {
        p.write('c');
        p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(le(b.length));
        p.writeBytes(b);
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Test
    void viewsAreCheckedAgainstTheirStorage(@TempDir Path tmp) throws IOException {
        // a valid strided view: elements 2, 4, 6 of a storage of 6
        Map<String, INDArray> ok = TorchPth.readStateDict(handMade(tmp.resolve("ok.pth"), 6, 1, 3, 2, 6));
        assertArrayEquals(new float[]{2, 4, 6}, ok.get("w").toFloatVector());
        // one element too far
        IOException e = assertThrows(IOException.class, () -> TorchPth.readStateDict(handMade(tmp.resolve("far.pth"), 6, 1, 3, 3, 6)));
        assertTrue(e.getMessage().contains("far.pth") && e.getMessage().contains("reaches element 7 of storage '0', which holds 6"),
                e.getMessage());
        // the storage entry holds fewer bytes than data.pkl announces
        IOException e2 = assertThrows(IOException.class, () -> TorchPth.readStateDict(handMade(tmp.resolve("short.pth"), 6, 0, 3, 1, 4)));
        assertTrue(e2.getMessage().contains("short.pth") && e2.getMessage().contains("holds 16 bytes but data.pkl announces 6"),
                e2.getMessage());
        // an absurd storage size is refused before anything is allocated
        IOException e3 = assertThrows(IOException.class,
                () -> TorchPth.readStateDict(handMade(tmp.resolve("huge.pth"), Integer.MAX_VALUE, 0, 3, 1, 4)));
        assertTrue(e3.getMessage().contains("huge.pth") && e3.getMessage().contains("larger than"), e3.getMessage());
    }

    @Test
    void deeplyNestedPicklesAreRefusedBeforeTheyExhaustTheStack(@TempDir Path tmp) throws IOException {
        ByteArrayOutputStream lists = new ByteArrayOutputStream();
        lists.write(new byte[]{(byte) 0x80, 2});
        for (int i = 0; i < 5000; i++) lists.write(']');
        for (int i = 0; i < 4999; i++) lists.write('a');
        lists.write('.');
        ByteArrayOutputStream tuples = new ByteArrayOutputStream();
        tuples.write(new byte[]{(byte) 0x80, 2, ')'});
        for (int i = 0; i < 5000; i++) tuples.write(0x85);
        tuples.write('.');
        for (Map.Entry<String, byte[]> c : Map.of("lists.pth", lists.toByteArray(), "tuples.pth", tuples.toByteArray()).entrySet()) {
            Map<String, byte[]> entries = new LinkedHashMap<>();
            entries.put("archive/data.pkl", c.getValue());
            entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            Path f = NpzTest.zip(tmp.resolve(c.getKey()), entries);
            IOException e = assertThrows(IOException.class, () -> TorchPth.read(f), c.getKey());
            assertTrue(e.getMessage().contains(c.getKey()) && e.getMessage().contains("nested deeper than 256"), e.getMessage());
        }
    }
}
