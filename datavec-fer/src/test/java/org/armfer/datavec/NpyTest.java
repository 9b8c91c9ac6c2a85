package org.armfer.datavec;

import org.armfer.io.FileTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The .npy reader checks shape, type, data length and range (issue 21), in the file and in AffectNet's npy layout. */
class NpyTest {

    @TempDir
    Path tmp;

    private static byte[] int32s(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putInt(x);
        return b.array();
    }

    private static byte[] float64(double v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array();
    }

    private IllegalArgumentException refused(Path file) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.readInt(file));
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void oneValueShapesAreReadAndLargerShapesRefusedInsteadOfReadAsTheirFirstElement() throws Exception {
        assertEquals(3, Npy.readInt(Fixtures.npy(tmp.resolve("scalar.npy"), "<i4", "()", int32s(3))));
        assertEquals(3, Npy.readInt(Fixtures.npy(tmp.resolve("one.npy"), "<i4", "(1,)", int32s(3))));
        assertEquals(3, Npy.readInt(Fixtures.npy(tmp.resolve("oneone.npy"), "<i4", "(1, 1)", int32s(3))));
        assertEquals(3, Npy.readInt(Fixtures.npy(tmp.resolve("py2.npy"), "<i4", "(1L,)", int32s(3))), "Python 2's long sizes");
        String two = refused(Fixtures.npy(tmp.resolve("two.npy"), "<i4", "(2,)", int32s(3, 5))).getMessage();
        assertTrue(two.contains("shape (2,) holds 2 values"), two);
        String four = refused(Fixtures.npy(tmp.resolve("four.npy"), "<i4", "(2, 2)", int32s(3, 5, 6, 7))).getMessage();
        assertTrue(four.contains("shape (2, 2) holds 4 values"), four);
        String empty = refused(Fixtures.npy(tmp.resolve("empty.npy"), "<i4", "(0,)", new byte[0])).getMessage();
        assertTrue(empty.contains("holds 0 values"), empty);
        String huge = refused(Fixtures.npy(tmp.resolve("huge.npy"), "<i4", "(4294967296, 4294967296)", int32s(1))).getMessage();
        assertTrue(huge.contains("more than 2^63"), huge);
    }

    @Test
    void valuesOutOfRangeAreRefusedNamingTheFileNotAnIntegerOverflow() throws Exception {
        Path big = Fixtures.npy(tmp.resolve("big.npy"), "<i8", Fixtures.int64(1L << 40));
        assertEquals(1L << 40, Npy.readLong(big));
        String m = refused(big).getMessage();
        assertTrue(m.contains("value 1099511627776 does not fit an int"), m);
        String u8 = assertThrows(IllegalArgumentException.class,
                () -> Npy.readLong(Fixtures.npy(tmp.resolve("u8.npy"), "<u8", Fixtures.int64(-1)))).getMessage();
        assertTrue(u8.contains("18446744073709551615"), u8);
        for (double v : new double[]{Double.NaN, Double.POSITIVE_INFINITY, 1e300, 2.5}) {
            String f = refused(Fixtures.npy(tmp.resolve("f.npy"), "<f8", float64(v))).getMessage();
            assertTrue(f.contains("not a whole number"), v + ": " + f);
        }
        assertEquals(-4, Npy.readInt(Fixtures.npy(tmp.resolve("neg.npy"), "<f8", float64(-4))));
        String text = refused(Fixtures.npy(tmp.resolve("t.npy"), "|S13", "1099511627776".getBytes())).getMessage();
        assertTrue(text.contains("does not fit an int"), text);
    }

    @Test
    void typesDataLengthsAndHeadersAreChecked() throws Exception {
        String bool = refused(Fixtures.npy(tmp.resolve("b.npy"), "|b1", new byte[]{1})).getMessage();
        assertTrue(bool.contains("'|b1'") && bool.contains("<i8"), "lists the allowed types: " + bool);
        refused(Fixtures.npy(tmp.resolve("f2.npy"), "<f2", new byte[2]));
        String extra = refused(Fixtures.npy(tmp.resolve("x.npy"), "<i4", "()", int32s(3, 4))).getMessage();
        assertTrue(extra.contains("8 data bytes") && extra.contains("has 4"), extra);
        String cut = refused(Fixtures.npy(tmp.resolve("c.npy"), "<i8", "()", new byte[5])).getMessage();
        assertTrue(cut.contains("cut short"), cut);
        // a header without a shape
        Path noShape = Fixtures.npy(tmp.resolve("ns.npy"), "<i4", int32s(3));
        byte[] b = Files.readAllBytes(noShape);
        String h = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).replace("'shape'", "'shapx'");
        Files.write(noShape, h.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(refused(noShape).getMessage().contains("no shape"));
        // a file far larger than a one-value file is not read at all
        Path large = Fixtures.sparse(tmp.resolve("large.npy"), DatasetFiles.MAX_NPY_BYTES + 1);
        FileTooLargeException tooLarge = assertThrows(FileTooLargeException.class, () -> Npy.readInt(large));
        assertTrue(tooLarge.getMessage().contains(large.toString()) && tooLarge.getMessage().contains("one-value .npy"),
                tooLarge.getMessage());
    }

    @Test
    void affectNetNpyLayoutReportsBadAnnotationsAsRowsNamingTheirFile() throws Exception {
        Path train = tmp.resolve("affectnet").resolve("train_set");
        for (String n : List.of("0", "1", "2", "3")) Fixtures.image(train.resolve("images").resolve(n + ".jpg"), 16, 16);
        Path overflow = Fixtures.npy(train.resolve("annotations").resolve("0_exp.npy"), "<i8", Fixtures.int64(1L << 40));
        Path pair = Fixtures.npy(train.resolve("annotations").resolve("1_exp.npy"), "<i8", "(2,)", new byte[16]);
        Fixtures.npy(train.resolve("annotations").resolve("2_exp.npy"), "<i8", "(1,)", Fixtures.int64(3));
        Path matrix = Fixtures.npy(train.resolve("annotations").resolve("3_exp.npy"), "<i4", "(2, 2)", int32s(1, 2, 3, 4));
        Path val = tmp.resolve("affectnet").resolve("val_set");
        Fixtures.image(val.resolve("images").resolve("5.jpg"), 16, 16);
        Fixtures.npy(val.resolve("annotations").resolve("5_exp.npy"), "<i8", Fixtures.int64(0));
        Path root = tmp.resolve("affectnet");

        FerDataException strict = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.AFFECTNET8, root, SkipPolicy.STRICT));
        assertEquals(overflow, strict.problem().file());
        assertTrue(strict.getMessage().contains("expression 1099511627776 out of range 0-10"), strict.getMessage());

        DatasetIndex idx = DatasetIndexer.index(FerDataset.AFFECTNET8, root, SkipPolicy.SKIP);
        assertEquals(List.of(3), idx.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(List.of(0), idx.samples(Split.VALIDATION).stream().map(Sample::label).toList());
        assertEquals(List.of(overflow, pair, matrix), idx.problems().stream().map(Problem::file).toList());
        assertTrue(idx.problems().get(1).reason().contains("shape (2,)"), idx.problems().get(1).reason());
        assertTrue(idx.problems().get(2).reason().contains("shape (2, 2)"), idx.problems().get(2).reason());
    }
}
