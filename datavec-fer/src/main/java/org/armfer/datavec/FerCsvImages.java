package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.armfer.io.LineReader;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
     * fails naming the file, its line and the value (cut to a readable length). The file and its lines have the size
     * limits of the dataset readers.
     */
    public static List<BufferedImage> read(Path csv) {
        List<BufferedImage> out = new ArrayList<>();
        Problems strict = new Problems(SkipPolicy.STRICT);
        try (LineReader r = FerCsv.open(csv)) {
            String head = r.readLine();
            if (head == null) {
                throw new FerDataException(csv + " is empty; expected a header with a pixels column");
            }
            Integer pixels = FerCsv.header(head).get("pixels");
            if (pixels == null || r.lastLineCut()) {
                throw new FerDataException(csv + ":1: header '" + Excerpt.of(head) + "' has no pixels column");
            }
            int width = head.split(",", -1).length;
            String line;
            while ((line = r.readLine()) != null) {
                long lineNo = r.lineNumber();
                if (r.lastLineCut()) {
                    strict.add(csv, lineNo, "line of " + r.lastLineLength() + " characters, more than the " + r.maxChars()
                            + " a FER2013 row can have");
                }
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                if (f.length != width) {
                    strict.add(csv, lineNo, f.length + " fields, expected " + width + " (" + Excerpt.of(head.strip()) + ")");
                }
                byte[] px = FerCsv.pixels(f[pixels], csv, lineNo, strict);
                BufferedImage img = new BufferedImage(FerCsv.SIDE, FerCsv.SIDE, BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setDataElements(0, 0, FerCsv.SIDE, FerCsv.SIDE, px);
                out.add(img);
            }
        } catch (IOException e) {
            throw DatasetFiles.cannotRead(csv, e);
        }
        return out;
    }
}
