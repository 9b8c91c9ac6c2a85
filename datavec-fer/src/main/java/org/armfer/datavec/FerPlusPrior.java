package org.armfer.datavec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The prior matrix D of the PDLS / F-PDLS losses from FER+'s vote counts: row c is the mean normalised vote vector
 * (over the 8 emotions, canonical order) of the training images whose majority label is c. Rows sum to 1.
 */
public final class FerPlusPrior {

    private FerPlusPrior() {
    }

    /**
     * D from {@code fer2013new.csv} (training rows: Usage = Training; rows without a FER+ majority are not counted;
     * a file without a Usage column has no training rows).
     * A malformed row fails with its file and line; a class without any training row fails, naming it.
     */
    public static double[][] fromVotes(Path fer2013newCsv) {
        if (!Files.isRegularFile(fer2013newCsv)) {
            throw new FerDataException("FER+ votes file missing: " + fer2013newCsv);
        }
        // strict: a malformed vote row fails naming its line rather than silently shifting the prior
        List<FerPlusCsvLayout.VoteRow> votes = FerPlusCsvLayout.readVotes(fer2013newCsv, new Problems(SkipPolicy.STRICT));
        double[][] sum = new double[8][8];
        int[] n = new int[8];
        for (FerPlusCsvLayout.VoteRow row : votes) {
            if (row == null || row.usage() != Split.TRAIN) continue;
            double[] v = row.votes();
            int label = FerPlusCsvLayout.majority(v);
            if (label < 0) continue;
            double total = 0;
            for (int k = 0; k < 8; k++) total += v[k];
            if (total <= 0) continue;
            for (int k = 0; k < 8; k++) sum[label][DatasetLabels.FERPLUS_COLUMNS_TO_CANONICAL[k]] += v[k] / total;
            n[label]++;
        }
        for (int c = 0; c < 8; c++) {
            if (n[c] == 0) {
                throw new FerDataException(fer2013newCsv + ": no training image has majority label " + FerLabel.values()[c].label()
                        + "; D's row for it is undefined");
            }
            for (int k = 0; k < 8; k++) sum[c][k] /= n[c];
        }
        return sum;
    }
}
