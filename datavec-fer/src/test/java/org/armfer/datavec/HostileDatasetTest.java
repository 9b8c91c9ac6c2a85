package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dataset files as a careless or hostile copy has them (issue 21): links leaving the root, images listed twice, a BOM,
 * FER+ files from different releases, files over their size limit, a 100K-character line, values too long to echo,
 * splits whose every row is bad, layouts without a validation split.
 */
class HostileDatasetTest {

    @TempDir
    Path tmp;

    private static List<Integer> labels(DatasetIndex idx, Split s) {
        return idx.samples(s).stream().map(Sample::label).toList();
    }

    /** A RAF-DB root with good aligned images for the given names (without "_aligned.jpg") and the label list. */
    private Path rafDb(String name, String list, String... images) throws Exception {
        Path root = tmp.resolve(name);
        for (String i : images) Fixtures.image(root.resolve("Image").resolve("aligned").resolve(i + "_aligned.jpg"), 24, 24);
        Fixtures.write(root.resolve("EmoLabel").resolve("list_patition_label.txt"), list);
        return root;
    }

    @Test
    void aRafDbImageLinkedOutsideTheRootIsRefusedNamingBothPaths() throws Exception {
        Path secret = Fixtures.image(tmp.resolve("elsewhere").resolve("private.jpg"), 24, 24);
        Path root = rafDb("raf", "train_00001.jpg 4\ntrain_00002.jpg 5\ntrain_00003.jpg 1\ntest_00001.jpg 7\n",
                "train_00001", "test_00001");
        Path aligned = root.resolve("Image").resolve("aligned");
        Path out = Files.createSymbolicLink(aligned.resolve("train_00002_aligned.jpg"), secret);
        // a link that stays inside the root is fine
        Path inside = Fixtures.image(root.resolve("extra").resolve("x.jpg"), 24, 24);
        Files.createSymbolicLink(aligned.resolve("train_00003_aligned.jpg"), inside);

        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.RAFDB, root, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains(secret.toRealPath().toString())
                && e.getMessage().contains("outside the dataset root"), e.getMessage());
        assertTrue(e.getMessage().contains("list_patition_label.txt:2"), e.getMessage());
        DatasetIndex idx = DatasetIndexer.index(FerDataset.RAFDB, root, SkipPolicy.SKIP);
        assertEquals(List.of(FerLabel.HAPPINESS.ordinal(), FerLabel.SURPRISE.ordinal()), labels(idx, Split.TRAIN));
        assertEquals(1, idx.problems().size());

