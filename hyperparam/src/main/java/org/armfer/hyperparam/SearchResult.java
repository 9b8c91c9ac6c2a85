package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What {@link ArmSearch#run()} returns: every candidate's row, the best one, and where the files went.
 */
public final class SearchResult {

    /**
     * The search as run, for the best-configuration JSON.
     *
     * @param kind          SWEEP or RANDOM
     * @param model         the network ({@link ModelFactory#describe()})
     * @param epochs        training epochs per candidate
     * @param seed          the search's seed (candidate draws, weight initialisation)
     * @param scoreFunction the score function ({@code toString()})
     */
    public record Settings(ArmSearch.Kind kind, String model, int epochs, long seed, String scoreFunction) {
    }

    private final Settings settings;
    private final List<SearchRow> rows;
    private final SearchRow best;
    private final Path outDir;
    private final Path resultsCsv;
    private final Path bestJson;
    private final Path bestArmJson;
    private final Path bestModel;
    private final Path plot;
    private final Duration elapsed;

    SearchResult(Settings settings, List<SearchRow> rows, SearchRow best, Path outDir, Path resultsCsv, Path bestJson,
                 Path bestArmJson, Path bestModel, Path plot, Duration elapsed) {
        this.settings = settings;
        this.rows = Collections.unmodifiableList(rows);
        this.best = best;
        this.outDir = outDir;
        this.resultsCsv = resultsCsv;
        this.bestJson = bestJson;
        this.bestArmJson = bestArmJson;
        this.bestModel = bestModel;
        this.plot = plot;
        this.elapsed = elapsed;
    }

    public Settings settings() {
        return settings;
    }

    /** One row per candidate that was drawn, in candidate order (invalid and failed ones included). */
    public List<SearchRow> rows() {
        return rows;
    }

    /** The trained candidate with the best score (the earliest of equal ones); empty when none was trained. */
    public Optional<SearchRow> best() {
        return Optional.ofNullable(best);
    }

    /** The best candidate's ARM. */
    public Optional<ArmModule> bestArm() {
        return best().map(SearchRow::arm);
    }

    /** Number of rows with this status. */
    public long count(SearchStatus status) {
        return rows.stream().filter(r -> r.status() == status).count();
    }

    public Path outDir() {
        return outDir;
    }

    /** {@value SearchReport#CSV}: always written. */
    public Path resultsCsv() {
        return resultsCsv;
    }

    /** {@value SearchReport#BEST_JSON}: written when a candidate was trained. */
    public Optional<Path> bestJson() {
        return Optional.ofNullable(bestJson);
    }

    /** {@value SearchReport#BEST_ARM_JSON}: written when a candidate was trained. */
    public Optional<Path> bestArmJson() {
        return Optional.ofNullable(bestArmJson);
    }

    /** {@value SearchReport#BEST_MODEL}: the best model (DL4J ModelSerializer zip), when it could be saved. */
    public Optional<Path> bestModel() {
        return Optional.ofNullable(bestModel);
    }

    /** {@value SearchReport#PLOT}: written when a candidate was trained. */
    public Optional<Path> plot() {
        return Optional.ofNullable(plot);
    }

    public Duration elapsed() {
        return elapsed;
    }

    @Override
    public String toString() {
        return "SearchResult(" + settings.kind() + ", " + rows.size() + " candidates: " + count(SearchStatus.OK) + " ok, "
                + count(SearchStatus.INVALID) + " invalid, " + count(SearchStatus.FAILED) + " failed"
                + (best != null ? ", best " + best.candidate() + " score " + best.score() : "") + ", " + outDir + ")";
    }
}
