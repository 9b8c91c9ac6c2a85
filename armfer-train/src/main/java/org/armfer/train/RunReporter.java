package org.armfer.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Renders a training run's report (figures, HTML) from what the training library hands it; the library itself writes
 * only the data files ({@code config.json}, checkpoints, the model). {@code armfer train} passes one that draws the
 * curves, the confusion matrix and {@code report.html}.
 */
public interface RunReporter {

    /** A reporter that renders nothing. */
    RunReporter NONE = new RunReporter() {
        @Override
        public void epochDone(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics validation) {
        }

        @Override
        public void runDone(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics headline) {
        }
    };

    /** After each epoch's checkpoint: the history so far and that epoch's validation metrics. */
    void epochDone(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics validation)
            throws IOException;

    /** After the final model is written: the whole history and the metrics the run is judged by. */
    void runDone(Path outDir, String title, List<String[]> summary, List<EpochStats> history, Metrics headline)
            throws IOException;
}
