package org.armfer.datavec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A caller that reads only some splits (a search: train and validation) is not stopped by a bad row of another split
 * (a RAF-DB copy without its test images); whoever reads that split still fails on it, and by default every split is
 * checked when indexing, as before.
 */
class ReadSplitsTest {

    @TempDir
    Path tmp;

    private Path rafDbWithoutTestImages() throws Exception {
        Path img = tmp.resolve("Image").resolve("aligned");
        StringBuilder labels = new StringBuilder();
        for (int l = 1; l <= 7; l++) {
            labels.append(String.format("train_%05d.jpg %d%n", l, l));
            Fixtures.image(img.resolve(String.format("train_%05d_aligned.jpg", l)), 20, 20);
        }
        labels.append("test_0001.jpg 4\ntest_0002.jpg 1\n"); // both images missing
        return Fixtures.write(tmp.resolve("EmoLabel").resolve("list_patition_label.txt"), labels.toString());
    }

    @Test
    void aMissingTestImageStopsOnlyAReaderOfTheTestSplit() throws Exception {
        Path list = rafDbWithoutTestImages();
        FerDataConfig.Builder b = FerDataConfig.builder().dataset(FerDataset.RAFDB).root(tmp).imageSize(16).batchSize(4);
        // every split is read by default: indexing fails on the first missing image, naming it, as before
        FerDataException all = assertThrows(FerDataException.class, () -> FerIterators.index(b.build()));
        assertTrue(all.getMessage().contains(list + ":8") && all.getMessage().contains("test_0001_aligned.jpg"), all.getMessage());

        b.readSplits(Set.of(Split.TRAIN));
        DatasetIndex index = FerIterators.index(b.build());
        assertEquals(7, index.samples(Split.TRAIN).size());
        assertEquals(2, index.heldBack(Split.TEST).size(), "held back for the test split");
        assertEquals(4, FerIterators.iterator(b.split(Split.TRAIN).build()).next().numExamples(), "train reads");
        FerDataException test = assertThrows(FerDataException.class, () -> FerIterators.iterator(b.split(Split.TEST).build()));
        assertTrue(test.getMessage().contains(list + ":8") && test.getMessage().contains("test_0001_aligned.jpg")
                && test.getMessage().contains("and 1 more bad rows in the test split"), test.getMessage());
        // a hold-out carries them along: its test split is still the files' test split
        DatasetIndex held = new HoldOutSplit(0.3, 42).apply(index);
        assertThrows(FerDataException.class, () -> held.requireReadable(Split.TEST));
        held.requireReadable(Split.VALIDATION);

        // armfer data's check lists both, as before
        DatasetReport report = DatasetCheck.check(FerDataset.RAFDB, tmp, SkipPolicy.STRICT);
        assertEquals(2, report.problems().size(), report.toTable());
    }
}
