package org.armfer.hyperparam;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Arbiter status listener that collects a {@link SearchRow} per finished candidate, logs a one-line summary of each
 * (SLF4J, INFO) and, when given a stream, drives a console progress bar on it. Candidates that Arbiter itself failed
 * before they reached a task (their generation threw) are recorded as FAILED rows with the first line of the error.
 */
public final class SearchRecorder extends BaseStatusListener {

    private static final Logger log = LoggerFactory.getLogger(SearchRecorder.class);

    private final int expected;
    private final boolean minimize;
    private final PrintStream progressStream;
    private final Map<Integer, SearchRow> rows = new ConcurrentSkipListMap<>();
    private ProgressBar bar;
    private SearchRow best;

    /**
     * @param expected       number of candidates expected (for "3/10" and the bar's length)
     * @param minimize       whether a lower score is better
     * @param progressStream where to draw a progress bar, or null for none
     */
    public SearchRecorder(int expected, boolean minimize, PrintStream progressStream) {
        this.expected = expected;
        this.minimize = minimize;
        this.progressStream = progressStream;
    }

    @Override
    public synchronized void onInitialization(IOptimizationRunner runner) {
        if (progressStream != null && bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName("ARM search")
                    .setInitialMax(expected)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" candidates", 1)
                    // a fixed width: the console consumer would otherwise ask JLine for the terminal's width
                    .setConsumer(new ConsoleProgressBarConsumer(progressStream, 110))
                    .build();
        }
    }

    @Override
    public synchronized void onShutdown(IOptimizationRunner runner) {
        close();
    }

    /** Closes the progress bar (idempotent). */
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner runner, OptimizationResult result) {
        SearchRow row = null;
        if (result != null && result.getModelSpecificResults() instanceof SearchRow) {
            row = (SearchRow) result.getModelSpecificResults();
        } else if (info != null && info.getCandidateStatus() == CandidateStatus.Failed && !rows.containsKey(info.getIndex())) {
            // failed before reaching a task (Arbiter's runner reports generation failures this way)
            row = new SearchRow(info.getIndex(), null, null, 0, Double.NaN, Double.NaN, Double.NaN, SearchStatus.FAILED,
                    firstLine(info.getExceptionStackTrace()), 0);
        }
        if (row != null) {
            record(row);
        }
    }

    @Override
    public synchronized void onCandidateIteration(CandidateInfo info, Object candidate, int epoch) {
        if (bar != null && candidate instanceof ArmCandidate) {
            bar.setExtraMessage(String.format(Locale.ROOT, " candidate %d, epoch %d/%d", info.getIndex(), epoch,
                    ((ArmCandidate) candidate).getNumEpochs()));
        }
    }

    private synchronized void record(SearchRow row) {
        if (rows.putIfAbsent(row.candidate(), row) != null) {
            return;
        }
        boolean newBest = false;
        if (row.ok() && !Double.isNaN(row.score()) && (best == null
                || (minimize ? row.score() < best.score() : row.score() > best.score()))) {
            best = row;
            newBest = true;
        }
        String what = row.hyperparameters() != null ? row.hyperparameters().describe() : "(no settings)";
        String of = String.format(Locale.ROOT, "candidate %d (%d/%d)", row.candidate(), rows.size(), expected);
        if (row.ok()) {
            log.info(String.format(Locale.ROOT, "%s [%s]: weighted %.4f, unweighted %.4f, score %.4f in %.1f s%s", of, what,
                    row.weightedAccuracy(), row.unweightedAccuracy(), row.score(), row.seconds(),
                    newBest ? " (best so far)" : ""));
        } else {
            log.info("{} [{}]: {}: {}", of, what, row.status(), row.reason());
        }
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(best == null ? "" : String.format(Locale.ROOT, " best %.4f (candidate %d)", best.score(),
                    best.candidate()));
        }
    }

    /** The rows recorded so far, by candidate index. */
    public List<SearchRow> rows() {
        return new ArrayList<>(rows.values());
    }

    private static String firstLine(String s) {
        if (s == null || s.isEmpty()) {
            return "failed before training (no detail from Arbiter)";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
