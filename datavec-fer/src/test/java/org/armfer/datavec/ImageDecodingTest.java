package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images are validated before their pixels are allocated (issue 21): a crafted header, a file cut short and a file
 * over the size limit are ordinary bad rows, failing under STRICT with the file named and skipped under SKIP.
 */
class ImageDecodingTest {

    @TempDir
    Path tmp;

    /** A RAF-DB root whose train_00002 image is {@code bad}; train_00001 and test_00001 are good JPEGs. */
    private Path rafDbWith(byte[] bad) throws Exception {
        Path img = tmp.resolve("raf").resolve("Image").resolve("aligned");
        Files.createDirectories(img);
        Files.write(img.resolve("train_00001_aligned.jpg"), Fixtures.jpeg(40, 40));
        Files.write(img.resolve("train_00002_aligned.jpg"), bad);
        Files.write(img.resolve("test_00001_aligned.jpg"), Fixtures.jpeg(40, 40));
        Fixtures.write(tmp.resolve("raf").resolve("EmoLabel").resolve("list_patition_label.txt"),
                "train_00001.jpg 4\ntrain_00002.jpg 5\ntest_00001.jpg 1\n");
        return tmp.resolve("raf");
    }

    @Test
    void aJpegWhoseHeaderClaims20000x20000IsABadRowNotAnOutOfMemoryError() throws Exception {
        byte[] bomb = Fixtures.claimSize(Fixtures.jpeg(64, 64), 20000, 20000);
        assertTrue(bomb.length < 4000, "a few KB: " + bomb.length);
        Path f = Files.write(tmp.resolve("bomb.jpg"), bomb);
        FerDataException direct = assertThrows(FerDataException.class, () -> Images.read(f));
        assertEquals(f, direct.problem().file());
        assertTrue(direct.problem().reason().contains("20000x20000") && direct.problem().reason().contains(String.valueOf(Images.MAX_SIDE)),
                direct.problem().reason());

        Path root = rafDbWith(bomb);
        Path bad = root.resolve("Image").resolve("aligned").resolve("train_00002_aligned.jpg");
        FerDataConfig.Builder b = FerDataConfig.builder().dataset(FerDataset.RAFDB).root(root).split(Split.TRAIN).shuffle(false)
                .imageSize(32).batchSize(4);
        // without --skip-bad: fails naming the file (the label file's line too), no OutOfMemoryError
        FerDataException strict = assertThrows(FerDataException.class, () -> FerIterators.iterator(b.build()).next());
        assertTrue(strict.getMessage().contains(bad.toString()) && strict.getMessage().contains("list_patition_label.txt:2"),
                strict.getMessage());
        // with it: an ordinary skipped row
        FerDataSetIterator it = (FerDataSetIterator) FerIterators.iterator(b.skipPolicy(SkipPolicy.SKIP).build());
        assertEquals(1, it.next().numExamples());
        assertEquals(1, it.problems().size());
        assertTrue(it.problems().get(0).reason().contains("20000x20000"), it.problems().toString());
        DatasetReport r = DatasetCheck.check(FerDataset.RAFDB, root, SkipPolicy.STRICT);
        assertFalse(r.passes(SkipPolicy.STRICT));
        assertTrue(r.passes(SkipPolicy.SKIP));
        assertEquals(1, r.problems().size(), r.toTable());
        assertTrue(r.toTable().contains(bad.toString()), r.toTable());
    }

    @Test
    void jpegAndPngCutToAThirdAreCorruptInsteadOfGrayFilled() throws Exception {
        byte[] jpeg = Fixtures.jpeg(64, 64);
        Path cutJpeg = Fixtures.cut(tmp.resolve("cut.jpg"), jpeg, 3);
        // ImageIO alone decodes it: the missing two thirds come back gray
        assertEquals(64, ImageIO.read(cutJpeg.toFile()).getWidth());
        FerDataException j = assertThrows(FerDataException.class, () -> Images.read(cutJpeg));
        assertTrue(j.problem().reason().startsWith("corrupt image (JPEG)") && j.problem().reason().toLowerCase().contains("truncated"),
                j.problem().reason());

        BufferedImage rgb = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(3);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) rgb.setRGB(x, y, random.nextInt());
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(rgb, "png", png);
        Path cutPng = Fixtures.cut(tmp.resolve("cut.png"), png.toByteArray(), 3);
        FerDataException p = assertThrows(FerDataException.class, () -> Images.read(cutPng));
        assertTrue(p.problem().reason().startsWith("corrupt image"), p.problem().reason());

