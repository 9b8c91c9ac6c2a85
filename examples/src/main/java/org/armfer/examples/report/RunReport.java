package org.armfer.examples.report;

import org.armfer.io.AtomicFiles;
import org.armfer.train.EpochStats;
import org.armfer.train.Json;
import org.armfer.train.Metrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report folder every run writes: the configuration with its seed, a per-epoch CSV, training curves and
 * confusion-matrix PNGs, and an HTML page that shows them.
 */
public final class RunReport {

    public static final String CONFIG = "config.json";
    public static final String EPOCHS = "epochs.csv";
    public static final String CURVES = "curves.png";
    public static final String CONFUSION = "confusion.png";
    public static final String CONFUSION_TEXT = "confusion.txt";
    public static final String HTML = "report.html";

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
        List<Double> x = new ArrayList<>(), loss = new ArrayList<>(), wa = new ArrayList<>(), ua = new ArrayList<>();
        for (EpochStats s : history) {
            x.add((double) s.getEpoch());
            loss.add(s.getLoss());
            wa.add(s.getWeightedAccuracy());
            ua.add(s.getUnweightedAccuracy());
        }
        XYChart chart = new XYChartBuilder().width(720).height(420).title("Training").xAxisTitle("epoch").yAxisTitle("value").build();
        chart.getStyler().setMarkerSize(6);
        chart.addSeries("training loss", x, loss).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("validation WA", x, wa).setMarker(SeriesMarkers.SQUARE);
        chart.addSeries("validation UA", x, ua).setMarker(SeriesMarkers.DIAMOND);
        savePng(chart, dir.resolve(CURVES));
    }

    /** confusion.png and confusion.txt (rows = true class). */
    public static void writeConfusion(Path dir, Metrics m) throws IOException {
        AtomicFiles.write(dir.resolve(CONFUSION_TEXT), m.confusionText());
        List<String> labels = m.labels();
        int k = labels.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(120 + 70 * k).height(100 + 60 * k).title("Confusion matrix (rows: true)")
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[]{p, k - 1 - t, m.confusion()[t][p]});
            }
        }
        List<String> yLabels = new ArrayList<>(labels);
        java.util.Collections.reverse(yLabels);
        chart.addSeries("counts", labels, yLabels, cells);
        savePng(chart, dir.resolve(CONFUSION));
    }

    /** report.html: the summary table, the two figures and links to the files. */
    public static void writeHtml(Path dir, String title, List<String[]> summary, List<EpochStats> history, Metrics m) throws IOException {
        StringBuilder h = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(esc(title)).append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}</style></head><body>\n")
                .append("<h1>").append(esc(title)).append("</h1>\n<table>\n");
        for (String[] row : summary) {
            h.append("<tr><th>").append(esc(row[0])).append("</th><td>").append(esc(row[1])).append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (!history.isEmpty()) {
            h.append("<h2>Training</h2><img src=\"").append(CURVES).append("\" alt=\"training curves\">\n<table><tr>");
            for (String c : EpochStats.CSV_HEADER.split(",")) h.append("<th>").append(c).append("</th>");
            h.append("</tr>\n");
            for (EpochStats s : history) {
                h.append("<tr>");
                for (String c : s.csv().split(",", -1)) h.append("<td>").append(esc(c)).append("</td>");
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }
        if (m != null) {
            h.append("<h2>Evaluation</h2><p>WA ").append(fmt(m.weightedAccuracy())).append(", UA ").append(fmt(m.unweightedAccuracy()))
                    .append(" on ").append(m.total()).append(" examples</p>\n<table><tr><th>class</th><th>examples</th><th>recall</th></tr>\n");
            for (int c = 0; c < m.labels().size(); c++) {
                h.append("<tr><td>").append(esc(m.labels().get(c))).append("</td><td>").append(m.support(c)).append("</td><td>")
                        .append(fmt(m.recall(c))).append("</td></tr>\n");
            }
            h.append("</table>\n<img src=\"").append(CONFUSION).append("\" alt=\"confusion matrix\">\n");
        }
        h.append("<h2>Files</h2><ul>");
        try (var files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(f -> !f.endsWith(".tmp")).sorted()
                    .forEach(f -> h.append("<li><a href=\"").append(esc(f)).append("\">").append(esc(f)).append("</a></li>"));
        }
        h.append("</ul></body></html>\n");
        AtomicFiles.write(dir.resolve(HTML), h.toString());
    }

    public static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void savePng(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
