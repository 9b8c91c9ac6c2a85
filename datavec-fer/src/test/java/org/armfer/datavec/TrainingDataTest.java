package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MRR, the iterator's epochs (order, augmentation, determinism), the demo dataset, labels. */
class TrainingDataTest {

    @TempDir
    static Path tmp;

    /** AffectNet's Table 1 training counts, canonical order. */
    static final int[] AFFECTNET_COUNTS = {74874, 134415, 25459, 14090, 6378, 3803, 24882, 3750};

    @Test
    void mrrDrawsTheSmallestClassCountPerClassFreshEachEpoch() {
        int total = Arrays.stream(AFFECTNET_COUNTS).sum();
        int[] labels = new int[total];
        int k = 0;
        for (int c = 0; c < 8; c++) for (int i = 0; i < AFFECTNET_COUNTS[c]; i++) labels[k++] = c;
        MinimalRandomResampling mrr = new MinimalRandomResampling(labels, 8, 7);
        assertEquals(3750, mrr.perClass());
        assertEquals(8 * 3750, mrr.epochSize());
        int[] e0 = mrr.epoch(0);
        assertEquals(30000, e0.length);
        int[] per = new int[8];
        Set<Integer> seen = new HashSet<>();
        for (int i : e0) {
            per[labels[i]]++;
            assertTrue(seen.add(i), "no example twice in an epoch");
        }
        assertArrayEquals(new int[]{3750, 3750, 3750, 3750, 3750, 3750, 3750, 3750}, per);
        assertArrayEquals(e0, new MinimalRandomResampling(labels, 8, 7).epoch(0), "reproducible from the seed");
        int[] e1 = mrr.epoch(1);
        Set<Integer> neutral0 = new HashSet<>(), neutral1 = new HashSet<>();
        for (int i : e0) if (labels[i] == 0) neutral0.add(i);
        for (int i : e1) if (labels[i] == 0) neutral1.add(i);
        assertNotEquals(neutral0, neutral1, "a fresh draw each epoch");
        assertThrows(IllegalArgumentException.class, () -> new MinimalRandomResampling(new int[]{0, 0, 2}, 3, 1));
    }

    @Test
    void demoDatasetIsDeterministicAndWrittenOnce() throws Exception {
        Path a = DemoDataset.ensure(tmp.resolve("demo-a"));
        Path b = DemoDataset.ensure(tmp.resolve("demo-b"));
        byte[] ba = Files.readAllBytes(a.resolve(DemoDataset.FILE));
        assertArrayEquals(ba, Files.readAllBytes(b.resolve(DemoDataset.FILE)));
        long modified = Files.getLastModifiedTime(a.resolve(DemoDataset.FILE)).toMillis();
        Thread.sleep(20);
        DemoDataset.ensure(a);
        assertEquals(modified, Files.getLastModifiedTime(a.resolve(DemoDataset.FILE)).toMillis(), "not rewritten when intact");
        Files.writeString(a.resolve(DemoDataset.FILE), "emotion,pixels,Usage\n");
        DemoDataset.ensure(a);
        assertArrayEquals(ba, Files.readAllBytes(a.resolve(DemoDataset.FILE)), "repaired when damaged");
        DatasetIndex idx = Layouts.index(FerDataset.DEMO, a, SkipPolicy.STRICT);
        assertEquals(7 * DemoDataset.TRAIN_PER_CLASS, idx.samples(Split.TRAIN).size());
        assertEquals(7 * DemoDataset.VALIDATION_PER_CLASS, idx.samples(Split.VALIDATION).size());
        assertEquals(7 * DemoDataset.TEST_PER_CLASS, idx.samples(Split.TEST).size());
    }

