package org.armfer.examples.report;

import org.armfer.train.EpochStats;
import org.armfer.train.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report for people: number formats, the confusion matrix's cells and labels, training accuracy when recorded. */
class RunReportTest {

    static final List<String> LABELS = List.of("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger", "contempt");

    static Metrics metrics() {
        long[][] c = new long[8][8];
        for (int t = 0; t < 8; t++) {
            c[t][t] = 10 + t;
            c[t][(t + 1) % 8] = t;      // neutral's row has a zero here
        }
        c[7][7] = 0;                    // contempt never predicted right
        return new Metrics(LABELS, c);
    }

    static List<EpochStats> history(boolean trainAccuracy) {
        List<EpochStats> h = new ArrayList<>();
        double lr = 1e-3;
        for (int e = 1; e <= 4; e++) {
            double acc = 0.2 + 0.1 * e;
            h.add(new EpochStats(e, 5.760204719130264 / e, trainAccuracy ? Double.valueOf(acc + 0.05) : null, acc, acc,
                    0.9973895549774170, lr, 43.30912));
            lr *= 0.9;
        }
        return h;
    }

    @Test
    void numbersHaveFourSignificantDigitsInPlainNotation() {
        assertEquals("5.760", RunReport.fmt(5.760204719130264));
        assertEquals("0.0009000", RunReport.fmt(9.000000000000001E-4));
        assertEquals("0.0009", RunReport.compact(9.000000000000001E-4));
        assertEquals("0.000729", RunReport.compact(0.0007290000000000001));
        assertEquals("0.8125", RunReport.fmt(0.8125));
        assertEquals("0.1000", RunReport.fmt(0.1));
        assertEquals("0.5000", RunReport.fmt(0.5));
        assertEquals("1.000", RunReport.fmt(1));
        assertEquals("10.00", RunReport.fmt(10));
        assertEquals("43.31", RunReport.compact(43.30912));
        assertEquals("123500", RunReport.fmt(123456.7));
        assertEquals("-", RunReport.fmt(Double.NaN));
        assertEquals("0", RunReport.compact(0));
        assertEquals("0", RunReport.fmt(0));
        assertEquals("0.253", RunReport.difference(0.2530));
        assertEquals("2e-06", RunReport.difference(1.79e-6));
        assertEquals("83.3%", RunReport.percent(10.0 / 12));
        assertEquals("100%", RunReport.percent(1));
    }

    @Test
    void theHtmlShowsFormattedNumbersTheConfusionCellsAndTrainingAccuracyWhenRecorded(@TempDir Path dir) throws Exception {
        Metrics m = metrics();
        Files.writeString(dir.resolve(".armfer-run"), "armfer run: train\n"); // the folder's bookkeeping is not listed
        RunReport.writeHistory(dir, history(true));
        RunReport.writeConfusion(dir, m);
        RunReport.writeHtml(dir, "resnet18-arm on demo", List.<String[]>of(new String[]{"model", "resnet18-arm"}), history(true), m);
        String html = Files.readString(dir.resolve(RunReport.HTML));
        assertFalse(html.contains("E-"), "no scientific notation");
        assertFalse(html.contains("5.760204719130264") || html.contains("0.9973895549774170"), "no raw doubles");
        assertTrue(html.contains("<td class=\"n\">5.760</td>") && html.contains("0.0009") && html.contains("0.9974"), html);
        assertTrue(html.contains("<th>training accuracy</th>") && html.contains("<td class=\"n\">0.3500</td>"), html);
        assertTrue(html.contains("<th>validation WA</th><th>validation UA</th>"), html);
        // a zero cell is white with no percentage; a full diagonal cell carries count and share of its row
        assertTrue(html.contains("<td style=\"background:#ffffff;color:#999\">0</td>"), html);
        assertTrue(html.contains(">10<small>100%</small></td>"), "neutral: 10 of 10 right: " + html);
        assertTrue(html.contains(">1<small>8.3%</small></td>"), "happiness: 1 of 12 taken for sadness");
        assertTrue(html.contains("<li><a href=\"" + RunReport.EPOCHS + "\">") && !html.contains(".armfer-run"),
                "the run's files are listed, the folder's marker is not");

        // the same history without training accuracy has no such column
        RunReport.writeHtml(dir, "t", List.of(), history(false), null);
        assertFalse(Files.readString(dir.resolve(RunReport.HTML)).contains("training accuracy"));
    }

    @Test
    void theConfusionPngIsWhereZeroAndBlueByTheRowsShare() throws Exception {
        BufferedImage img = RunReport.confusionImage(metrics());
        assertTrue(img.getWidth() > 8 * 76 && img.getHeight() > 8 * 76);
        // find the grid: the top-left cell is neutral->neutral (10 of 10: darkest blue); scan the diagonal's colour
        Color full = RunReport.blend(1.0), none = Color.WHITE;
        assertTrue(full.getRed() < 40 && full.getBlue() > 120, "100% is dark blue: " + full);
        Color light = RunReport.blend(0.01);
        assertTrue(!light.equals(none) && light.getRed() > 200, "1% is told from an empty cell: " + light);
        // the image holds both: dark cells and pure white cells inside the grid
        boolean dark = false, white = false;
        int y = img.getHeight() / 2;
        for (int x = img.getWidth() / 4; x < img.getWidth() * 3 / 4; x++) {
            Color c = new Color(img.getRGB(x, y));
            dark |= c.getRed() < 60 && c.getBlue() > 100;
            white |= c.equals(Color.WHITE);
        }
        assertTrue(dark && white, "grid row " + y + ": dark " + dark + ", white " + white);
        // curves: two panels side by side
        BufferedImage curves = RunReport.curves(history(true));
        assertEquals(2 * 560, curves.getWidth());
        ImageIO.write(curves, "png", java.io.OutputStream.nullOutputStream());
    }
}
