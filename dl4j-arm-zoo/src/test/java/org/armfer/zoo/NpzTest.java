package org.armfer.zoo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpzTest {

    /** A .npy written by hand, per the NumPy format spec (version 1.0). */
    static byte[] npy(String descr, String shape, boolean fortran, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }

    static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    @Test
    void readsLayoutsAndTypesAsNumpyDefinesThem(@TempDir Path dir) throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("c.npy", npy("<f4", "(2, 3)", false, floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6)));
        // Fortran order: column-major, so the same 2x3 matrix is stored 1 4 2 5 3 6
        e.put("f.npy", npy("<f4", "(2, 3)", true, floats(ByteOrder.LITTLE_ENDIAN, 1, 4, 2, 5, 3, 6)));
        e.put("big.npy", npy(">f4", "(3,)", false, floats(ByteOrder.BIG_ENDIAN, 7, 8, 9)));
        e.put("count.npy", npy("<i8", "()", false, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array()));
        Map<String, INDArray> m = Npz.read(zip(dir.resolve("a.npz"), e));
        INDArray expected = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}});
        assertEquals(expected, m.get("c"));
        assertEquals(expected, m.get("f"));
        assertEquals(Nd4j.createFromArray(7f, 8f, 9f), m.get("big"));
        assertEquals(42L, m.get("count").getLong(0));
        assertEquals(0, m.get("count").rank());
    }

    @Test
    void writeThenReadRoundTrips(@TempDir Path dir) throws IOException {
        Map<String, INDArray> a = new LinkedHashMap<>();
        a.put("w", Nd4j.rand(DataType.FLOAT, 2, 3, 4));
        a.put("d", Nd4j.rand(DataType.DOUBLE, 5));
        a.put("n", Nd4j.scalar(7L));
        a.put("h", Nd4j.createFromArray(0.5f, -2f, 65504f, 1e-5f).castTo(DataType.HALF));
        Path f = dir.resolve("rt.npz");
        Npz.write(f, a);
        Map<String, INDArray> b = Npz.read(f);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertEquals(a.get(k), b.get(k), k);
        }
    }

    @Test
    void truncatedEntryFailsWithoutReadingPastIt(@TempDir Path dir) throws IOException {
        byte[] full = npy("<f4", "(1000, 1000)", false, new byte[16]); // claims 4 MB, holds 16 bytes
        IOException e = assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("t.npz"), Map.of("conv1.weight.npy", full))));
        assertTrue(e.getMessage().contains("conv1.weight.npy") && e.getMessage().contains("4000000 bytes")
                && e.getMessage().contains("holds 16 bytes"), e.getMessage());
    }

    @Test
    void absurdShapeIsRejectedBeforeAllocation(@TempDir Path dir) throws IOException {
        byte[] huge = npy("<f8", "(100000, 100000, 100000)", false, new byte[8]);
        IOException e = assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("h.npz"), Map.of("x.npy", huge))));
        assertTrue(e.getMessage().contains("more than the"), e.getMessage());
        byte[] overflow = npy("<f8", "(9223372036854775807, 4)", false, new byte[8]);
        IOException o = assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("o.npz"), Map.of("x.npy", overflow))));
        assertTrue(o.getMessage().contains("overflows"), o.getMessage());
    }

    @Test
    void absurdHeaderLengthIsRejected(@TempDir Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(Integer.MAX_VALUE).putLong(0);
        IOException e = assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("x.npz"), Map.of("x.npy", b.array()))));
        assertTrue(e.getMessage().contains("header of 2147483647 bytes"), e.getMessage());
    }

    @Test
    void corruptFilesFailCleanly(@TempDir Path dir) throws IOException {
        Path notZip = Files.write(dir.resolve("n.npz"), "this is not a zip".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertThrows(IOException.class, () -> Npz.read(notZip)).getMessage().contains("not a valid .npz"));
        byte[] bad = Arrays.copyOf(npy("<f4", "(2,)", false, floats(ByteOrder.LITTLE_ENDIAN, 1, 2)), 40);
        bad[0] = 'X';
        assertTrue(assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("m.npz"), Map.of("m.npy", bad))))
                .getMessage().contains("bad magic"));
        byte[] strange = npy("<c8", "(2,)", false, new byte[16]);
        assertTrue(assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("c.npz"), Map.of("c.npy", strange))))
                .getMessage().contains("unsupported dtype '<c8'"));
        assertTrue(assertThrows(IOException.class, () -> Npz.read(zip(dir.resolve("j.npz"), Map.of("readme.txt", new byte[3]))))
                .getMessage().contains("not a .npy array"));
        assertTrue(assertThrows(IOException.class, () -> Npz.read(dir.resolve("missing.npz"))).getMessage().contains("No such .npz file"));
        // a zip cut in the middle
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.write(Files.readAllBytes(zip(dir.resolve("w.npz"), Map.of("w.npy", npy("<f4", "(64,)", false, new byte[256])))));
        Path cut = Files.write(dir.resolve("cut.npz"), Arrays.copyOf(whole.toByteArray(), whole.size() / 2));
        assertThrows(IOException.class, () -> Npz.read(cut));
    }
}
