package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layout detection and override, folder-name mappings, CSV variants, unlabelled CSVs, .npy types, the report. */
class LayoutsTest {

    @TempDir
    Path tmp;

    private static List<Integer> labels(DatasetIndex idx, Split s) {
        return idx.samples(s).stream().map(Sample::label).toList();
    }

    private static FerDataConfig.Builder config(FerDataset d, Path root) {
        return FerDataConfig.builder().dataset(d).root(root);
    }

    @Test
    void layoutOverridePicksOneOfSeveralLayoutsUnderARoot() throws Exception {
        Fixtures.write(tmp.resolve("fer2013.csv"), "emotion,pixels,Usage\n3," + Fixtures.pixels(1) + ",Training\n"
                + "4," + Fixtures.pixels(2) + ",PrivateTest\n");
        Fixtures.image(tmp.resolve("train").resolve("angry").resolve("a.png"), 8, 8);
        Fixtures.image(tmp.resolve("train").resolve("fear").resolve("b.png"), 8, 8);
        Fixtures.image(tmp.resolve("test").resolve("surprise").resolve("c.png"), 8, 8);
        // AUTO: the CSV comes first
        DatasetIndex auto = FerIterators.index(config(FerDataset.FER2013, tmp).build());
        assertEquals("fer2013.csv", auto.layout());
        assertEquals(List.of(FerLabel.HAPPINESS.ordinal()), labels(auto, Split.TRAIN));
        DatasetIndex folders = FerIterators.index(config(FerDataset.FER2013, tmp).layout(FerLayout.FOLDERS).build());
        assertEquals("folder per class", folders.layout());
        // class folders in sorted name order (angry, fear), labels from the names, never from the order
        assertEquals(List.of(FerLabel.ANGER.ordinal(), FerLabel.FEAR.ordinal()), labels(folders, Split.TRAIN));
        assertEquals(List.of(FerLabel.SURPRISE.ordinal()), labels(folders, Split.TEST));
        // a layout that does not hold the dataset, and one whose files are missing
        assertThrows(IllegalArgumentException.class, () -> config(FerDataset.FER2013, tmp).layout(FerLayout.RAFDB_LIST).build());
        FerDataException e = assertThrows(FerDataException.class,
                () -> FerIterators.index(config(FerDataset.FER2013, tmp).layout(FerLayout.KAGGLE_CSV).build()));
        assertTrue(e.getMessage().contains(tmp.resolve("train.csv").toString()) && !e.getMessage().contains("fer2013.csv"),
                e.getMessage());
        assertEquals(FerLayout.AFFECTNET_NPY, FerLayout.parse("affectnet_npy"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> FerLayout.parse("zip"));
        assertTrue(bad.getMessage().contains("folders"), bad.getMessage());
    }

    @Test
    void wrongRootListsEveryLayoutsFilesForEachDataset() {
        for (FerDataset d : List.of(FerDataset.FER2013, FerDataset.FERPLUS, FerDataset.RAFDB, FerDataset.AFFECTNET7)) {
            FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(d, tmp, SkipPolicy.STRICT), d.cliName());
            String m = e.getMessage();
            assertTrue(m.contains(tmp.resolve("train").toString()), d + ": " + m);
            switch (d) {
                case FER2013 -> assertTrue(m.contains(tmp.resolve("fer2013.csv").toString()) && m.contains("train.csv"), m);
                case FERPLUS -> assertTrue(m.contains(tmp.resolve("fer2013new.csv").toString()), m);
                case RAFDB -> assertTrue(m.contains(tmp.resolve("EmoLabel").resolve("list_patition_label.txt").toString()), m);
                default -> assertTrue(m.contains("training.csv") && m.contains(tmp.resolve("train_set").toString()), m);
            }
        }
        FerDataException missing = assertThrows(FerDataException.class,
                () -> DatasetIndexer.index(FerDataset.RAFDB, tmp.resolve("nowhere"), SkipPolicy.STRICT));
        assertTrue(missing.getMessage().contains("does not exist") && missing.getMessage().contains("list_patition_label.txt"),
                missing.getMessage());
    }

