package org.armfer.datavec;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The factory's iterators on a small imbalanced FER2013 file: shapes, labels, epochs (order, MRR, augmentation) as a
 * function of (seed, resets), evaluation splits untouched by training options, asynchronous prefetch, skipping.
 */
class IteratorTest {

    @TempDir
    Path tmp;

    /** Training rows per FER2013 emotion 0-6 (smallest: 2, so MRR draws 2 a class, 14 an epoch). */
    static final int[] TRAIN_ROWS = {3, 2, 4, 6, 2, 5, 8};
    static final int TRAIN_TOTAL = 30;

    /** Row r has pixels (r + i) % 256: its first pixel identifies it. */
    @BeforeEach
    void writeFer2013() throws Exception {
        StringBuilder sb = new StringBuilder("emotion,pixels,Usage\n");
        int row = 0;
        for (int e = 0; e < 7; e++) {
            for (int i = 0; i < TRAIN_ROWS[e]; i++) sb.append(e).append(',').append(Fixtures.pixels(row++)).append(",Training\n");
        }
        for (int e = 0; e < 7; e++) sb.append(e).append(',').append(Fixtures.pixels(row++)).append(",PublicTest\n");
        sb.append("3,").append(Fixtures.pixels(row)).append(",PrivateTest\n");
        Fixtures.write(tmp.resolve("fer2013.csv"), sb.toString());
    }

    private FerDataConfig.Builder cfg() {
        // 1 channel at the native 48x48, no augmentation: a feature value maps back to its pixel exactly
        return FerDataConfig.builder().dataset(FerDataset.FER2013).root(tmp).imageSize(48).channels(1).batchSize(4).seed(9);
    }

