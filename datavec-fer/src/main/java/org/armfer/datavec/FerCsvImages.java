package org.armfer.datavec;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The 48x48 gray images of any FER2013-style CSV, labelled or not, in row order: {@code fer2013.csv},
 * {@code icml_face_data.csv}, Kaggle's {@code train.csv} and its unlabelled {@code test.csv} (header {@code pixels}),
 * for prediction. Training and evaluation go through {@link FerIterators}, which need labels.
 */
public final class FerCsvImages {

    private FerCsvImages() {
    }

    /**
     * Every data row's image. The header must name a {@code pixels} column (any position, spaces allowed); a bad row
     * fails naming the file, its line and the value.
     */
    public static List<BufferedImage> read(Path csv) {
        List<BufferedImage> out = new ArrayList<>();
        Layouts.Problems strict = new Layouts.Problems(SkipPolicy.STRICT);
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String head = r.readLine();
            if (head == null) {
                throw new FerDataException(csv + " is empty; expected a header with a pixels column");
            }
            String[] cols = head.replace("\uFEFF", "").split(",", -1);
            int pixels = -1;
            for (int i = 0; i < cols.length; i++) {
                if (cols[i].strip().toLowerCase(Locale.ROOT).equals("pixels")) pixels = i;
            }
            if (pixels < 0) {
                throw new FerDataException(csv + ":1: header '" + head + "' has no pixels column");
            }
            String line;
            long lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                if (f.length != cols.length) {
                    strict.add(csv, lineNo, f.length + " fields, expected " + cols.length + " (" + head.strip() + ")");
                }
                byte[] px = Layouts.pixels(f[pixels], csv, lineNo, strict);
                BufferedImage img = new BufferedImage(Layouts.FER_SIDE, Layouts.FER_SIDE, BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setDataElements(0, 0, Layouts.FER_SIDE, Layouts.FER_SIDE, px);
                out.add(img);
            }
        } catch (IOException e) {
            throw new FerDataException("Cannot read " + csv + ": " + e.getMessage(), e);
        }
        return out;
    }
}
