package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RAF-DB, AffectNet (both layouts), folder-per-class copies, FER+ and .npy, on fixtures in the real formats. */
class ImageDatasetsTest {

    @TempDir
    Path tmp;

    @Test
    void rafDbBasicLayoutMapsLabelsAndSplitsByPrefix() throws Exception {
        Path img = tmp.resolve("Image").resolve("aligned");
        StringBuilder labels = new StringBuilder();
        for (int l = 1; l <= 7; l++) {
            labels.append(String.format("train_%05d.jpg %d%n", l, l));
            Fixtures.image(img.resolve(String.format("train_%05d_aligned.jpg", l)), 100, 100);
        }
        labels.append("test_0001.jpg 4\n");
        Fixtures.image(img.resolve("test_0001_aligned.jpg"), 100, 100);
        labels.append("test_0002.jpg 1\n"); // image missing
        Path list = Fixtures.write(tmp.resolve("EmoLabel").resolve("list_patition_label.txt"), labels.toString());
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.RAFDB, tmp, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(list + ":9") && e.getMessage().contains("test_0002_aligned.jpg"), e.getMessage());
        DatasetIndex idx = DatasetIndexer.index(FerDataset.RAFDB, tmp, SkipPolicy.SKIP);
        // RAF-DB 1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger, 7 Neutral
        assertEquals(List.of(3, 4, 5, 1, 2, 6, 0), idx.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(List.of(1), idx.samples(Split.TEST).stream().map(Sample::label).toList());
        assertEquals(1, idx.problems().size());
        // images are resized whatever their size; a training batch has the requested shape
        INDArray x = FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.RAFDB).root(tmp).split(Split.TEST)
                .skipPolicy(SkipPolicy.SKIP).imageSize(64).batchSize(2).build()).next().getFeatures();
        assertArrayEquals(new long[]{1, 3, 64, 64}, x.shape());
    }

    @Test
    void corruptJpegFailsNamingTheFileOrIsSkipped() throws Exception {
        Path img = tmp.resolve("Image").resolve("aligned");
        Fixtures.image(img.resolve("train_00001_aligned.jpg"), 40, 40);
        Files.write(img.resolve("train_00002_aligned.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2, 3});
        Fixtures.write(tmp.resolve("EmoLabel").resolve("list_patition_label.txt"), "train_00001.jpg 4\ntrain_00002.jpg 5\ntest_00001.jpg 1\n");
        Fixtures.image(img.resolve("test_00001_aligned.jpg"), 40, 40);
        FerDataConfig.Builder b = FerDataConfig.builder().dataset(FerDataset.RAFDB).root(tmp).split(Split.TRAIN).shuffle(false)
                .imageSize(32).batchSize(4);
        FerDataException e = assertThrows(FerDataException.class, () -> FerIterators.iterator(b.build()).next());
        assertTrue(e.getMessage().contains("train_00002_aligned.jpg"), e.getMessage());
        FerDataSetIterator it = (FerDataSetIterator) FerIterators.iterator(b.skipPolicy(SkipPolicy.SKIP).build());
        assertEquals(1, it.next().numExamples());
        assertEquals(1, it.problems().size());
        DatasetReport r = DatasetCheck.check(FerDataset.RAFDB, tmp, SkipPolicy.STRICT);
        assertTrue(r.layoutOk());
        assertFalse(r.passes(SkipPolicy.STRICT));
        assertTrue(r.passes(SkipPolicy.SKIP));
        assertTrue(r.toJson().contains("train_00002_aligned.jpg"), r.toJson());
    }

    private Path affectNetImages() throws Exception {
        Path images = tmp.resolve("Manually_Annotated_Images");
        Fixtures.image(images.resolve("1").resolve("a.png"), 60, 50);
        return images;
    }

    @Test
    void affectNetCsvCropsExcludesCodesAndRejectsBadBoxesAndPaths() throws Exception {
        affectNetImages();
        String head = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n";
        Path train = Fixtures.write(tmp.resolve("Manually_Annotated_file_lists").resolve("training.csv"), head
                + "1/a.png,10,20,16,16,1;2;3,1,0.5,0.1\n"        // line 2: happiness, cropped
                + "1/a.png,0,0,60,50,1;2,7,0,0\n"               // 3: contempt
                + "1/a.png,0,0,60,50,1;2,9,0,0\n"               // 4: uncertain, excluded by rule
                + "1/a.png,NULL,NULL,NULL,NULL,,3,0,0\n"        // 5: NULL box
                + "1/a.png,-4,0,10,10,,3,0,0\n"                 // 6: negative box
                + "../../etc/passwd,0,0,5,5,,3,0,0\n"           // 7: escapes
                + "/abs/a.png,0,0,5,5,,3,0,0\n"                 // 8: absolute
                + "1/a.png,50,40,20,20,,2,0,0\n");              // 9: box outside the image (found at load)
        // validation.csv without a header; its own image (the same image and box in both splits would be reported)
        Fixtures.image(tmp.resolve("Manually_Annotated_Images").resolve("2").resolve("b.png"), 60, 50);
        Fixtures.write(tmp.resolve("Manually_Annotated_file_lists").resolve("validation.csv"), "2/b.png,0,0,60,50,,0,0,0\n");

        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.AFFECTNET8, tmp, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(train + ":5") && e.getMessage().contains("'NULL'"), e.getMessage());

        DatasetIndex idx8 = DatasetIndexer.index(FerDataset.AFFECTNET8, tmp, SkipPolicy.SKIP);
        assertEquals(List.of(1, 7, 2), idx8.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(1, idx8.samples(Split.VALIDATION).size());
        assertEquals(List.of(5L, 6L, 7L, 8L), idx8.problems().stream().map(Problem::line).toList());
        assertTrue(idx8.problems().get(2).reason().contains("escapes"), idx8.problems().get(2).reason());
        assertEquals(Map.of("AffectNet expression codes 8-10 (None, Uncertain, No-Face)", 1), idx8.excludedByRule());

        DatasetIndex idx7 = DatasetIndexer.index(FerDataset.AFFECTNET7, tmp, SkipPolicy.SKIP);
        assertEquals(List.of(1, 2), idx7.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(1, idx7.excludedByRule().get("contempt (7-class task)"));

        // the crop: pixel (x, y) of the image is (2x, 2y, 100); the 16x16 box at (10, 20) at its native size
        Sample.RawImage crop = idx8.samples(Split.TRAIN).get(0).image().load();
        assertEquals(16, crop.width());
        assertEquals(16, crop.height());
        assertEquals(2 * 10, crop.pixels()[0], 0.0);                   // R at (10, 20)
        assertEquals(2 * 20, crop.pixels()[256], 0.0);                 // G at (10, 20)
        assertEquals(2 * (10 + 5), crop.pixels()[3 * 16 + 5], 0.0);   // R at (15, 23)

        // the box outside the 60x50 image fails at load with the CSV line
        FerDataSetIterator it = (FerDataSetIterator) FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.AFFECTNET8)
                .root(tmp).split(Split.TRAIN).shuffle(false).imageSize(16).batchSize(8).skipPolicy(SkipPolicy.SKIP).build());
        assertEquals(2, it.next().numExamples());
        assertEquals(1, it.problems().size());
        assertEquals(9, it.problems().get(0).line());
        assertTrue(it.problems().get(0).reason().contains("outside the 60x50 image"), it.problems().get(0).reason());
    }

    @Test
    void affectNetNpyLayoutReadsIntegerAndStringCodes() throws Exception {
        Path train = tmp.resolve("train_set");
        Fixtures.image(train.resolve("images").resolve("0.jpg"), 20, 20);
        Fixtures.image(train.resolve("images").resolve("10.jpg"), 20, 20);
        Fixtures.image(train.resolve("images").resolve("2.jpg"), 20, 20);
        Fixtures.npy(train.resolve("annotations").resolve("0_exp.npy"), "<i8", Fixtures.int64(3));
        Fixtures.npy(train.resolve("annotations").resolve("10_exp.npy"), "<U1", Fixtures.unicode("6"));
        Fixtures.npy(train.resolve("annotations").resolve("2_exp.npy"), "<U2", Fixtures.unicode("10"));
        Path val = tmp.resolve("val_set");
        Fixtures.image(val.resolve("images").resolve("5.jpg"), 20, 20);
        Fixtures.npy(val.resolve("annotations").resolve("5_exp.npy"), "|S1", "0".getBytes());
        DatasetIndex idx = DatasetIndexer.index(FerDataset.AFFECTNET8, tmp, SkipPolicy.STRICT);
        // numeric order 0, 2, 10; code 10 (No-Face) excluded by rule
        assertEquals(List.of(3, 6), idx.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(List.of(0), idx.samples(Split.VALIDATION).stream().map(Sample::label).toList());
        assertEquals(1, idx.excludedByRule().values().iterator().next());
    }

    @Test
    void npyReaderHandlesTypesAndRejectsGarbage() throws Exception {
        assertEquals(7, Npy.readInt(Fixtures.npy(tmp.resolve("a.npy"), "<i8", Fixtures.int64(7))));
        assertEquals(4, Npy.readInt(Fixtures.npy(tmp.resolve("b.npy"), "<f8",
                java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(4.0).array())));
        assertEquals(2, Npy.readInt(Fixtures.npy(tmp.resolve("c.npy"), "|u1", new byte[]{2})));
        Path bad = Fixtures.write(tmp.resolve("d.npy"), "not numpy at all");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.readInt(bad));
        assertTrue(e.getMessage().contains("d.npy"), e.getMessage());
        Path half = Fixtures.npy(tmp.resolve("e.npy"), "<i8", new byte[3]);
        assertThrows(IllegalArgumentException.class, () -> Npy.readInt(half));
        assertThrows(IllegalArgumentException.class, () -> Npy.readInt(Fixtures.npy(tmp.resolve("f.npy"), "<f4",
                java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).array())));
    }

    @Test
    void folderPerClassCopiesWithNamesOrNumbers() throws Exception {
        Fixtures.image(tmp.resolve("train").resolve("happy").resolve("x.png"), 10, 10);
        Fixtures.image(tmp.resolve("train").resolve("angry").resolve("y.png"), 10, 10);
        Fixtures.image(tmp.resolve("test").resolve("6").resolve("z.png"), 10, 10);     // FER2013 6 = neutral
        Fixtures.write(tmp.resolve("test").resolve("6").resolve("notes.txt"), "hello");
        DatasetIndex idx = DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.SKIP);
        assertEquals(List.of(6, 1), idx.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(List.of(0), idx.samples(Split.TEST).stream().map(Sample::label).toList());
        assertEquals(1, idx.problems().size(), "the text file is reported, not silently dropped");
        Fixtures.image(tmp.resolve("train").resolve("grumpy").resolve("w.png"), 10, 10);
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.SKIP));
        assertTrue(e.getMessage().contains("grumpy") && e.getMessage().contains("happy"), e.getMessage());
        assertEquals(3, DatasetLabels.folderLabel(FerDataset.RAFDB, "1"));
        assertEquals(-1, DatasetLabels.folderLabel(FerDataset.RAFDB, "8"));
        assertEquals(7, DatasetLabels.folderLabel(FerDataset.AFFECTNET8, "7"));
    }

    @Test
    void ferPlusMajorityRuleAndPrior() throws Exception {
        // majority: votes <= 1 zeroed; a class wins with more than half of the rest
        assertEquals(FerLabel.HAPPINESS.ordinal(), FerPlusCsvLayout.majority(new double[]{1, 6, 0, 1, 0, 0, 0, 0, 1, 1}));
        assertEquals(-1, FerPlusCsvLayout.majority(new double[]{4, 4, 2, 0, 0, 0, 0, 0, 0, 0}), "no majority");
        assertEquals(-1, FerPlusCsvLayout.majority(new double[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 10}), "not a face");
        assertEquals(FerLabel.SURPRISE.ordinal(), FerPlusCsvLayout.majority(new double[]{0, 0, 5, 4, 0, 0, 0, 0, 0, 0}));
        assertEquals(FerLabel.CONTEMPT.ordinal(), FerPlusCsvLayout.majority(new double[]{0, 0, 0, 0, 0, 0, 0, 10, 0, 0}));

        StringBuilder fer = new StringBuilder("emotion,pixels,Usage\n");
        for (int i = 0; i < 4; i++) fer.append("0,").append(Fixtures.pixels(i)).append(i < 3 ? ",Training\n" : ",PublicTest\n");
        Fixtures.write(tmp.resolve("fer2013.csv"), fer.toString());
        Path votes = Fixtures.write(tmp.resolve("fer2013new.csv"),
                "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                        + "Training,fer0000000.png,2,8,0,0,0,0,0,0,0,0\n"     // happiness; normalised votes 0.2 / 0.8
                        + "Training,fer0000001.png,0,6,0,4,0,0,0,0,0,0\n"     // happiness; 0.6 / 0.4 sadness
                        + "Training,,0,0,0,0,0,0,0,0,0,10\n"                   // NF: dropped
                        + "PublicTest,fer0000003.png,10,0,0,0,0,0,0,0,0,0\n");
        DatasetIndex idx = DatasetIndexer.index(FerDataset.FERPLUS, tmp, SkipPolicy.STRICT);
        assertEquals(List.of(1, 1), idx.samples(Split.TRAIN).stream().map(Sample::label).toList());
        assertEquals(List.of(0), idx.samples(Split.VALIDATION).stream().map(Sample::label).toList());
        assertEquals(1, idx.excludedByRule().values().iterator().next());

        Path priorVotes = Fixtures.write(tmp.resolve("prior").resolve("fer2013new.csv"),
                "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                        + "Training,a,2,8,0,0,0,0,0,0,0,0\nTraining,b,0,6,0,4,0,0,0,0,0,0\nTraining,c,10,0,0,0,0,0,0,0,0,0\n"
                        + "Training,d,0,0,10,0,0,0,0,0,0,0\nTraining,e,0,0,0,10,0,0,0,0,0,0\nTraining,f,0,0,0,0,10,0,0,0,0,0\n"
                        + "Training,g,0,0,0,0,0,10,0,0,0,0\nTraining,h,0,0,0,0,0,0,10,0,0,0\nTraining,i,0,0,0,0,0,0,0,10,0,0\n");
        double[][] d = FerPlusPrior.fromVotes(priorVotes);
        // happiness row: mean of (0.2 neutral, 0.8 happiness) and (0.6 happiness, 0.4 sadness)
        assertArrayEquals(new double[]{0.1, 0.7, 0.2, 0, 0, 0, 0, 0}, d[FerLabel.HAPPINESS.ordinal()], 1e-12);
        for (double[] row : d) assertEquals(1.0, java.util.Arrays.stream(row).sum(), 1e-12);
        assertEquals(1.0, d[FerLabel.SURPRISE.ordinal()][FerLabel.SURPRISE.ordinal()], 1e-12);
        assertThrows(FerDataException.class, () -> FerPlusPrior.fromVotes(votes), "a class without training rows");
        Path badVotes = Fixtures.write(tmp.resolve("bad").resolve("fer2013new.csv"),
                "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
                        + "Training,a,2,8,0,0,0,0,0,0,0,0\nTraining,b,0,six,0,4,0,0,0,0,0,0\n");
        FerDataException bad = assertThrows(FerDataException.class, () -> FerPlusPrior.fromVotes(badVotes));
        assertTrue(bad.getMessage().contains(badVotes + ":3") && bad.getMessage().contains("'six'"), bad.getMessage());
        assertNull(DatasetCheck.check(FerDataset.FERPLUS, tmp, SkipPolicy.STRICT).problems().isEmpty() ? null : "problems");
    }
}
