package org.armfer.examples.report;

import org.armfer.io.AtomicFiles;
import org.armfer.train.EpochStats;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report folder every run writes: the configuration with its seed, a per-epoch CSV (full precision, for
 * machines), training curves and the confusion matrix as PNGs, and an HTML page for people: numbers with 4
 * significant digits in plain notation, the confusion matrix with counts and row-normalised percentages (white where
 * the count is zero), training loss and accuracy beside validation WA and UA, each line with its own colour, dash and
 * marker so that WA and UA stay apart even where they are equal.
 */
public final class RunReport {

    public static final String CONFIG = "config.json";
    public static final String EPOCHS = "epochs.csv";
    public static final String CURVES = "curves.png";
    public static final String CONFUSION = "confusion.png";
    public static final String CONFUSION_TEXT = "confusion.txt";
    public static final String HTML = "report.html";

    /** Okabe-Ito colours: distinguishable with every common colour-vision deficiency. */
    static final Color BLUE = new Color(0x0072B2), ORANGE = new Color(0xE69F00), GREEN = new Color(0x009E73),
            VERMILION = new Color(0xD55E00);

    private RunReport() {
    }

    public static void writeConfig(Path dir, Object config) throws IOException {
        Json.write(dir.resolve(CONFIG), config);
    }

    /** epochs.csv and curves.png from the history. */
    public static void writeHistory(Path dir, List<EpochStats> history) throws IOException {
        StringBuilder csv = new StringBuilder(EpochStats.CSV_HEADER).append('\n');
        for (EpochStats s : history) csv.append(s.csv()).append('\n');
        AtomicFiles.write(dir.resolve(EPOCHS), csv.toString());
        if (history.isEmpty()) {
            return;
        }
        savePng(curves(history), dir.resolve(CURVES));
    }

    /** Loss (left) and accuracy (right) over the epochs, side by side. */
    static BufferedImage curves(List<EpochStats> history) {
        List<Double> x = new ArrayList<>(), loss = new ArrayList<>(), wa = new ArrayList<>(), ua = new ArrayList<>(),
                trainAcc = new ArrayList<>();
        boolean hasTrainAcc = history.stream().anyMatch(s -> s.getTrainAccuracy() != null);
        for (EpochStats s : history) {
            x.add((double) s.getEpoch());
            loss.add(s.getLoss());
            wa.add(s.getWeightedAccuracy());
            ua.add(s.getUnweightedAccuracy());
            trainAcc.add(s.getTrainAccuracy() == null ? Double.NaN : s.getTrainAccuracy());
        }
        XYChart lossChart = chart("Loss", "cross-entropy");
        style(lossChart.addSeries("training loss", x, loss), VERMILION, SOLID, 3f, SeriesMarkers.CIRCLE);
        XYChart acc = chart("Accuracy", "accuracy");
        acc.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        if (hasTrainAcc) {
            style(acc.addSeries("training accuracy", x, trainAcc), GREEN, DOTTED, 2.5f, SeriesMarkers.TRIANGLE_UP);
        }
        // WA first, thick and solid; UA on top, dashed and thinner: where they coincide both stay visible
        style(acc.addSeries("validation WA", x, wa), BLUE, SOLID, 5f, SeriesMarkers.CIRCLE);
        style(acc.addSeries("validation UA", x, ua), ORANGE, LONG_DASH, 3f, SeriesMarkers.DIAMOND);
        BufferedImage left = BitmapEncoder.getBufferedImage(lossChart), right = BitmapEncoder.getBufferedImage(acc);
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(), right.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        return both;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(560).height(400).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setMarkerSize(9);
        c.getStyler().setXAxisDecimalPattern("#0");
        c.getStyler().setYAxisDecimalPattern("#0.###");
        return c;
    }

    /** Dash patterns (null: solid); UA's long dashes over WA's solid line show both colours where the two coincide. */
    private static final float[] SOLID = null, LONG_DASH = {10f, 7f}, DOTTED = {2f, 5f};