        // the image folder itself moved to another disk and linked back is the user's choice: read as usual
        Path moved = tmp.resolve("disk2").resolve("aligned");
        Files.createDirectories(moved.getParent());
        Path root2 = rafDb("raf2", "train_00001.jpg 4\ntest_00001.jpg 7\n");
        Files.createDirectories(root2.resolve("Image"));
        Fixtures.image(moved.resolve("train_00001_aligned.jpg"), 24, 24);
        Fixtures.image(moved.resolve("test_00001_aligned.jpg"), 24, 24);
        Files.createSymbolicLink(root2.resolve("Image").resolve("aligned"), moved);
        DatasetReport linked = DatasetCheck.check(FerDataset.RAFDB, root2, SkipPolicy.STRICT);
        assertTrue(linked.passes(SkipPolicy.STRICT), linked.toTable());
    }

    @Test
    void linksLeavingTheRootAreRefusedInEveryLayoutAndDanglingLinksAreReported() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Fixtures.image(outside.resolve("o.png"), 20, 20);
        // AffectNet CSV: a class subfolder linked out of Manually_Annotated_Images
        Path an = tmp.resolve("affectnet");
        Fixtures.image(an.resolve("Manually_Annotated_Images").resolve("1").resolve("a.png"), 20, 20);
        Files.createSymbolicLink(an.resolve("Manually_Annotated_Images").resolve("2"), outside);
        Fixtures.write(an.resolve("Manually_Annotated_file_lists").resolve("training.csv"), "1/a.png,0,0,20,20,,1,0,0\n2/o.png,0,0,20,20,,2,0,0\n");
        Fixtures.write(an.resolve("Manually_Annotated_file_lists").resolve("validation.csv"), "1/a.png,0,0,10,10,,0,0,0\n");
        DatasetIndex a = DatasetIndexer.index(FerDataset.AFFECTNET8, an, SkipPolicy.SKIP);
        assertEquals(List.of(1), labels(a, Split.TRAIN));
        assertEquals(1, a.problems().size());
        assertEquals(2, a.problems().get(0).line());
        assertTrue(a.problems().get(0).reason().contains(outside.toRealPath().resolve("o.png").toString()), a.problems().toString());
        // folder copy: a link out, and a link to nothing
        Path folders = tmp.resolve("folders");
        Fixtures.image(folders.resolve("train").resolve("happy").resolve("a.png"), 20, 20);
        Files.createSymbolicLink(folders.resolve("train").resolve("happy").resolve("b.png"), outside.resolve("o.png"));
        Path dangling = Files.createSymbolicLink(folders.resolve("train").resolve("happy").resolve("c.png"), tmp.resolve("gone.png"));
        Fixtures.image(folders.resolve("test").resolve("sad").resolve("t.png"), 20, 20);
        DatasetIndex f = DatasetIndexer.index(FerDataset.FER2013, folders, SkipPolicy.SKIP);
        assertEquals(1, labels(f, Split.TRAIN).size());
        assertEquals(2, f.problems().size(), f.problems().toString());
        assertTrue(f.problems().get(0).reason().contains("outside the dataset root"), f.problems().toString());
        assertEquals(dangling, f.problems().get(1).file());
        assertTrue(f.problems().get(1).reason().contains("link to nothing"), f.problems().toString());
    }

    @Test
    void theSameImageListedTwiceIsReportedAndWithTwoLabelsLeftOutEntirely() throws Exception {
        Path root = rafDb("raf", "train_00001.jpg 1\ntrain_00002.jpg 4\ntrain_00001.jpg 2\ntrain_00002.jpg 4\ntest_00001.jpg 3\n",
                "train_00001", "train_00002", "test_00001");
        Path list = root.resolve("EmoLabel").resolve("list_patition_label.txt");
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.RAFDB, root, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(list + ":3") && e.getMessage().contains("conflicting labels")
                && e.getMessage().contains(list + ":1"), e.getMessage());
        DatasetIndex idx = DatasetIndexer.index(FerDataset.RAFDB, root, SkipPolicy.SKIP);
        // train_00001 (surprise on line 1, fear on line 3) left out; train_00002 kept once
        assertEquals(List.of(FerLabel.HAPPINESS.ordinal()), labels(idx, Split.TRAIN));
        assertEquals(2, idx.samples(Split.TRAIN).get(0).line());
        assertEquals(List.of(3L, 4L), idx.problems().stream().map(Problem::line).toList());
        assertTrue(idx.problems().get(0).reason().contains("is fear here but surprise at " + list + ":1"), idx.problems().toString());
        assertTrue(idx.problems().get(1).reason().startsWith("duplicate") && idx.problems().get(1).reason().contains(list + ":2"),
                idx.problems().toString());

        // a folder copy with a link in another class folder to the same file: conflicting labels
        Path folders = tmp.resolve("folders");
        Path a = Fixtures.image(folders.resolve("train").resolve("happy").resolve("a.png"), 20, 20);
        Fixtures.image(folders.resolve("train").resolve("happy").resolve("b.png"), 20, 20);
        Files.createSymbolicLink(folders.resolve("train").resolve("sad").resolve("a-link.png"),
                Files.createDirectories(folders.resolve("train").resolve("sad")).relativize(a));
        Fixtures.image(folders.resolve("test").resolve("sad").resolve("t.png"), 20, 20);
        DatasetIndex f = DatasetIndexer.index(FerDataset.FER2013, folders, SkipPolicy.SKIP);
        assertEquals(List.of(folders.resolve("train").resolve("happy").resolve("b.png")),
                f.samples(Split.TRAIN).stream().map(Sample::file).toList());
        assertTrue(f.problems().get(0).reason().contains("conflicting labels"), f.problems().toString());

        // AffectNet: the same image and face box in training and validation would leak; left out of validation
        Path an = tmp.resolve("affectnet");
        Fixtures.image(an.resolve("Manually_Annotated_Images").resolve("1").resolve("a.png"), 20, 20);
        Fixtures.write(an.resolve("Manually_Annotated_file_lists").resolve("training.csv"), "1/a.png,0,0,20,20,,1,0,0\n1/a.png,2,2,9,9,,1,0,0\n");
        Path val = Fixtures.write(an.resolve("Manually_Annotated_file_lists").resolve("validation.csv"), "1/a.png,0,0,20,20,,1,0,0\n");
        DatasetIndex n = DatasetIndexer.index(FerDataset.AFFECTNET8, an, SkipPolicy.SKIP);
        assertEquals(2, n.samples(Split.TRAIN).size(), "another crop of the same image is another example");
        assertEquals(0, n.samples(Split.VALIDATION).size());
        assertEquals(new Problem(val, 1, n.problems().get(0).reason()), n.problems().get(0));
        assertTrue(n.problems().get(0).reason().contains("in the validation split here and in the train split"), n.problems().toString());
    }

    @Test
    void aByteOrderMarkAtTheStartOfTheRafDbListIsAccepted() throws Exception {
        Path root = rafDb("raf", "\uFEFFtrain_00001.jpg 4\ntest_00001.jpg 7\n", "train_00001", "test_00001");
        DatasetIndex idx = DatasetIndexer.index(FerDataset.RAFDB, root, SkipPolicy.STRICT);
        assertEquals(List.of(FerLabel.HAPPINESS.ordinal()), labels(idx, Split.TRAIN));
        assertEquals(1, idx.samples(Split.TRAIN).get(0).line());
    }

    @Test
    void ferPlusUsageIsCheckedAgainstFer2013RowByRow() throws Exception {
        String[] usage = {"Training", "Training", "PublicTest", "PrivateTest"};
        StringBuilder fer = new StringBuilder("emotion,pixels,Usage\n");
        for (int i = 0; i < usage.length; i++) fer.append("0,").append(Fixtures.pixels(i)).append(',').append(usage[i]).append('\n');
        Path images = Fixtures.write(tmp.resolve("fer2013.csv"), fer.toString());
        // from another release: the second row's Usage differs; a BOM before the header
        Path votes = Fixtures.write(tmp.resolve("fer2013new.csv"), "\uFEFF" + FerPlusCsvLayout.HEADER + "\n"
                + "Training,fer0000000.png,10,0,0,0,0,0,0,0,0,0\n"
                + "PublicTest,fer0000001.png,10,0,0,0,0,0,0,0,0,0\n"
                + "PublicTest,fer0000002.png,0,10,0,0,0,0,0,0,0,0\n"
                + "PrivateTest,fer0000003.png,0,0,10,0,0,0,0,0,0,0\n");
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FERPLUS, tmp, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(votes + ":3") && e.getMessage().contains("Usage PublicTest here but Training at "
                + images + ":3"), e.getMessage());
        DatasetIndex idx = DatasetIndexer.index(FerDataset.FERPLUS, tmp, SkipPolicy.SKIP);
        assertEquals(List.of(FerLabel.NEUTRAL.ordinal()), labels(idx, Split.TRAIN));
        assertEquals(List.of(FerLabel.HAPPINESS.ordinal()), labels(idx, Split.VALIDATION));
        assertEquals(List.of(FerLabel.SURPRISE.ordinal()), labels(idx, Split.TEST));
        assertEquals(1, idx.problems().size());
        // a Usage that is none of the three
        Fixtures.write(votes, FerPlusCsvLayout.HEADER + "\nTraining,a,10,0,0,0,0,0,0,0,0,0\nHoldout,b,10,0,0,0,0,0,0,0,0,0\n"
                + "PublicTest,c,0,10,0,0,0,0,0,0,0,0\nPrivateTest,d,0,0,10,0,0,0,0,0,0,0\n");
        FerDataException u = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FERPLUS, tmp, SkipPolicy.STRICT));
        assertTrue(u.getMessage().contains(votes + ":3") && u.getMessage().contains("'Holdout'"), u.getMessage());
    }

    @Test
    void everyFileTheReadersReadHasASizeLimitWithAClearError() throws Exception {
        // sparse files: larger than each limit, made instantly, never read
        record Case(FerDataset dataset, String file, long limit, String what) {
        }
        List<Case> cases = List.of(
                new Case(FerDataset.FER2013, "fer2013.csv", DatasetFiles.MAX_CSV_BYTES, "a FER2013 CSV file"),
                new Case(FerDataset.FERPLUS, "fer2013new.csv", DatasetFiles.MAX_LIST_BYTES, "FER+'s fer2013new.csv"),
                new Case(FerDataset.RAFDB, "EmoLabel/list_patition_label.txt", DatasetFiles.MAX_LIST_BYTES, "RAF-DB's label list"),
                new Case(FerDataset.AFFECTNET8, "Manually_Annotated_file_lists/training.csv", DatasetFiles.MAX_CSV_BYTES,
                        "an AffectNet file list"));
        for (Case c : cases) {
            Path root = tmp.resolve(c.dataset().cliName());
            Path big = Fixtures.sparse(root.resolve(c.file()), c.limit() + 1);
            switch (c.dataset()) {
                case FERPLUS -> Fixtures.write(root.resolve("fer2013.csv"), "emotion,pixels,Usage\n0," + Fixtures.pixels(0) + ",Training\n");
                case RAFDB -> Files.createDirectories(root.resolve("Image").resolve("aligned"));
                case AFFECTNET8 -> {
                    Fixtures.write(root.resolve("Manually_Annotated_file_lists").resolve("validation.csv"), "");
                    Files.createDirectories(root.resolve("Manually_Annotated_Images"));
                }
                default -> {
                }
            }
            FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(c.dataset(), root, SkipPolicy.SKIP), c.file());
            assertEquals(big + ": " + (c.limit() + 1) + " bytes, more than the " + c.limit() + " bytes allowed for " + c.what(),
                    e.getMessage());
            // armfer data reports it as the layout's problem, it does not crash
            DatasetReport r = DatasetCheck.check(c.dataset(), root, SkipPolicy.SKIP);
            assertFalse(r.layoutOk());
            assertTrue(r.toTable().contains(c.what()), r.toTable());
        }
        // FerCsvImages (Kaggle's test.csv for prediction) has the same limit
        Path test = Fixtures.sparse(tmp.resolve("kaggle").resolve("test.csv"), DatasetFiles.MAX_CSV_BYTES + 1);
        assertTrue(assertThrows(FerDataException.class, () -> FerCsvImages.read(test)).getMessage().contains("a FER2013 CSV file"));
    }

    @Test
    void aHugeLineIsOneBadRowAndLongValuesAreCutInMessages() throws Exception {
        String good = Fixtures.pixels(1);
        String csv = "emotion,pixels,Usage\n"
                + "0," + "1 ".repeat(50_000) + ",Training\n"        // line 2: 100,011 characters
                + "x".repeat(50_000) + "," + good + ",Training\n"   // line 3: a 50,000-character emotion
                + "3," + good + ",Training\n"
                + "3," + good + ",PublicTest\n"
                + "3," + good + ",PrivateTest\n";
        Path f = Fixtures.write(tmp.resolve("fer2013.csv"), csv);
        DatasetIndex idx = DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.SKIP);
        assertEquals(1, idx.samples(Split.TRAIN).size());
        assertEquals(List.of(new Problem(f, 2, "line of 100011 characters, more than the 65536 a FER2013 row can have"),
                new Problem(f, 3, "emotion '" + "x".repeat(80) + "... (50000 chars)' is not a number 0-6")), idx.problems());
        // a header too long to be one
        Fixtures.write(f, "emotion," + "y".repeat(70_000) + "\n");
        FerDataException h = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.SKIP));
        assertTrue(h.getMessage().length() < 400 && h.getMessage().contains("chars)"), h.getMessage());
    }

    @Test
    void aSplitWhoseEveryRowIsBadListsItsRowsInTheReport() throws Exception {
        Path f = Fixtures.write(tmp.resolve("fer2013.csv"), "emotion,pixels,Usage\n3,1 2 3,Training\n9," + Fixtures.pixels(0)
                + ",PublicTest\n4,1 2,PrivateTest\n");
        DatasetReport r = DatasetCheck.check(FerDataset.FER2013, tmp, SkipPolicy.SKIP);
        assertFalse(r.layoutOk());
        assertFalse(r.passes(SkipPolicy.SKIP));
        assertEquals(EnumSet.allOf(Split.class), r.emptySplits());
        assertEquals(List.of(2L, 3L, 4L), r.problems().stream().map(Problem::line).toList());
        String table = r.toTable();
        for (int line = 2; line <= 4; line++) assertTrue(table.contains(f + ":" + line), table);
        assertTrue(table.contains("the train split is empty"), table);
    }

    @Test
    void layoutsWithoutAValidationSplitSaySoAndPass() throws Exception {
        Path kaggle = tmp.resolve("kaggle");
        Fixtures.write(kaggle.resolve("train.csv"), "emotion,pixels\n3," + Fixtures.pixels(0) + "\n");
        DatasetReport k = DatasetCheck.check(FerDataset.FER2013, kaggle, SkipPolicy.STRICT);
        assertTrue(k.passes(SkipPolicy.STRICT), k.toTable());
        assertEquals(Set.of(Split.TRAIN), k.splitsInFiles());
        assertTrue(k.toJson().contains("\"splitsInFiles\": [\"train\"]"), k.toJson());
        // a folder copy with train/ and test/ only: usable, validation comes from a hold-out of train
        Path folders = tmp.resolve("folders");
        Fixtures.image(folders.resolve("train").resolve("happy").resolve("a.png"), 12, 12);
        Fixtures.image(folders.resolve("test").resolve("sad").resolve("b.png"), 12, 12);
        DatasetReport f = DatasetCheck.check(FerDataset.FER2013, folders, SkipPolicy.STRICT);
        assertTrue(f.passes(SkipPolicy.STRICT), f.toTable());
        assertEquals(EnumSet.of(Split.TRAIN, Split.TEST), f.splitsInFiles());
        assertEquals(EnumSet.of(Split.TRAIN, Split.TEST), FerIterators.index(FerDataConfig.builder().dataset(FerDataset.FER2013)
                .root(folders).build()).layoutSplits());
        assertTrue(f.layout().contains("no validation split"), f.layout());
        // an empty split folder that is there is still wrong
        Files.createDirectories(folders.resolve("val").resolve("sad"));
        assertFalse(DatasetCheck.check(FerDataset.FER2013, folders, SkipPolicy.STRICT).layoutOk());
    }
}
