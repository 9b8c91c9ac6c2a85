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
        assertThrows(IllegalArgumentException.class, () -> new MinimalRandomResampling(new int[]{0, 1, 3}, 3, 1));
        // a list of labels works the same; another seed draws another epoch
        List<Integer> asList = Arrays.stream(labels).boxed().toList();
        assertArrayEquals(e0, new MinimalRandomResampling(asList, 8, 7).epoch(0));
        assertFalse(Arrays.equals(e0, new MinimalRandomResampling(labels, 8, 8).epoch(0)));
        // every epoch of a small case: balanced, within the class, and over epochs every example gets drawn
        int[] small = {0, 0, 0, 0, 1, 1, 2, 2, 2};
        MinimalRandomResampling m = new MinimalRandomResampling(small, 3, 1);
        Set<Integer> everDrawn = new HashSet<>();
        for (int e = 0; e < 30; e++) {
            int[] idx = m.epoch(e);
            int[] c = new int[3];
            for (int i : idx) {
                c[small[i]]++;
                everDrawn.add(i);
            }
            assertArrayEquals(new int[]{2, 2, 2}, c, "epoch " + e);
        }
        assertEquals(small.length, everDrawn.size(), "no example is never drawn");
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
        DatasetIndex idx = DatasetIndexer.index(FerDataset.DEMO, a, SkipPolicy.STRICT);
        assertEquals(7 * DemoDataset.TRAIN_PER_CLASS, idx.samples(Split.TRAIN).size());
        assertEquals(7 * DemoDataset.VALIDATION_PER_CLASS, idx.samples(Split.VALIDATION).size());
        assertEquals(7 * DemoDataset.TEST_PER_CLASS, idx.samples(Split.TEST).size());
    }

    /** An image's pixels standardised to mean 0 and variance 1 (removes the demo's brightness and contrast jitter). */
    private static double[] standardised(float[] p) {
        double m = 0, v = 0;
        for (float x : p) m += x;
        m /= p.length;
        for (float x : p) v += (x - m) * (x - m);
        double sd = Math.sqrt(v / p.length);
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) out[i] = (p[i] - m) / sd;
        return out;
    }

    @Test
    void demoDatasetIsLearnableANearestCentroidClassifierBeatsChance() {
        // an independent, cheap learner: class means of the standardised training images, nearest mean wins
        Path dir = DemoDataset.ensure(tmp.resolve("demo-c"));
        DatasetIndex idx = DatasetIndexer.index(FerDataset.DEMO, dir, SkipPolicy.STRICT);
        double[][] centroid = new double[7][2304];
        int[] n = new int[7];
        for (Sample s : idx.samples(Split.TRAIN)) {
            double[] p = standardised(s.image().load().pixels());
            for (int i = 0; i < p.length; i++) centroid[s.label()][i] += p[i];
            n[s.label()]++;
        }
        assertArrayEquals(new int[]{70, 70, 70, 70, 70, 70, 70}, n, "70 training faces a class");
        for (int c = 0; c < 7; c++) for (int i = 0; i < 2304; i++) centroid[c][i] /= n[c];
        int correct = 0, total = 0;
        for (Split split : List.of(Split.VALIDATION, Split.TEST)) {
            for (Sample s : idx.samples(split)) {
                double[] p = standardised(s.image().load().pixels());
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
                total++;
            }
        }
        assertEquals(280, total);
        double acc = correct / (double) total;
        // chance is 1/7 = 0.143 (sd 0.021 over 280 faces); the classes must be clearly separable, yet not by raw pixels alone
        assertTrue(acc > 0.25, "nearest centroid accuracy " + acc + " should clearly beat chance 1/7");
        assertTrue(acc < 0.9, "and the task should not be trivial for a pixel-space classifier: " + acc);
    }

    @Test
    void demoDatasetBytesArePinnedAndTheFileIsSmallEnoughToWriteOnFirstUse() {
        byte[] csv = DemoDataset.csv();
        // the faces are rasterised with exact arithmetic (StrictMath, no Java2D): the same bytes on every JDK and OS
        assertEquals("2f8a86443cca285ecd548d337ab8cdb2469ffcaf45db0af8c9edeca68a71b52f", DemoDataset.sha256(csv));
        assertEquals(DemoDataset.SHA256, DemoDataset.sha256(csv), "the pinned hash ensure() verifies files against");
        assertTrue(csv.length < 7_000_000, "size " + csv.length);
    }

    @Test
    void demoDatasetNeverOverwritesAForeignFer2013Csv() throws Exception {
        Path user = tmp.resolve("users-real-fer2013");
        Path real = Fixtures.write(user.resolve(DemoDataset.FILE), "emotion,pixels,Usage\n0," + Fixtures.pixels(0) + ",Training\n");
        byte[] before = Files.readAllBytes(real);
        FerDataException e = assertThrows(FerDataException.class, () -> DemoDataset.ensure(user));
        assertTrue(e.getMessage().contains(real.toString()), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(real), "left untouched");
        assertThrows(FerDataException.class, () -> FerIterators.iterator(FerDataset.DEMO, user, Split.TRAIN, 8, 48, false, false, 1));
        // a directory the demo wrote is marked, and only the CSV and the marker are left there (no temp files)
        Path own = DemoDataset.ensure(tmp.resolve("demo-own"));
        try (var files = Files.list(own)) {
            assertEquals(List.of(DemoDataset.MARKER, DemoDataset.FILE), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.readString(own.resolve(DemoDataset.MARKER)).contains(DemoDataset.sha256(DemoDataset.csv())));
    }

    @Test
    void demoDirPropertyPointingAtAUsersFolderNeverOverwritesTheirFer2013Csv() throws Exception {
        Path user = tmp.resolve("users-folder");
        Path real = Fixtures.write(user.resolve(DemoDataset.FILE), "emotion,pixels,Usage\n0," + Fixtures.pixels(0) + ",Training\n");
        byte[] before = Files.readAllBytes(real);
        String old = System.getProperty(DemoDataset.DIR_PROPERTY);
        System.setProperty(DemoDataset.DIR_PROPERTY, user.toString());
        try {
            assertEquals(user, DemoDataset.defaultDir());
            FerDataException e = assertThrows(FerDataException.class, () -> DemoDataset.ensure(DemoDataset.defaultDir()));
            assertTrue(e.getMessage().contains(real.toString()) && e.getMessage().contains("left untouched"), e.getMessage());
            assertThrows(FerDataException.class, () -> FerIterators.iterator(FerDataset.DEMO, null, Split.TRAIN, 8, 48, false, false, 1));
            assertFalse(DatasetCheck.check(FerDataset.DEMO, null, SkipPolicy.STRICT).layoutOk());
            assertArrayEquals(before, Files.readAllBytes(real), "the user's file is untouched");
            assertFalse(Files.exists(user.resolve(DemoDataset.MARKER)), "and no marker was written beside it");
            // a marker file the demo did not write does not make the folder the demo's
            Files.writeString(user.resolve(DemoDataset.MARKER), "mine\n");
            assertThrows(FerDataException.class, () -> DemoDataset.ensure(user));
            assertArrayEquals(before, Files.readAllBytes(real));
            // a new folder named by the property is the demo's once written: a damaged CSV there is repaired
            Path fresh = tmp.resolve("fresh-demo");
            System.setProperty(DemoDataset.DIR_PROPERTY, fresh.toString());
            DemoDataset.ensure(DemoDataset.defaultDir());
            Files.writeString(fresh.resolve(DemoDataset.FILE), "damaged");
            DemoDataset.ensure(fresh);
            assertArrayEquals(DemoDataset.csv(), Files.readAllBytes(fresh.resolve(DemoDataset.FILE)));
        } finally {
            if (old == null) {
                System.clearProperty(DemoDataset.DIR_PROPERTY);
            } else {
                System.setProperty(DemoDataset.DIR_PROPERTY, old);
            }
        }
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