    private static void style(XYSeries s, Color colour, float[] dash, float width, org.knowm.xchart.style.markers.Marker marker) {
        s.setLineColor(colour);
        s.setMarkerColor(colour);
        s.setLineStyle(dash == null ? new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dash, 0f));
        s.setMarker(marker);
    }

    /** confusion.png and confusion.txt (rows = true class). */
    public static void writeConfusion(Path dir, Metrics m) throws IOException {
        AtomicFiles.write(dir.resolve(CONFUSION_TEXT), m.confusionText());
        savePng(confusionImage(m), dir.resolve(CONFUSION));
    }

    /**
     * The confusion matrix drawn directly: each cell holds its count and its share of the row (the true class), coloured
     * by that share from white (0, and every empty cell) to dark blue (100%); class names at full length, the column
     * names turned 45 degrees so that long ones never overlap.
     */
    static BufferedImage confusionImage(Metrics m) {
        List<String> labels = m.labels();
        int k = labels.size();
        long[][] c = m.confusion();
        int cell = 76;
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 15), countFont = new Font(Font.SANS_SERIF, Font.BOLD, 16),
                pctFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12), titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics lf = pg.getFontMetrics(labelFont);
        int longest = 0;
        for (String l : labels) longest = Math.max(longest, lf.stringWidth(l));
        pg.dispose();
        int rowLabels = longest + 16 + 28, rowTotals = 70;
        int colLabels = (int) Math.ceil(longest * Math.sin(Math.PI / 4) + lf.getHeight()) + 36;
        int left = rowLabels, top = 40 + colLabels;
        int w = left + k * cell + rowTotals + 16, h = top + k * cell + 46;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        String title = "Confusion matrix: count and % of the true class";
        g.drawString(title, Math.max(8, (w - g.getFontMetrics().stringWidth(title)) / 2), 24);
        for (int t = 0; t < k; t++) {
            long row = m.support(t);
            for (int p = 0; p < k; p++) {
                int x = left + p * cell, y = top + t * cell;
                double share = row == 0 ? 0 : (double) c[t][p] / row;
                Color fill = c[t][p] == 0 ? Color.WHITE : blend(share);
                g.setColor(fill);
                g.fillRect(x, y, cell, cell);
                g.setColor(new Color(0xBBBBBB));
                g.drawRect(x, y, cell, cell);
                Color text = luminance(fill) < 140 ? Color.WHITE : Color.BLACK;
                g.setColor(c[t][p] == 0 ? new Color(0x999999) : text);
                g.setFont(countFont);
                centre(g, Long.toString(c[t][p]), x + cell / 2, y + cell / 2 - 4);
                if (row > 0 && c[t][p] > 0) {
                    g.setFont(pctFont);
                    centre(g, percent(share), x + cell / 2, y + cell / 2 + 16);
                }
            }
            // row label (true class) and row total
            g.setFont(labelFont);
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            String l = labels.get(t);
            g.drawString(l, left - 8 - fm.stringWidth(l), top + t * cell + cell / 2 + fm.getAscent() / 2 - 2);
            g.setColor(new Color(0x555555));
            g.drawString("n=" + row, left + k * cell + 8, top + t * cell + cell / 2 + fm.getAscent() / 2 - 2);
        }
        // column labels (predicted class), turned 45 degrees, ending above their column
        g.setFont(labelFont);
        g.setColor(Color.BLACK);
        for (int p = 0; p < k; p++) {
            AffineTransform saved = g.getTransform();
            g.translate(left + p * cell + cell / 2.0 + 4, top - 8);
            g.rotate(-Math.PI / 4);
            g.drawString(labels.get(p), 0, 0);
            g.setTransform(saved);
        }
        // axis titles
        g.setFont(titleFont);
        g.setColor(new Color(0x333333));
        centre(g, "predicted", left + k * cell / 2, top + k * cell + 30);
        AffineTransform saved = g.getTransform();
        g.translate(20, top + k * cell / 2.0);
        g.rotate(-Math.PI / 2);
        centre(g, "true", 0, 0);
        g.setTransform(saved);
        g.dispose();
        return img;
    }

    /** White to dark blue by {@code share} in [0, 1]. */
    static Color blend(double share) {
        double s = Math.max(0, Math.min(1, share));
        // from a very light blue (so that a 1% cell is still told from an empty one) to Okabe-Ito blue, darkened
        int r = (int) Math.round(232 + (8 - 232) * s), gr = (int) Math.round(241 + (69 - 241) * s), b = (int) Math.round(250 + (148 - 250) * s);
        return new Color(r, gr, b);
    }

    private static double luminance(Color c) {
        return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    }

    private static void centre(Graphics2D g, String s, int cx, int cy) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(s, cx - fm.stringWidth(s) / 2, cy + fm.getAscent() / 2 - 1);
    }

    /** report.html: the summary table, the training curves and table, the evaluation with its confusion matrix, the files. */
    public static void writeHtml(Path dir, String title, List<String[]> summary, List<EpochStats> history, Metrics m) throws IOException {
        StringBuilder h = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(esc(title)).append("</title><style>\n"
                        + "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:2em;color:#222;max-width:1200px}\n"
                        + "table{border-collapse:collapse;margin:0.5em 0 1.5em}\n"
                        + "td,th{border:1px solid #ccc;padding:4px 10px}\n"
                        + "th{background:#f0f0f0;text-align:left;font-weight:600}\n"
                        + "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
                        + "table.summary th{width:16em}\n"
                        + "table.cm td{width:5.2em;height:3.4em;text-align:center;font-variant-numeric:tabular-nums;line-height:1.2}\n"
                        + "table.cm td small{display:block;font-size:80%}\n"
                        + "table.cm th.col{vertical-align:bottom;text-align:center;white-space:nowrap;min-width:5.2em}\n"
                        + "table.cm th.row{text-align:right;white-space:nowrap}\n"
                        + "td.wa{color:#0072B2;font-weight:600} td.ua{color:#B07800;font-weight:600}\n"
                        + "img{max-width:100%}\n"
                        + "</style></head><body>\n")
                .append("<h1>").append(esc(title)).append("</h1>\n<table class=\"summary\">\n");
        for (String[] row : summary) {
            h.append("<tr><th>").append(esc(row[0])).append("</th><td>").append(esc(row[1])).append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (!history.isEmpty()) {
            boolean trainAcc = history.stream().anyMatch(s -> s.getTrainAccuracy() != null);
            boolean lambda = history.stream().anyMatch(s -> !Double.isNaN(s.getLambda()));
            h.append("<h2>Training</h2>\n<img src=\"").append(CURVES).append("\" alt=\"training loss").append(trainAcc ? " and accuracy" : "")
                    .append(", validation WA and UA per epoch\">\n<table><tr><th>epoch</th><th>training loss</th>");
            if (trainAcc) h.append("<th>training accuracy</th>");
            h.append("<th>validation WA</th><th>validation UA</th>");
            if (lambda) h.append("<th>&lambda;</th>");
            h.append("<th>learning rate</th><th>seconds</th></tr>\n");
            for (EpochStats s : history) {
                h.append("<tr><td class=\"n\">").append(s.getEpoch()).append("</td><td class=\"n\">").append(fmt(s.getLoss())).append("</td>");
                if (trainAcc) h.append("<td class=\"n\">").append(s.getTrainAccuracy() == null ? "-" : fmt(s.getTrainAccuracy())).append("</td>");
                h.append("<td class=\"n wa\">").append(fmt(s.getWeightedAccuracy())).append("</td><td class=\"n ua\">")
                        .append(fmt(s.getUnweightedAccuracy())).append("</td>");
                if (lambda) h.append("<td class=\"n\">").append(fmt(s.getLambda())).append("</td>");
                h.append("<td class=\"n\">").append(compact(s.getLearningRate())).append("</td><td class=\"n\">")
                        .append(compact(s.getSeconds())).append("</td></tr>\n");
            }
            h.append("</table>\n<p><small>WA: weighted accuracy (correct / all); UA: unweighted accuracy (mean recall over the"
                    + " classes). Full precision in <a href=\"").append(EPOCHS).append("\">").append(EPOCHS).append("</a>.</small></p>\n");
        }
        if (m != null) {
            h.append("<h2>Evaluation</h2>\n<p>WA <b>").append(fmt(m.weightedAccuracy())).append("</b>, UA <b>").append(fmt(m.unweightedAccuracy()))
                    .append("</b> on ").append(m.total()).append(" examples</p>\n<table><tr><th>class</th><th>examples</th><th>recall</th></tr>\n");
            for (int c = 0; c < m.labels().size(); c++) {
                h.append("<tr><td>").append(esc(m.labels().get(c))).append("</td><td class=\"n\">").append(m.support(c))
                        .append("</td><td class=\"n\">").append(fmt(m.recall(c))).append("</td></tr>\n");
            }
            h.append("</table>\n");
            confusionTable(h, m);
            h.append("<p><small>Rows: true class; columns: predicted; each cell the count and its share of the row."
                    + " Also as <a href=\"").append(CONFUSION).append("\">").append(CONFUSION).append("</a> and <a href=\"")
                    .append(CONFUSION_TEXT).append("\">").append(CONFUSION_TEXT).append("</a>.</small></p>\n");
        }
        h.append("<h2>Files</h2><ul>");
        try (var files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(f -> !f.endsWith(".tmp") && !f.startsWith(".")).sorted()
                    .forEach(f -> h.append("<li><a href=\"").append(esc(f)).append("\">").append(esc(f)).append("</a></li>"));
        }
        h.append("</ul></body></html>\n");
        AtomicFiles.write(dir.resolve(HTML), h.toString());
    }

    /** The confusion matrix as an HTML table: count and row share per cell, coloured as the PNG. */
    private static void confusionTable(StringBuilder h, Metrics m) {
        List<String> labels = m.labels();
        long[][] c = m.confusion();
        h.append("<table class=\"cm\"><tr><th class=\"row\">true \\ predicted</th>");
        for (String l : labels) h.append("<th class=\"col\">").append(esc(l)).append("</th>");
        h.append("<th class=\"col\">examples</th></tr>\n");
        for (int t = 0; t < labels.size(); t++) {
            long row = m.support(t);
            h.append("<tr><th class=\"row\">").append(esc(labels.get(t))).append("</th>");
            for (int p = 0; p < labels.size(); p++) {
                double share = row == 0 ? 0 : (double) c[t][p] / row;
                Color fill = c[t][p] == 0 ? Color.WHITE : blend(share);
                boolean dark = luminance(fill) < 140;
                h.append(String.format(Locale.ROOT, "<td style=\"background:#%06x;color:%s\">", fill.getRGB() & 0xFFFFFF,
                        c[t][p] == 0 ? "#999" : dark ? "#fff" : "#000"));
                h.append(c[t][p]);
                if (c[t][p] > 0) h.append("<small>").append(percent(share)).append("</small>");
                h.append("</td>");
            }
            h.append("<td class=\"n\">").append(row).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** {@code v} with 4 significant digits in plain notation ({@code 0.8123}, {@code 5.760}, {@code 0.0009000}); "-" for NaN. */
    public static String fmt(double v) {
        return significant(v, false);
    }

    /** {@code v} with at most 4 significant digits, trailing zeros dropped ({@code 0.0009}, {@code 0.001}, {@code 43.31}). */
    public static String compact(double v) {
        return significant(v, true);
    }

    private static String significant(double v, boolean strip) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return "0";
        }
        BigDecimal b = new BigDecimal(v).round(new MathContext(4, RoundingMode.HALF_EVEN));
        if (strip) {
            b = b.stripTrailingZeros();
        } else if (b.precision() < 4) {
            // 0.5 -> 0.5000, 1 -> 1.000: four significant digits shown, so that a column of numbers lines up
            b = b.setScale(b.scale() + 4 - b.precision(), RoundingMode.UNNECESSARY);
        }
        return b.toPlainString();
    }

    /**
     * A difference between probabilities for people: 4 significant digits from 0.001 up ({@code 0.2530}), one
     * significant digit in scientific notation below it, where only the order of magnitude matters ({@code 2e-06}).
     */
    public static String difference(double v) {
        if (Double.isNaN(v) || v == 0 || Math.abs(v) >= 1e-3) {
            return compact(v);
        }
        return String.format(Locale.ROOT, "%.0e", v);
    }

    /** A share as a percentage for people: {@code 83.3%}, {@code 100%}, {@code 0.4%}. */
    static String percent(double share) {
        double p = 100 * share;
        if (p >= 99.95 || p == 0) {
            return String.format(Locale.ROOT, "%.0f%%", p);
        }
        return String.format(Locale.ROOT, "%.1f%%", p);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void savePng(BufferedImage img, Path file) throws IOException {
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
    }
}