    @Test
    void kaggleTestCsvIsForPredictionOnly() throws Exception {
        Path test = Fixtures.write(tmp.resolve("test.csv"), "pixels\n" + Fixtures.pixels(5) + "\n\"" + Fixtures.pixels(9) + "\"\n");
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(test.toString()) && e.getMessage().contains("unlabelled"), e.getMessage());
        List<BufferedImage> images = FerCsvImages.read(test);
        assertEquals(2, images.size());
        assertEquals(48, images.get(1).getWidth());
        for (int i : new int[]{0, 1, 47, 48, 2303}) {
            assertEquals((5 + i) % 256, images.get(0).getRaster().getSample(i % 48, i / 48, 0), "row 1 pixel " + i);
            assertEquals((9 + i) % 256, images.get(1).getRaster().getSample(i % 48, i / 48, 0), "row 2 (quoted) pixel " + i);
        }
        Fixtures.write(test, "pixels\n" + Fixtures.pixels(5) + "\n1 2 3\n");
        FerDataException bad = assertThrows(FerDataException.class, () -> FerCsvImages.read(test));
        assertTrue(bad.getMessage().contains(test + ":3") && bad.getMessage().contains("3 pixel values"), bad.getMessage());
        Fixtures.write(test, "emotion\n3\n");
        assertThrows(FerDataException.class, () -> FerCsvImages.read(test));
        // a labelled fer2013.csv reads too, labels ignored
        Path fer = Fixtures.write(tmp.resolve("x").resolve("fer2013.csv"), "emotion, Usage, pixels\n2, Training, " + Fixtures.pixels(0) + "\n");
        assertEquals(1, FerCsvImages.read(fer).size());
    }

    @Test
    void quotedFieldsAndByteOrderMarkAreAccepted() throws Exception {
        Fixtures.write(tmp.resolve("fer2013.csv"), "\uFEFFemotion,pixels,Usage\n\"5\",\"" + Fixtures.pixels(3) + "\",\"PublicTest\"\n");
        DatasetIndex idx = DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.STRICT);
        assertEquals(List.of(FerLabel.SURPRISE.ordinal()), labels(idx, Split.VALIDATION));
        assertEquals(3f, idx.samples(Split.VALIDATION).get(0).image().load().pixels()[0]);
    }

    @Test
    void folderNumbersFollowEachDatasetsOwnOrder() throws Exception {
        // the folder "1" means a different class in each dataset
        Map<FerDataset, FerLabel> one = Map.of(FerDataset.FER2013, FerLabel.DISGUST, FerDataset.FERPLUS, FerLabel.HAPPINESS,
                FerDataset.RAFDB, FerLabel.SURPRISE, FerDataset.AFFECTNET8, FerLabel.HAPPINESS);
        Map<FerDataset, FerLabel> two = Map.of(FerDataset.FER2013, FerLabel.FEAR, FerDataset.FERPLUS, FerLabel.SURPRISE,
                FerDataset.RAFDB, FerLabel.FEAR, FerDataset.AFFECTNET8, FerLabel.SADNESS);
        for (FerDataset d : one.keySet()) {
            Path root = tmp.resolve(d.cliName());
            Fixtures.image(root.resolve("train").resolve("1").resolve("a.png"), 8, 8);
            Fixtures.image(root.resolve("train").resolve("2").resolve("b.png"), 8, 8);
            Fixtures.image(root.resolve(d == FerDataset.RAFDB ? "valid" : "val").resolve("2").resolve("c.png"), 8, 8);
            DatasetIndex idx = DatasetIndexer.index(d, root, SkipPolicy.STRICT);
            assertEquals(List.of(one.get(d).ordinal(), two.get(d).ordinal()), labels(idx, Split.TRAIN), d.cliName());
            // RAF-DB's "valid" copy is its test split; the others' "val" is their validation split
            Split held = d == FerDataset.RAFDB ? Split.TEST : Split.VALIDATION;
            assertEquals(List.of(two.get(d).ordinal()), labels(idx, held), d.cliName());
        }
        for (int n = 0; n < 8; n++) {
            FerLabel expected = FerLabel.values()[DatasetLabels.FERPLUS_COLUMNS_TO_CANONICAL[n]];
            assertEquals(expected.ordinal(), DatasetLabels.folderLabel(FerDataset.FERPLUS, String.valueOf(n)));
        }
        assertEquals(List.of("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt"),
                java.util.Arrays.stream(DatasetLabels.FERPLUS_COLUMNS_TO_CANONICAL).mapToObj(i -> FerLabel.values()[i].label()).toList(),
                "FER+ column order");
    }

    @Test
    void explicitFolderLabelsReplaceTheDefaultsAndContemptIsLeftOutOfSevenClassesPerImage() throws Exception {
        // an AffectNet copy numbered alphabetically: 0 anger, 1 contempt, ..., 5 neutral
        Fixtures.image(tmp.resolve("train").resolve("0").resolve("a.png"), 8, 8);
        Fixtures.image(tmp.resolve("train").resolve("1").resolve("b.png"), 8, 8);
        Fixtures.image(tmp.resolve("train").resolve("1").resolve("b2.png"), 8, 8);
        Fixtures.image(tmp.resolve("train").resolve("5").resolve("c.png"), 8, 8);
        Fixtures.image(tmp.resolve("val").resolve("5").resolve("d.png"), 8, 8);
        FerDataConfig.Builder b = config(FerDataset.AFFECTNET8, tmp).folderLabels(DatasetLabels.AFFECTNET_ALPHABETICAL_FOLDERS);
        DatasetIndex alpha = FerIterators.index(b.build());
        assertEquals(List.of(FerLabel.ANGER.ordinal(), FerLabel.CONTEMPT.ordinal(), FerLabel.CONTEMPT.ordinal(),
                FerLabel.NEUTRAL.ordinal()), labels(alpha, Split.TRAIN));
        // the same folders read with AffectNet's own codes
        DatasetIndex codes = FerIterators.index(config(FerDataset.AFFECTNET8, tmp).build());
        assertEquals(List.of(0, 1, 1, 5), labels(codes, Split.TRAIN));
        // 7 classes: both contempt images are left out by rule, counted per image
        DatasetIndex seven = FerIterators.index(config(FerDataset.AFFECTNET7, tmp).folderLabels(DatasetLabels.AFFECTNET_ALPHABETICAL_FOLDERS).build());
        assertEquals(List.of(FerLabel.ANGER.ordinal(), FerLabel.NEUTRAL.ordinal()), labels(seven, Split.TRAIN));
        assertEquals(2, seven.excludedByRule().get("contempt (7-class task)"));
        // a folder missing from an explicit mapping is an error naming it
        FerDataException e = assertThrows(FerDataException.class, () -> FerIterators.index(config(FerDataset.AFFECTNET8, tmp)
                .folderLabels(Map.of("0", FerLabel.ANGER, "1", FerLabel.CONTEMPT)).build()));
        assertTrue(e.getMessage().contains(tmp.resolve("train").resolve("5").toString()), e.getMessage());
    }

    @Test
    void affectNetCsvColumnsComeFromTheHeaderWhenThereIsOne() throws Exception {
        Fixtures.image(tmp.resolve("Manually_Annotated_Images").resolve("7").resolve("x.jpg"), 30, 30);
        // columns in another order; the header says where each is
        Fixtures.write(tmp.resolve("Manually_Annotated_file_lists").resolve("training.csv"),
                "expression,face_height,face_width,face_y,face_x,subDirectory_filePath,facial_landmarks,valence,arousal\n"
                        + "4,10,12,3,2,7/x.jpg,1;2,0,0\n");
        Fixtures.write(tmp.resolve("Manually_Annotated_file_lists").resolve("validation.csv"), "7/x.jpg,0,0,30,30,,6,0,0\n");
        DatasetIndex idx = DatasetIndexer.index(FerDataset.AFFECTNET8, tmp, SkipPolicy.STRICT);
        assertEquals(List.of(FerLabel.FEAR.ordinal()), labels(idx, Split.TRAIN));
        assertEquals(List.of(FerLabel.ANGER.ordinal()), labels(idx, Split.VALIDATION));
        Sample.RawImage crop = idx.samples(Split.TRAIN).get(0).image().load();
        assertEquals(12, crop.width());
        assertEquals(10, crop.height());
        Fixtures.write(tmp.resolve("Manually_Annotated_file_lists").resolve("training.csv"),
                "subDirectory_filePath,face_x,face_y,face_width,face_height,valence\n7/x.jpg,0,0,5,5,0\n");
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.AFFECTNET8, tmp, SkipPolicy.SKIP));
        assertTrue(e.getMessage().contains("training.csv:1") && e.getMessage().contains("expression"), e.getMessage());
    }

    @Test
    void npyReaderHandlesTheTypesTheAnnotationsComeIn() throws Exception {
        java.nio.ByteBuffer b4 = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, Npy.readInt(Fixtures.npy(tmp.resolve("i4.npy"), "<i4", b4.putInt(0, 5).array())));
        assertEquals(6, Npy.readInt(Fixtures.npy(tmp.resolve("f4.npy"), "<f4", b4.putFloat(0, 6f).array())));
        assertEquals(7, Npy.readInt(Fixtures.npy(tmp.resolve("be.npy"), ">i8",
                java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.BIG_ENDIAN).putLong(7).array())));
        assertEquals(10, Npy.readInt(Fixtures.npy(tmp.resolve("s2.npy"), "|S2", "10".getBytes())));
        assertEquals(3, Npy.readInt(Fixtures.npy(tmp.resolve("s3.npy"), "|S3", new byte[]{'3', 0, 0})), "NUL-padded string");
        assertEquals(1, Npy.readInt(Fixtures.npy(tmp.resolve("u3.npy"), "<U3", Fixtures.unicode("1\0\0"))));
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class,
                () -> Npy.readInt(Fixtures.npy(tmp.resolve("w.npy"), "<U5", Fixtures.unicode("happy"))));
        assertTrue(word.getMessage().contains("'happy'") && word.getMessage().contains("w.npy"), word.getMessage());
        IllegalArgumentException object = assertThrows(IllegalArgumentException.class,
                () -> Npy.readInt(Fixtures.npy(tmp.resolve("o.npy"), "|O", new byte[8])));
        assertTrue(object.getMessage().contains("|O") && object.getMessage().contains("o.npy"), object.getMessage());
        // version 2.0 headers (4-byte length)
        byte[] v1 = Files.readAllBytes(Fixtures.npy(tmp.resolve("v1.npy"), "<i8", Fixtures.int64(4)));
        int headerLen = (v1[8] & 0xFF) | (v1[9] & 0xFF) << 8;
        java.nio.ByteBuffer v2 = java.nio.ByteBuffer.allocate(v1.length + 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        v2.put(v1, 0, 6).put((byte) 2).put((byte) 0).putInt(headerLen).put(v1, 10, v1.length - 10);
        assertEquals(4, Npy.readInt(Files.write(tmp.resolve("v2.npy"), v2.array())));
    }

    @Test
    void reportCountsPerClassAndSplitAndListsEveryProblem() throws Exception {
        StringBuilder sb = new StringBuilder("emotion,pixels,Usage\n");
        int[] train = {2, 0, 1, 3, 0, 0, 1}; // rows per FER2013 emotion
        for (int e = 0; e < 7; e++) for (int i = 0; i < train[e]; i++) sb.append(e).append(',').append(Fixtures.pixels(e)).append(",Training\n");
        sb.append("6,").append(Fixtures.pixels(1)).append(",PublicTest\n");
        sb.append("6,1 2 3,PublicTest\n");
        sb.append("0,").append(Fixtures.pixels(1)).append(",PrivateTest\n");
        Path csv = Fixtures.write(tmp.resolve("fer2013.csv"), sb.toString());
        DatasetReport r = DatasetCheck.check(FerDataset.FER2013, tmp, SkipPolicy.STRICT);
        assertTrue(r.layoutOk());
        // canonical order: neutral, happiness, sadness, surprise, fear, disgust, anger
        assertArrayEquals(new int[]{1, 3, 0, 0, 1, 0, 2}, r.countsPerClass().get(Split.TRAIN));
        assertArrayEquals(new int[]{1, 0, 0, 0, 0, 0, 0}, r.countsPerClass().get(Split.VALIDATION));
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 0, 1}, r.countsPerClass().get(Split.TEST));
        assertEquals(List.of(new Problem(csv, 10, "3 pixel values, expected 2304 (48x48)")), r.problems());
        assertFalse(r.passes(SkipPolicy.STRICT));
        assertTrue(r.passes(SkipPolicy.SKIP));
        String table = r.toTable();
        assertTrue(table.contains("happiness") && table.contains(csv + ":10"), table);
        String json = r.toJson();
        assertTrue(json.contains("\"train\": [1, 3, 0, 0, 1, 0, 2]") && json.contains("\"line\": 10"), json);
        // Kaggle's train.csv has no held-out splits by nature: the layout is fine, and the report says so
        Path kaggle = tmp.resolve("kaggle");
        Fixtures.write(kaggle.resolve("train.csv"), "emotion,pixels\n3," + Fixtures.pixels(0) + "\n");
        DatasetReport k = DatasetCheck.check(FerDataset.FER2013, kaggle, SkipPolicy.STRICT);
        assertTrue(k.layoutOk() && k.passes(SkipPolicy.STRICT), k.toTable());
        assertTrue(k.layout().contains("no test split"), k.layout());
        // an empty split that the layout should have is wrong
        Path empty = tmp.resolve("empty");
        Fixtures.write(empty.resolve("fer2013.csv"), "emotion,pixels,Usage\n3," + Fixtures.pixels(0) + ",Training\n");
        assertFalse(DatasetCheck.check(FerDataset.FER2013, empty, SkipPolicy.SKIP).layoutOk());
    }
}