        // in a dataset check and a skipping iterator, both are bad rows
        Path root = tmp.resolve("folders");
        Fixtures.image(root.resolve("train").resolve("happy").resolve("good.png"), 20, 20);
        Fixtures.cut(root.resolve("train").resolve("happy").resolve("cut.jpg"), jpeg, 3);
        Fixtures.cut(root.resolve("train").resolve("sad").resolve("cut.png"), png.toByteArray(), 3);
        Fixtures.image(root.resolve("test").resolve("sad").resolve("t.png"), 20, 20);
        DatasetReport r = DatasetCheck.check(FerDataset.FER2013, root, SkipPolicy.STRICT);
        assertEquals(2, r.problems().size(), r.toTable());
        assertTrue(r.problems().get(0).file().endsWith("cut.jpg") && r.problems().get(1).file().endsWith("cut.png"), r.toTable());
        assertArrayEquals(new int[]{0, 1, 0, 0, 0, 0, 0}, r.countsPerClass().get(Split.TRAIN));
        assertFalse(r.passes(SkipPolicy.STRICT));
        assertTrue(r.passes(SkipPolicy.SKIP));
        FerDataSetIterator it = (FerDataSetIterator) FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.FER2013)
                .root(root).split(Split.TRAIN).imageSize(16).batchSize(8).skipPolicy(SkipPolicy.SKIP).build());
        assertEquals(1, it.next().numExamples());
        assertEquals(2, it.problems().size());
    }

    @Test
    void harmlessDecoderWarningsKeepTheImageExactly() throws Exception {
        byte[] jpeg = Fixtures.jpeg(32, 32);
        // three stray bytes before the quantisation table marker (after JFIF's APP0 at bytes 2-19): libjpeg warns
        // "Corrupt JPEG data: 3 extraneous bytes before marker 0xdb" and decodes the image unchanged
        assertEquals(0xDB, jpeg[21] & 0xFF);
        byte[] stray = new byte[jpeg.length + 3];
        System.arraycopy(jpeg, 0, stray, 0, 20);
        stray[20] = 1;
        stray[21] = 2;
        stray[22] = 3;
        System.arraycopy(jpeg, 20, stray, 23, jpeg.length - 20);
        Path original = Files.write(tmp.resolve("a.jpg"), jpeg), withStray = Files.write(tmp.resolve("b.jpg"), stray);
        BufferedImage a = Images.read(original), b = Images.read(withStray);
        assertArrayEquals(a.getRGB(0, 0, 32, 32, null, 0, 32), b.getRGB(0, 0, 32, 32, null, 0, 32));

        assertTrue(Images.meansMissingData("Premature end of JPEG file"));
        assertTrue(Images.meansMissingData("Truncated File - Missing EOI marker"));
        assertTrue(Images.meansMissingData("Corrupt JPEG data: premature end of data segment"));
        assertTrue(Images.meansMissingData("Corrupt JPEG data: bad Huffman code"));
        assertFalse(Images.meansMissingData("Corrupt JPEG data: 3 extraneous bytes before marker 0xdb"));
        assertFalse(Images.meansMissingData("Embedded color profile is invalid; ignored"));
    }

    @Test
    void anImageFileOverTheSizeLimitIsRefusedBeforeReading() throws Exception {
        Path huge = Fixtures.sparse(tmp.resolve("huge.png"), Images.MAX_FILE_BYTES + 1);
        FerDataException e = assertThrows(FerDataException.class, () -> Images.read(huge));
        assertEquals(huge, e.problem().file());
        assertTrue(e.problem().reason().contains((Images.MAX_FILE_BYTES + 1) + " bytes") && e.problem().reason()
                .contains(String.valueOf(Images.MAX_FILE_BYTES)), e.problem().reason());
        // a directory named like an image is no image
        Path dir = Files.createDirectories(tmp.resolve("d.jpg"));
        assertTrue(assertThrows(FerDataException.class, () -> Images.read(dir)).problem().reason().contains("missing"));
    }
}