    /** The rows (first pixel values) and canonical labels of one pass. */
    private static List<int[]> pass(DataSetIterator it) {
        double m = (0.485 + 0.456 + 0.406) / 3, s = (0.229 + 0.224 + 0.225) / 3;
        List<int[]> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet ds = it.next();
            for (int i = 0; i < ds.numExamples(); i++) {
                int row = (int) Math.round((ds.getFeatures().getDouble(i, 0, 0, 0) * s + m) * 255);
                out.add(new int[]{row, ds.getLabels().getRow(i).argMax().getInt(0)});
            }
        }
        return out;
    }

    private static List<Integer> rows(List<int[]> pass) {
        return pass.stream().map(r -> r[0]).toList();
    }

    @Test
    void theEightArgumentFactoryGivesFloatBatchesWithOneHotCanonicalLabels() {
        DataSetIterator it = FerIterators.iterator(FerDataset.FER2013, tmp, Split.VALIDATION, 4, 32, false, false, 1);
        DataSet first = it.next();
        assertArrayEquals(new long[]{4, 3, 32, 32}, first.getFeatures().shape());
        assertArrayEquals(new long[]{4, 7}, first.getLabels().shape());
        assertEquals(DataType.FLOAT, first.getFeatures().dataType());
        for (int i = 0; i < 4; i++) assertEquals(1.0, first.getLabels().getRow(i).sumNumber().doubleValue(), 0.0, "one-hot row " + i);
        DataSet last = it.next();
        assertEquals(3, last.numExamples(), "7 validation rows in batches of 4");
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals(FerLabel.names(7), it.getLabels());
        assertEquals(7, it.totalOutcomes());
        assertEquals(3 * 32 * 32, it.inputColumns());
        assertTrue(it.resetSupported() && it.asyncSupported());
        // validation in file order: FER2013 emotions 0..6 = canonical anger, disgust, fear, happiness, sadness, surprise, neutral
        it.reset();
        assertEquals(List.of(6, 5, 4, 1, 2, 3, 0), pass(it).stream().map(r -> r[1]).toList());
    }

    @Test
    void trainingEpochsAreShuffledFreshAndReproducibleFromSeedAndResets() {
        FerDataSetIterator a = (FerDataSetIterator) FerIterators.iterator(cfg().build());
        List<List<Integer>> epochs = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            if (e > 0) a.reset();
            List<Integer> rows = rows(pass(a));
            assertEquals(TRAIN_TOTAL, rows.size());
            assertEquals(TRAIN_TOTAL, new HashSet<>(rows).size(), "every training row once per epoch");
            epochs.add(rows);
        }
        assertNotEquals(epochs.get(0), epochs.get(1));
        assertNotEquals(epochs.get(1), epochs.get(2));
        // another iterator with the same seed, reset twice, replays epoch 2 exactly
        FerDataSetIterator b = (FerDataSetIterator) FerIterators.iterator(cfg().build());
        b.reset();
        b.reset();
        assertEquals(2, b.epoch());
        assertEquals(epochs.get(2), rows(pass(b)));
        // another seed, another order
        assertNotEquals(epochs.get(0), rows(pass(FerIterators.iterator(cfg().seed(10).build()))));
        // no shuffle: file order
        List<Integer> fileOrder = rows(pass(FerIterators.iterator(cfg().shuffle(false).build())));
        for (int i = 0; i < TRAIN_TOTAL; i++) assertEquals(i, fileOrder.get(i));
    }

    @Test
    void mrrDrawsTheSmallestClassCountFromEveryClassEachEpoch() {
        FerDataSetIterator it = (FerDataSetIterator) FerIterators.iterator(cfg().mrr(true).build());
        assertEquals(14, it.epochSize());
        Set<List<Integer>> drawsOfAngry = new HashSet<>();
        List<List<Integer>> epochs = new ArrayList<>();
        for (int e = 0; e < 6; e++) {
            if (e > 0) it.reset();
            List<int[]> pass = pass(it);
            int[] perClass = new int[7];
            for (int[] r : pass) perClass[r[1]]++;
            assertArrayEquals(new int[]{2, 2, 2, 2, 2, 2, 2}, perClass, "epoch " + e);
            assertEquals(14, new HashSet<>(rows(pass)).size(), "no row twice in epoch " + e);
            // anger = FER2013 emotion 0, rows 0-2: which two were drawn
            drawsOfAngry.add(pass.stream().filter(r -> r[1] == FerLabel.ANGER.ordinal()).map(r -> r[0]).sorted().toList());
            epochs.add(rows(pass));
        }
        assertTrue(drawsOfAngry.size() > 1, "fresh draws across epochs: " + drawsOfAngry);
        FerDataSetIterator again = (FerDataSetIterator) FerIterators.iterator(cfg().mrr(true).build());
        for (int e = 0; e < 4; e++) again.reset();
        assertEquals(epochs.get(4), rows(pass(again)), "epoch 4 replayed from (seed, resets)");
    }

    @Test
    void evaluationSplitsIgnoreShuffleMrrAndAugmentation() {
        FerDataConfig.Builder val = cfg().split(Split.VALIDATION).batchSize(7);
        INDArray plain = FerIterators.iterator(val.build()).next().getFeatures();
        DataSetIterator loud = FerIterators.iterator(val.augment(true).mrr(true).build());
        assertEquals(plain, loud.next().getFeatures(), "augment and mrr only ever apply to TRAIN");
        loud.reset();
        assertEquals(plain, loud.next().getFeatures(), "and every epoch is the same");
        // training with augmentation differs from without, for the same order
        INDArray trainPlain = FerIterators.iterator(cfg().shuffle(false).batchSize(30).build()).next().getFeatures();
        INDArray trainAug = FerIterators.iterator(cfg().shuffle(false).batchSize(30).augment(true).build()).next().getFeatures();
        assertFalse(trainPlain.equalsWithEps(trainAug, 1e-4));
        // augmented epochs: reproducible from (seed, resets), fresh otherwise
        DataSetIterator x = FerIterators.iterator(cfg().batchSize(30).augment(true).build());
        DataSetIterator y = FerIterators.iterator(cfg().batchSize(30).augment(true).build());
        INDArray x0 = x.next().getFeatures();
        assertEquals(x0, y.next().getFeatures());
        x.reset();
        assertFalse(x0.equalsWithEps(x.next().getFeatures(), 1e-4));
    }

    @Test
    void batchContentDoesNotDependOnBatchSize() {
        // the augmentation of an example depends on (seed, epoch, position), not on how the epoch is cut into batches
        DataSetIterator one = FerIterators.iterator(cfg().batchSize(30).augment(true).build());
        DataSetIterator small = FerIterators.iterator(cfg().batchSize(7).augment(true).build());
        INDArray all = one.next().getFeatures();
        List<INDArray> parts = new ArrayList<>();
        while (small.hasNext()) parts.add(small.next().getFeatures());
        assertEquals(all, org.nd4j.linalg.factory.Nd4j.concat(0, parts.toArray(new INDArray[0])));
    }

    @Test
    void asyncPrefetchYieldsTheSameBatches() {
        List<INDArray> direct = new ArrayList<>();
        DataSetIterator d = FerIterators.iterator(cfg().augment(true).build());
        while (d.hasNext()) direct.add(d.next().getFeatures());
        AsyncDataSetIterator async = new AsyncDataSetIterator(FerIterators.iterator(cfg().augment(true).build()), 2);
        try {
            int i = 0;
            while (async.hasNext()) assertEquals(direct.get(i++), async.next().getFeatures().dup(), "batch " + i);
            assertEquals(direct.size(), i);
        } finally {
            async.shutdown();
        }
    }

    @Test
    void underSkipHasNextIsFalseWhenOnlyUnreadableImagesAreLeft() throws Exception {
        Path root = tmp.resolve("raf");
        Path img = root.resolve("Image").resolve("aligned");
        Fixtures.image(img.resolve("train_1_aligned.jpg"), 20, 20);
        Fixtures.image(img.resolve("train_2_aligned.jpg"), 20, 20);
        Files.write(img.resolve("train_3_aligned.jpg"), new byte[]{1, 2, 3});
        Files.write(img.resolve("train_4_aligned.jpg"), new byte[0]);
        Fixtures.image(img.resolve("test_1_aligned.jpg"), 20, 20);
        Fixtures.write(root.resolve("EmoLabel").resolve("list_patition_label.txt"),
                "train_1.jpg 1\ntrain_2.jpg 2\ntrain_3.jpg 3\ntrain_4.jpg 4\ntest_1.jpg 5\n");
        FerDataConfig.Builder b = FerDataConfig.builder().dataset(FerDataset.RAFDB).root(root).shuffle(false).imageSize(16).batchSize(1);
        FerDataSetIterator it = (FerDataSetIterator) FerIterators.iterator(b.skipPolicy(SkipPolicy.SKIP).build());
        int batches = 0;
        while (it.hasNext()) {
            assertEquals(1, it.next().numExamples());
            batches++;
        }
        assertEquals(2, batches);
        assertEquals(List.of(3L, 4L), it.problems().stream().map(Problem::line).toList());
        it.reset();
        while (it.hasNext()) it.next();
        assertEquals(2, it.problems().size(), "the same bad images are listed once, however many epochs");
        // STRICT: the first unreadable image stops the epoch with its label file line and image file
        DataSetIterator strict = FerIterators.iterator(b.skipPolicy(SkipPolicy.STRICT).batchSize(4).build());
        FerDataException e = assertThrows(FerDataException.class, strict::next);
        assertTrue(e.getMessage().contains("list_patition_label.txt:3") && e.getMessage().contains("train_3_aligned.jpg"), e.getMessage());
    }

    @Test
    void configRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> cfg().channels(2).build());
        assertThrows(IllegalArgumentException.class, () -> cfg().batchSize(0).build());
        assertThrows(IllegalArgumentException.class, () -> cfg().imageSize(0).build());
        assertThrows(NullPointerException.class, () -> FerDataConfig.builder().build());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
                () -> FerDataConfig.builder().dataset(FerDataset.AFFECTNET8).split(Split.TEST).build());
        assertTrue(split.getMessage().contains("affectnet8") && split.getMessage().contains("VALIDATION"), split.getMessage());
        FerDataConfig c = cfg().build();
        assertEquals(FerLayout.AUTO, c.layout());
        assertTrue(c.shuffle(), "training shuffles by default");
        assertFalse(cfg().split(Split.TEST).build().shuffle(), "evaluation does not");
        assertEquals(224, FerDataConfig.builder().dataset(FerDataset.DEMO).build().imageSize());
        assertEquals(3, FerDataConfig.builder().dataset(FerDataset.DEMO).build().channels());
        assertEquals(SkipPolicy.STRICT, c.skipPolicy());
    }
}
