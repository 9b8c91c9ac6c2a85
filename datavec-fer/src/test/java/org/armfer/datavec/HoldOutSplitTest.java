package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The validation hold-out: stratified, seeded, disjoint from train, and what the iterators read through it. */
class HoldOutSplitTest {

    /** Training images per RAF-DB label 1..7: imbalanced, down to a class of one. */
    private static final int[] TRAIN_PER_RAF_LABEL = {30, 20, 12, 5, 3, 2, 1};

    @TempDir
    Path tmp;

    /** A RAF-DB copy (list_patition_label.txt + Image/aligned) with the counts above and 4 test images. */
    private Path rafDb() throws Exception {
        StringBuilder labels = new StringBuilder();
        int n = 0;
        for (int l = 0; l < TRAIN_PER_RAF_LABEL.length; l++) {
            for (int i = 0; i < TRAIN_PER_RAF_LABEL[l]; i++) {
                String name = String.format("train_%05d", ++n);
                labels.append(name).append(".jpg ").append(l + 1).append('\n');
                Fixtures.image(tmp.resolve("Image/aligned/" + name + "_aligned.jpg"), 8, 8);
            }
        }
        for (int t = 1; t <= 4; t++) {
            String name = String.format("test_%04d", t);
            labels.append(name).append(".jpg ").append(t).append('\n');
            Fixtures.image(tmp.resolve("Image/aligned/" + name + "_aligned.jpg"), 8, 8);
        }
        Fixtures.write(tmp.resolve("EmoLabel/list_patition_label.txt"), labels.toString());
        return tmp;
    }

    private static int[] perClass(List<Sample> samples, int classes) {
        int[] c = new int[classes];
        for (Sample s : samples) c[s.label()]++;
        return c;
    }

