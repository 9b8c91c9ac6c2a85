package org.armfer.datavec;

import org.datavec.api.records.Record;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Fer2013ReaderTest {

    @TempDir
    Path tmp;

    /** 7 training rows (one per emotion), 2 PublicTest, 1 PrivateTest. */
    private Path fer2013(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("emotion,pixels,Usage\n");
        for (int e = 0; e < 7; e++) sb.append(e).append(',').append(Fixtures.pixels(e)).append(",Training\n");
        sb.append("3,").append(Fixtures.pixels(50)).append(",PublicTest\n");
        sb.append("6,").append(Fixtures.pixels(60)).append(",PublicTest\n");
        sb.append("0,").append(Fixtures.pixels(70)).append(",PrivateTest\n");
        return Fixtures.write(dir.resolve("fer2013.csv"), sb.toString());
    }

    @Test
    void readsSplitsAndMapsLabelsToTheCanonicalOrder() throws Exception {
        fer2013(tmp);
        DatasetIndex idx = DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.STRICT);
        assertEquals(7, idx.samples(Split.TRAIN).size());
        assertEquals(2, idx.samples(Split.VALIDATION).size());
        assertEquals(1, idx.samples(Split.TEST).size());
        // FER2013 0 Angry .. 6 Neutral -> canonical anger(6), disgust(5), fear(4), happiness(1), sadness(2), surprise(3), neutral(0)
        int[] labels = idx.samples(Split.TRAIN).stream().mapToInt(Sample::label).toArray();
        assertArrayEquals(new int[]{6, 5, 4, 1, 2, 3, 0}, labels);
        assertEquals(List.of("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"),
                idx.samples(Split.TRAIN).stream().map(s -> FerLabel.values()[s.label()].label()).toList());
        assertEquals(3, idx.samples(Split.TRAIN).get(1).line(), "1-based line numbers, header on line 1");
    }

    @Test
    void icmlAndKaggleVariants() throws Exception {
        StringBuilder sb = new StringBuilder("emotion, Usage, pixels\n");
        sb.append("3, Training, ").append(Fixtures.pixels(1)).append('\n');
        sb.append("4, PrivateTest, ").append(Fixtures.pixels(2)).append('\n');
        Fixtures.write(tmp.resolve("icml").resolve("icml_face_data.csv"), sb.toString());
        DatasetIndex icml = DatasetIndexer.index(FerDataset.FER2013, tmp.resolve("icml"), SkipPolicy.STRICT);
        assertEquals(1, icml.samples(Split.TRAIN).size());
        assertEquals(FerLabel.HAPPINESS.ordinal(), icml.samples(Split.TRAIN).get(0).label());
        assertEquals(FerLabel.SADNESS.ordinal(), icml.samples(Split.TEST).get(0).label());

        Fixtures.write(tmp.resolve("kaggle").resolve("train.csv"), "emotion,pixels\n5," + Fixtures.pixels(3) + "\n");
        DatasetIndex kaggle = DatasetIndexer.index(FerDataset.FER2013, tmp.resolve("kaggle"), SkipPolicy.STRICT);
        assertEquals(1, kaggle.samples(Split.TRAIN).size());
        assertTrue(kaggle.samples(Split.TEST).isEmpty());
    }

    @Test
    void pixelValuesAfterPreprocessingMatchAnIndependentComputation() throws Exception {
        fer2013(tmp);
        // at the native 48x48 the resize is the identity: value = ((seed + i) % 256 / 255 - mean_c) / std_c, gray replicated
        DataSetIterator it = FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.FER2013).root(tmp)
                .split(Split.TEST).batchSize(4).imageSize(48).channels(3).build());
        INDArray x = it.next().getFeatures();
        assertArrayEquals(new long[]{1, 3, 48, 48}, x.shape());
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        for (int c = 0; c < 3; c++) {
            for (int i : new int[]{0, 1, 185, 2303}) {
                double expected = (((70 + i) % 256) / 255.0 - mean[c]) / std[c];
                assertEquals(expected, x.getDouble(0, c, i / 48, i % 48), 1e-5, "channel " + c + " pixel " + i);
            }
        }
        // 1 channel: the means of ImageNet's mean and std
        INDArray g = FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.FER2013).root(tmp)
                .split(Split.TEST).batchSize(4).imageSize(48).channels(1).build()).next().getFeatures();
        assertEquals(((70 % 256) / 255.0 - (0.485 + 0.456 + 0.406) / 3) / ((0.229 + 0.224 + 0.225) / 3), g.getDouble(0, 0, 0, 0), 1e-5);
        // 96x96: bilinear with half-pixel centres: output (1, 1) sits at input (0.25, 0.25)
        INDArray up = FerIterators.iterator(FerDataConfig.builder().dataset(FerDataset.FER2013).root(tmp)
                .split(Split.TEST).batchSize(4).imageSize(96).channels(1).build()).next().getFeatures();
        double p00 = 70, p01 = 71, p10 = 70 + 48, p11 = 70 + 49;
        double v = (p00 * 0.75 + p01 * 0.25) * 0.75 + (p10 * 0.75 + p11 * 0.25) * 0.25;
        assertEquals((v / 255.0 - (0.485 + 0.456 + 0.406) / 3) / ((0.229 + 0.224 + 0.225) / 3), up.getDouble(0, 0, 1, 1), 1e-5);
    }

    @Test
    void badRowsNameFileLineAndValueOrAreSkippedAndCounted() throws Exception {
        String good = Fixtures.pixels(0);
        String csv = "emotion,pixels,Usage\n"
                + "3," + good + ",Training\n"
                + "3," + good.substring(0, good.lastIndexOf(' ')) + ",Training\n"     // 2303 values
                + "2," + good.replaceFirst("^0 ", "zero ") + ",Training\n"             // non-numeric
                + "9," + good + ",Training\n"                                          // label out of range
                + "x," + good + ",Training\n"                                          // label not a number
                + "1," + good + ",Holdout\n";                                          // unknown usage
        Path f = Fixtures.write(tmp.resolve("fer2013.csv"), csv);
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(f + ":3") && e.getMessage().contains("2303 pixel values"), e.getMessage());

        DatasetIndex idx = DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.SKIP);
        assertEquals(1, idx.samples(Split.TRAIN).size());
        List<Problem> p = idx.problems();
        assertEquals(5, p.size(), p.toString());
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L), p.stream().map(Problem::line).toList());
        assertTrue(p.get(1).reason().contains("'zero'"), p.get(1).reason());
        assertTrue(p.get(2).reason().contains("9 out of range 0-6"), p.get(2).reason());
        assertTrue(p.get(3).reason().contains("'x'"), p.get(3).reason());
        assertTrue(p.get(4).reason().contains("Holdout"), p.get(4).reason());
    }

    @Test
    void wrongRootSaysWhichFileWasExpectedWhere() {
        FerDataException e = assertThrows(FerDataException.class, () -> DatasetIndexer.index(FerDataset.FER2013, tmp, SkipPolicy.STRICT));
        assertTrue(e.getMessage().contains(tmp.resolve("fer2013.csv").toString()), e.getMessage());
        DatasetReport r = DatasetCheck.check(FerDataset.FER2013, tmp, SkipPolicy.STRICT);
        assertFalse(r.layoutOk());
        assertFalse(r.passes(SkipPolicy.SKIP));
        assertTrue(r.toTable().contains("fer2013.csv"), r.toTable());
    }

    @Test
    void recordReaderWorksWithRecordReaderDataSetIteratorAndMetadataRoundTrips() throws Exception {
        fer2013(tmp);
        FerRecordReader rr = new FerRecordReader(FerDataset.FER2013, Split.TRAIN, 3, 48, SkipPolicy.STRICT);
        rr.initialize(new FileSplit(tmp.toFile()));
        assertEquals(7, rr.size());
        rr.nextRecord();
        Record second = rr.nextRecord();
        assertTrue(second.getMetaData().getLocation().contains("fer2013.csv"), second.getMetaData().getLocation());
        Record again = rr.loadFromMetaData(second.getMetaData());
        assertEquals(second.getRecord().get(1).toInt(), again.getRecord().get(1).toInt());
        assertEquals(FerLabel.DISGUST.ordinal(), again.getRecord().get(1).toInt());
        INDArray a = ((org.datavec.api.writable.NDArrayWritable) second.getRecord().get(0)).get();
        INDArray b = ((org.datavec.api.writable.NDArrayWritable) again.getRecord().get(0)).get();
        assertEquals(a, b);

        rr.reset();
        RecordReaderDataSetIterator it = new RecordReaderDataSetIterator(rr, 4, 1, 7);
        DataSet ds = it.next();
        assertArrayEquals(new long[]{4, 3, 48, 48}, ds.getFeatures().shape());
        assertArrayEquals(new long[]{4, 7}, ds.getLabels().shape());
        assertEquals(FerLabel.ANGER.ordinal(), ds.getLabels().getRow(0).argMax().getInt(0));
        int n = 4;
        while (it.hasNext()) n += it.next().numExamples();
        assertEquals(7, n);
    }

    @Test
    void recordReaderFromAConfigSkipsBadRowsAndRejectsUnknownMetadata() throws Exception {
        String csv = "emotion,pixels,Usage\n"
                + "3," + Fixtures.pixels(1) + ",PrivateTest\n"
                + "3,1 2 3,PrivateTest\n"
                + "5," + Fixtures.pixels(2) + ",PrivateTest\n";
        Fixtures.write(tmp.resolve("fer2013.csv"), csv);
        FerDataConfig.Builder b = FerDataConfig.builder().dataset(FerDataset.FER2013).root(tmp).split(Split.TEST).imageSize(24).channels(1);
        FerRecordReader strict = new FerRecordReader(b.build());
        FerDataException e = assertThrows(FerDataException.class,
                () -> strict.initialize(new org.datavec.api.split.CollectionInputSplit(List.of())));
        assertTrue(e.getMessage().contains("fer2013.csv:3"), e.getMessage());

        FerRecordReader rr = new FerRecordReader(b.skipPolicy(SkipPolicy.SKIP).build());
        rr.initialize(new org.datavec.api.split.CollectionInputSplit(List.of()));
        assertEquals(2, rr.size());
        assertEquals(1, rr.problems().size());
        Record first = rr.nextRecord();
        Record second = rr.nextRecord();
        assertFalse(rr.hasNext());
        assertEquals(FerLabel.HAPPINESS.ordinal(), first.getRecord().get(1).toInt());
        assertEquals(FerLabel.SURPRISE.ordinal(), second.getRecord().get(1).toInt());
        assertEquals(4, ((org.datavec.api.records.metadata.RecordMetaDataLine) second.getMetaData()).getLineNumber());
        assertArrayEquals(new long[]{1, 1, 24, 24}, ((org.datavec.api.writable.NDArrayWritable) first.getRecord().get(0)).get().shape());
        assertEquals(FerLabel.names(7), rr.getLabels());
        java.io.IOException unknown = assertThrows(java.io.IOException.class, () -> rr.loadFromMetaData(
                new org.datavec.api.records.metadata.RecordMetaDataLine(3, tmp.resolve("fer2013.csv").toUri(), FerRecordReader.class)));
        assertTrue(unknown.getMessage().contains("line") || unknown.getMessage().contains("fer2013.csv"), unknown.getMessage());
        assertThrows(IllegalStateException.class, () -> new FerRecordReader(b.build()).next(), "initialize first");
    }
}
