package org.armfer.examples.cli;

import org.armfer.datavec.FerDataset;
import org.armfer.train.TrainConfig;
import org.armfer.train.cli.RecipeOptions;
import org.armfer.zoo.PretrainedWeights;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code train --resume} continues with the settings in the run's {@code config.json}. Options given again with the
 * same values are fine (the command repeated with {@code --resume}); an option given with another value is a usage
 * error that names the option, the run's value and the value given, since silently ignoring it would train something
 * else than asked. Only {@code --epochs} may change (it raises or lowers the total).
 */
final class ResumeCheck {

    private ResumeCheck() {
    }

    /** A usage error listing every option given with a value that differs from the run's. */
    static void require(CommandLine.Model.CommandSpec spec, Path out, TrainConfig run, RecipeOptions recipe, DataOptions data,
                        ModelOptions model, String weights) {
        List<String> conflicts = new ArrayList<>(recipe.resumeConflicts(run.recipe));
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        var d = run.data;
        var m = run.model;
        if (given(pr, "--dataset") && !sameDataset(data.dataset, d.dataset)) add(conflicts, "--dataset", data.dataset, d.dataset);
        if (given(pr, "--root") && !samePath(data.root, d.root)) add(conflicts, "--root", data.root, d.root);
        if (given(pr, "--skip-bad") && data.skipBad != d.skipBad) add(conflicts, "--skip-bad", data.skipBad, d.skipBad);
        if (given(pr, "--max-batches") && data.maxBatches != d.maxBatches) add(conflicts, "--max-batches", data.maxBatches, d.maxBatches);
        if (given(pr, "--split-seed") && !Objects.equals(data.splitSeed, d.splitSeed)) add(conflicts, "--split-seed", data.splitSeed, d.splitSeed);
        if (given(pr, "--blocks") && !Objects.equals(model.blocks, m.blocks)) add(conflicts, "--blocks", model.blocks, m.blocks);
        if (given(pr, "--kernel-size") && !Objects.equals(model.kernelSize, m.kernelSize)) add(conflicts, "--kernel-size", model.kernelSize, m.kernelSize);
        if (given(pr, "--stride") && !Objects.equals(model.stride, m.stride)) add(conflicts, "--stride", model.stride, m.stride);
        if (given(pr, "--lambda") && !Objects.equals(model.lambda, m.lambda)) add(conflicts, "--lambda", model.lambda, m.lambda);
        if (given(pr, "--fixed-lambda") && !Boolean.TRUE.equals(m.fixedLambda)) add(conflicts, "--fixed-lambda", true, m.fixedLambda);
        if (given(pr, "--gar-mode") && model.garMode != m.garMode) add(conflicts, "--gar-mode", model.garMode, m.garMode);
        if (given(pr, "--channels") && model.channels != m.channels) add(conflicts, "--channels", model.channels, m.channels);
        if (given(pr, "--loss") && !model.loss.equalsIgnoreCase(String.valueOf(m.loss))) add(conflicts, "--loss", model.loss, m.loss);
        if (given(pr, "--prior") && !samePath(model.prior, m.prior)) add(conflicts, "--prior", model.prior, m.prior);
        if (given(pr, "--seed") && model.seed != m.seed) add(conflicts, "--seed", model.seed, m.seed);
        if (given(pr, "--arm-config")) {
            String json;
            try {
                json = ModelOptions.readArmConfig(model.armConfig).toJson();
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            if (!json.equals(m.armJson)) add(conflicts, "--arm-config", model.armConfig, m.armJson == null ? null : "another ARM");
        }
        if (weights != null && !sameWeights(weights, run.weights)) add(conflicts, "--weights", weights, run.weights);
        Cli.require(spec, conflicts.isEmpty(), "--resume continues the run in " + out + " with the settings it was started with ("
                + out.resolve(org.armfer.train.TrainRun.CONFIG) + "); only --epochs may change, and these options differ: "
                + String.join("; ", conflicts) + ". Leave them out to resume, or start a new run with another --out");
    }

    private static boolean given(CommandLine.ParseResult pr, String option) {
        return pr != null && pr.hasMatchedOption(option);
    }

    private static void add(List<String> conflicts, String option, Object given, Object run) {
        conflicts.add(option + " " + Cli.shown(String.valueOf(given)) + " (the run has " + Cli.shown(String.valueOf(run)) + ")");
    }

    private static boolean sameDataset(String a, String b) {
        try {
            return FerDataset.parse(a) == FerDataset.parse(b);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean samePath(String a, String b) {
        if (a == null || b == null) {
            return Objects.equals(a, b);
        }
        return Path.of(a).toAbsolutePath().normalize().equals(Path.of(b).toAbsolutePath().normalize());
    }

    /** Whether {@code --weights value} names the file the run was started with (a path, or a registered name). */
    private static boolean sameWeights(String value, String run) {
        if (run == null) {
            return false;
        }
        if (Files.isRegularFile(Path.of(value))) {
            return samePath(value, run);
        }
        Optional<PretrainedWeights> w = PretrainedWeights.find(value);
        return w.isPresent() && Path.of(run).getFileName().toString().toLowerCase(Locale.ROOT)
                .equals(w.get().fileName().toLowerCase(Locale.ROOT));
    }
}
