package org.armfer.examples.cli;

import org.armfer.examples.report.RunReport;
import org.armfer.train.EpochStats;
import org.armfer.train.Metrics;
import org.armfer.train.RunReporter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The command line's run report: epochs.csv, curves.png, confusion.png/.txt and report.html ({@link RunReport}). */
final class HtmlReport implements RunReporter {

    static final HtmlReport INSTANCE = new HtmlReport();

    private HtmlReport() {
    }

    @Override
    public void epochDone(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics validation)
            throws IOException {
        write(outDir, title, summary, history, validation);
    }

    @Override
    public void runDone(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics headline)
            throws IOException {
        write(outDir, title, summary, history, headline);
    }

    private static void write(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics m)
            throws IOException {
        RunReport.writeHistory(outDir, history);
        RunReport.writeConfusion(outDir, m);
        RunReport.writeHtml(outDir, title, summary, history, m);
    }
}