    @Test
    void demoDatasetIsLearnableANearestCentroidClassifierBeatsChance() {
        Path dir = DemoDataset.ensure(tmp.resolve("demo-c"));
        DatasetIndex idx = Layouts.index(FerDataset.DEMO, dir, SkipPolicy.STRICT);
        double[][] centroid = new double[7][2304];
        int[] n = new int[7];
        for (Sample s : idx.samples(Split.TRAIN)) {
            float[] p = s.image().load().pixels();
            for (int i = 0; i < p.length; i++) centroid[s.label()][i] += p[i];
            n[s.label()]++;
        }
        for (int c = 0; c < 7; c++) for (int i = 0; i < 2304; i++) centroid[c][i] /= n[c];
        int correct = 0;
        List<Sample> test = idx.samples(Split.TEST);
        for (Sample s : test) {
            float[] p = s.image().load().pixels();
            int best = -1;
            double bestD = Double.MAX_VALUE;
            for (int c = 0; c < 7; c++) {
                double d = 0;
                for (int i = 0; i < p.length; i++) d += (p[i] - centroid[c][i]) * (p[i] - centroid[c][i]);
                if (d < bestD) {
                    bestD = d;
                    best = c;
                }
            }
            if (best == s.label()) correct++;
        }
        double acc = correct / (double) test.size();
        assertTrue(acc > 2.0 / 7, "nearest centroid accuracy " + acc + " should clearly beat chance 1/7");
        assertTrue(acc < 1.0, "and not be trivial: " + acc);
    }

    private static List<Integer> labelsOf(DataSetIterator it) {
        List<Integer> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet ds = it.next();
            for (int i = 0; i < ds.numExamples(); i++) out.add(ds.getLabels().getRow(i).argMax().getInt(0));
        }
        return out;
    }

    @Test
    void iteratorEpochsAreSeededFreshAndOnlyTrainingAugments() {
        Path dir = DemoDataset.ensure(tmp.resolve("demo-d"));
        FerDataConfig.Builder train = FerDataConfig.builder().dataset(FerDataset.DEMO).root(dir).split(Split.TRAIN)
                .batchSize(50).imageSize(32).augment(true).seed(3);
        DataSetIterator a = FerIterators.iterator(train.build());
        DataSetIterator b = FerIterators.iterator(train.build());
        INDArray a0 = a.next().getFeatures();
        assertEquals(a0, b.next().getFeatures(), "same seed, same first batch (order and augmentation)");
        List<Integer> epoch0 = labelsOf(FerIterators.iterator(train.build()));
        DataSetIterator c = FerIterators.iterator(train.build());
        labelsOf(c);
        c.reset();
        List<Integer> epoch1 = labelsOf(c);
        assertEquals(7 * DemoDataset.TRAIN_PER_CLASS, epoch0.size());
        assertNotEquals(epoch0, epoch1, "reset() reshuffles");
        // evaluation: file order, no augmentation: two passes are identical
        DataSetIterator val = FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.DEMO).root(dir)
                .split(Split.VALIDATION).batchSize(200).imageSize(32).augment(true).build());
        INDArray v0 = val.next().getFeatures();
        val.reset();
        assertEquals(v0, val.next().getFeatures());
        // augmentation changes training images: the same examples without it differ
        DataSetIterator plain = FerIterators.iterator(train.augment(false).build());
        assertFalse(plain.next().getFeatures().equalsWithEps(a0, 1e-3));
        // MRR on the balanced demo data: every class equally often
        List<Integer> mrr = labelsOf(FerIterators.iterator(train.mrr(true).build()));
        int[] per = new int[7];
        mrr.forEach(l -> per[l]++);
        int[] expected = new int[7];
        Arrays.fill(expected, DemoDataset.TRAIN_PER_CLASS);
        assertArrayEquals(expected, per);
        assertEquals(FerLabel.names(7), a.getLabels());
    }

    @Test
    void labelNamesAndParsing() {
        assertEquals(List.of("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger"), FerLabel.names(7));
        assertEquals("contempt", FerLabel.names(8).get(7));
        assertThrows(IllegalArgumentException.class, () -> FerLabel.names(6));
        assertEquals(FerDataset.AFFECTNET8, FerDataset.parse("AffectNet8"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FerDataset.parse("ck+"));
        assertTrue(e.getMessage().contains("rafdb") && e.getMessage().contains("demo"), e.getMessage());
        assertEquals(Split.VALIDATION, Split.parse("val"));
        assertThrows(IllegalArgumentException.class, () -> Split.parse("dev"));
        assertThrows(IllegalArgumentException.class, () -> FerDataConfig.builder().dataset(FerDataset.RAFDB).split(Split.VALIDATION).build());
    }
}
