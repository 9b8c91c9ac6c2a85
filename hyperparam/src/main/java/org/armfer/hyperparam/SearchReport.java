package org.armfer.hyperparam;

import org.armfer.io.AtomicFiles;
import org.armfer.layers.ArmModule;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The files a search writes, and reading the best configuration back.
 * <ul>
 *   <li>{@value #CSV}: one row per candidate, header {@link #CSV_HEADER}; numbers in plain decimal notation (Locale.ROOT),
 *       an empty cell where a value does not apply (a stride ratio for an absolute stride, scores of a candidate that
 *       was not trained); text cells quoted as RFC 4180 says when needed.</li>
 *   <li>{@value #BEST_JSON}: the search and its best candidate: {@code kind, model, epochs, seed, scoreFunction,
 *       candidate, score, weightedAccuracy, unweightedAccuracy, features, hyperparameters{...}, arm{...}, modelFile}.
 *       Its {@code arm} object is exactly {@link ArmModule#toJson()}.</li>
 *   <li>{@value #BEST_ARM_JSON}: the best ARM alone, {@link ArmModule#toJson()}: what {@code train} takes back.</li>
 *   <li>{@value #PLOT}: validation accuracy (weighted and unweighted) against the DA kernel size, a line per accuracy
 *       for a sweep, points for a random search; only trained candidates are drawn.</li>
 * </ul>
 * {@link #readArm(Path)} reads the ARM back from either JSON file.
 */
public final class SearchReport {

    public static final String CSV = "results.csv";
    public static final String BEST_JSON = "best.json";
    public static final String BEST_ARM_JSON = "best-arm.json";
    public static final String BEST_MODEL = "best-model.zip";
    public static final String PLOT = "scores.png";

    public static final String CSV_HEADER = "candidate,blocks,kernelSize,stride,strideRatio,lambda,learnableLambda,"
            + "outputChannels,features,weightedAccuracy,unweightedAccuracy,score,status,seconds,reason";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SearchReport() {
    }

    /** Writes the results table, rows in candidate order. */
    public static void writeCsv(List<SearchRow> rows, Path file) throws IOException {
        List<SearchRow> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingInt(SearchRow::candidate));
        StringBuilder w = new StringBuilder();
        {
            w.append(CSV_HEADER).append('\n');
            for (SearchRow r : sorted) {
                ArmHyperparameters p = r.hyperparameters();
                List<String> cells = new ArrayList<>();
                cells.add(Integer.toString(r.candidate()));
                cells.add(p == null ? "" : p.blocks());
                cells.add(p == null ? "" : Integer.toString(p.kernelSize()));
                cells.add(p == null ? "" : Integer.toString(p.stride()));
                cells.add(p == null ? "" : number(p.strideRatio()));
                cells.add(p == null ? "" : number(p.lambda()));
                cells.add(p == null ? "" : Boolean.toString(p.learnableLambda()));
                cells.add(p == null || p.outputChannels() <= 0 ? "" : Integer.toString(p.outputChannels()));
                cells.add(r.features() > 0 ? Long.toString(r.features()) : "");
                cells.add(number(r.weightedAccuracy()));
                cells.add(number(r.unweightedAccuracy()));
                cells.add(number(r.score()));
                cells.add(r.status().name());
                cells.add(String.format(Locale.ROOT, "%.3f", r.seconds()));
                cells.add(r.reason() == null ? "" : r.reason());
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < cells.size(); i++) {
                    if (i > 0) {
                        line.append(',');
                    }
                    line.append(quote(cells.get(i)));
                }
                w.append(line).append('\n');
            }
        }
        AtomicFiles.write(file, w.toString());
    }

    /** The best configuration file ({@value #BEST_JSON}); {@code modelFile} may be null when no model was saved. */
    public static void writeBestJson(SearchRow best, SearchResult.Settings settings, String modelFile, Path file)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", settings.kind().name());
        root.put("model", settings.model());
        root.put("epochs", settings.epochs());
        root.put("seed", settings.seed());
        root.put("scoreFunction", settings.scoreFunction());
        root.put("candidate", best.candidate());
        root.put("score", best.score());
        root.put("weightedAccuracy", best.weightedAccuracy());
        root.put("unweightedAccuracy", best.unweightedAccuracy());
        root.put("features", best.features());
        ArmHyperparameters p = best.hyperparameters();
        ObjectNode hp = root.putObject("hyperparameters");
        hp.put("blocks", p.blocks());
        hp.put("kernelSize", p.kernelSize());
        hp.put("stride", p.stride());
        if (p.strideFromRatio()) {
            hp.put("strideRatio", p.strideRatio());
        }
        hp.put("lambda", p.lambda());
        hp.put("learnableLambda", p.learnableLambda());
        if (p.outputChannels() > 0) {
            hp.put("outputChannels", p.outputChannels());
        }
        root.set("arm", JSON.readTree(best.armJson()));
        if (modelFile != null) {
            root.put("modelFile", modelFile);
        }
        AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** The best ARM alone ({@value #BEST_ARM_JSON}). */
    public static void writeBestArmJson(SearchRow best, Path file) throws IOException {
        AtomicFiles.write(file, best.armJson() + "\n");
    }

    /**
     * Reads the ARM of a search's best configuration from {@value #BEST_JSON} (its {@code arm} object) or from
     * {@value #BEST_ARM_JSON}.
     *
     * @throws IllegalArgumentException when the file holds neither, naming the file
     */
    public static ArmModule readArm(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("Cannot read ARM configuration " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + " is not a JSON object; expected " + BEST_JSON + " or " + BEST_ARM_JSON);
        }
        JsonNode arm = root.has("arm") ? root.get("arm") : root;
        try {
            return ArmModule.fromJson(JSON.writeValueAsString(arm));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Bad ARM configuration in " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Draws accuracy against kernel size for the trained candidates.
     *
     * @return false (and nothing written) when no candidate was trained
     */
    public static boolean writePlot(List<SearchRow> rows, ArmSearch.Kind kind, String title, Path file) throws IOException {
        List<SearchRow> ok = new ArrayList<>();
        for (SearchRow r : rows) {
            if (r.ok() && r.hyperparameters() != null) {
                ok.add(r);
            }
        }
        if (ok.isEmpty()) {
            return false;
        }
        ok.sort(Comparator.comparingInt((SearchRow r) -> r.hyperparameters().kernelSize()).thenComparingInt(SearchRow::candidate));
        double[] k = new double[ok.size()];
        double[] weighted = new double[ok.size()];
        double[] unweighted = new double[ok.size()];
        for (int i = 0; i < ok.size(); i++) {
            k[i] = ok.get(i).hyperparameters().kernelSize();
            weighted[i] = ok.get(i).weightedAccuracy();
            unweighted[i] = ok.get(i).unweightedAccuracy();
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("DA kernel size k").yAxisTitle("validation accuracy").build();
        XYSeries.XYSeriesRenderStyle style = kind == ArmSearch.Kind.SWEEP
                ? XYSeries.XYSeriesRenderStyle.Line : XYSeries.XYSeriesRenderStyle.Scatter;
        chart.getStyler().setDefaultSeriesRenderStyle(style);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.addSeries("weighted (correct / total)", k, weighted).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("unweighted (mean class recall)", k, unweighted).setMarker(SeriesMarkers.DIAMOND);
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return true;
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return Double.toString(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