    @Test
    void stratifiedSeededAndDisjointFromTrain() throws Exception {
        DatasetIndex index = DatasetIndexer.index(FerDataset.RAFDB, rafDb(), SkipPolicy.STRICT);
        assertTrue(HoldOutSplit.needed(index), "RAF-DB has no validation split");
        DatasetIndex split = new HoldOutSplit(0.1, 42).apply(index);
        List<Sample> train = split.samples(Split.TRAIN), val = split.samples(Split.VALIDATION);

        // per class round(0.1 n), at least one when n >= 2, never the whole class: 3, 2, 1, 1 (0.5 rounds up), 1, 1, 0
        int[] rafToCanonical = DatasetLabels.RAFDB_TO_CANONICAL;
        int[] expected = new int[7];
        int[] expectedHeld = {3, 2, 1, 1, 1, 1, 0};
        for (int l = 0; l < 7; l++) expected[rafToCanonical[l + 1]] = expectedHeld[l];
        assertArrayEquals(expected, perClass(val, 7), "held out per canonical class");
        int[] all = perClass(index.samples(Split.TRAIN), 7);
        int[] kept = perClass(train, 7);
        for (int c = 0; c < 7; c++) assertEquals(all[c] - expected[c], kept[c], "class " + c + " keeps the rest");

        Set<String> trainIds = new HashSet<>(HoldOutSplit.ids(index.root(), train));
        Set<String> valIds = new HashSet<>(HoldOutSplit.ids(index.root(), val));
        assertEquals(train.size(), trainIds.size());
        for (String id : valIds) assertFalse(trainIds.contains(id), "held-out " + id + " is not trained on");
        Set<String> union = new HashSet<>(trainIds);
        union.addAll(valIds);
        assertEquals(new HashSet<>(HoldOutSplit.ids(index.root(), index.samples(Split.TRAIN))), union, "nothing lost");
        assertEquals(index.samples(Split.TEST), split.samples(Split.TEST), "RAF-DB's test split is untouched");
        assertTrue(valIds.iterator().next().startsWith("EmoLabel/list_patition_label.txt:"), "ids are root-relative: " + valIds);

        // seeded: the same seed gives the same examples (and digest), another seed others
        DatasetIndex again = new HoldOutSplit(0.1, 42).apply(DatasetIndexer.index(FerDataset.RAFDB, tmp, SkipPolicy.STRICT));
        assertEquals(HoldOutSplit.ids(tmp, val), HoldOutSplit.ids(tmp, again.samples(Split.VALIDATION)));
        assertEquals(HoldOutSplit.digest(tmp, val), HoldOutSplit.digest(tmp, again.samples(Split.VALIDATION)));
        List<Sample> other = new HoldOutSplit(0.1, 7).apply(index).samples(Split.VALIDATION);
        assertArrayEquals(expected, perClass(other, 7), "another seed, the same stratification");
        assertNotEquals(HoldOutSplit.ids(tmp, val), HoldOutSplit.ids(tmp, other), "another seed, other examples");
        assertNotEquals(HoldOutSplit.digest(tmp, val), HoldOutSplit.digest(tmp, other));

        assertThrows(IllegalArgumentException.class, () -> new HoldOutSplit(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new HoldOutSplit(1, 1));
    }

    @Test
    void iteratorsReadThroughTheHoldOut() throws Exception {
        Path root = rafDb();
        HoldOutSplit h = new HoldOutSplit(0.2, 3);
        FerDataConfig.Builder b = FerDataConfig.builder().dataset(FerDataset.RAFDB).root(root).batchSize(200).imageSize(8)
                .holdOut(h);
        DatasetIndex split = h.apply(DatasetIndexer.index(FerDataset.RAFDB, root, SkipPolicy.STRICT));
        FerDataSetIterator train = (FerDataSetIterator) FerIterators.iterator(b.split(Split.TRAIN).build());
        FerDataSetIterator val = (FerDataSetIterator) FerIterators.iterator(b.split(Split.VALIDATION).build());
        assertEquals(split.samples(Split.TRAIN).size(), train.epochSize());
        assertEquals(split.samples(Split.VALIDATION).size(), val.epochSize());
        assertEquals(73, train.epochSize() + val.epochSize());
        // the validation batch holds exactly the held-out labels, in file order
        List<Integer> labels = new ArrayList<>();
        var y = val.next().getLabels().argMax(1);
        for (int i = 0; i < y.length(); i++) labels.add(y.getInt(i));
        assertEquals(split.samples(Split.VALIDATION).stream().map(Sample::label).toList(), labels);
        // without a hold-out RAF-DB has no validation split
        assertThrows(IllegalArgumentException.class, () -> FerIterators.iterator(FerDataConfig.builder()
                .dataset(FerDataset.RAFDB).root(root).split(Split.VALIDATION).build()));
        DataSetIterator test = FerIterators.iterator(b.split(Split.TEST).build());
        assertEquals(4, test.next().numExamples(), "the test split reads as before");
    }

    @Test
    void affectNetsValidationSetBecomesItsTestSplit() throws Exception {
        Path train = tmp.resolve("train_set"), val = tmp.resolve("val_set");
        int[] codes = {0, 1, 1, 2, 2, 3, 3, 3, 4, 5, 6, 6, 7};
        for (int i = 0; i < codes.length; i++) {
            Fixtures.image(train.resolve("images/" + i + ".jpg"), 8, 8);
            Fixtures.npy(train.resolve("annotations/" + i + "_exp.npy"), "<i8", Fixtures.int64(codes[i]));
        }
        for (int i = 0; i < 3; i++) {
            Fixtures.image(val.resolve("images/" + i + ".jpg"), 8, 8);
            Fixtures.npy(val.resolve("annotations/" + i + "_exp.npy"), "<i8", Fixtures.int64(i));
        }
        DatasetIndex index = DatasetIndexer.index(FerDataset.AFFECTNET8, tmp, SkipPolicy.STRICT);
        assertTrue(HoldOutSplit.needed(index), "AffectNet's validation set is its test set: selection needs a hold-out");
        DatasetIndex split = new HoldOutSplit(0.34, 1).apply(index);
        assertEquals(index.samples(Split.VALIDATION), split.samples(Split.TEST));
        assertEquals(4, split.samples(Split.VALIDATION).size(), "one of each class with 2 or 3 examples");
        assertEquals(codes.length - 4, split.samples(Split.TRAIN).size());
        assertTrue(HoldOutSplit.splits(FerDataset.AFFECTNET8).contains(Split.TEST));
    }

    @Test
    void aDatasetWithItsOwnValidationSplitNeedsNone() throws Exception {
        DatasetIndex demo = FerIterators.index(FerDataset.DEMO, DemoDataset.ensure(tmp.resolve("demo")), SkipPolicy.STRICT);
        assertFalse(HoldOutSplit.needed(demo), "FER2013's PublicTest is its validation split");
    }
}
