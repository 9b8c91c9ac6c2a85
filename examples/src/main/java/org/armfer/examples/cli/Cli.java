package org.armfer.examples.cli;

import org.armfer.io.Excerpt;
import org.armfer.io.OutputFolder;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Predicate;

/** Small helpers shared by the subcommands. */
final class Cli {

    private Cli() {
    }

    /** A usage error (exit code 2, with the command's usage hint) unless {@code condition} holds. */
    static void require(CommandLine.Model.CommandSpec spec, boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** A usage error unless {@code min <= value <= max} (NaN and infinity never are): names the option and the range. */
    static void range(CommandLine.Model.CommandSpec spec, String option, double value, double min, double max) {
        require(spec, value >= min && value <= max, option + " " + value + " is not allowed; allowed: a number from "
                + num(min) + " to " + num(max));
    }

    /** A usage error unless {@code value >= min}: names the option, the value and the bound. */
    static void atLeast(CommandLine.Model.CommandSpec spec, String option, long value, long min) {
        require(spec, value >= min, option + " " + value + " is not allowed; allowed: an integer >= " + min);
    }

    /** A usage error unless {@code min <= value <= max}. */
    static void between(CommandLine.Model.CommandSpec spec, String option, long value, long min, long max, String why) {
        require(spec, value >= min && value <= max, option + " " + value + " is not allowed; allowed: " + min + " to " + max
                + (why == null ? "" : " (" + why + ")"));
    }

    /** A user's text value for a message: at most 80 characters, control characters escaped. */
    static String shown(String value) {
        return Excerpt.of(value);
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    /**
     * Claims {@code dir} as the output folder of a run of {@code kind} ({@link OutputFolder}): a file, a folder of
     * other files or another kind of run is a usage error naming {@code option}; a folder another run holds fails
     * (exit 1) naming it.
     */
    static OutputFolder claim(CommandLine.Model.CommandSpec spec, String option, Path dir, String kind,
                              Predicate<Path> earlierRun) throws IOException {
        try {
            return OutputFolder.claim(dir, kind, earlierRun);
        } catch (OutputFolder.Refused e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + e.getMessage(), e);
        }
    }

    /** The usage check of {@link #claim} alone, before the run's slow preparations (reads, never writes). */
    static void requireOutputFolder(CommandLine.Model.CommandSpec spec, String option, Path dir, String kind,
                                    Predicate<Path> earlierRun) throws IOException {
        String why = OutputFolder.refusal(dir, kind, earlierRun);
        require(spec, why == null, option + " " + why);
    }

    /**
     * A single output file named by an option ({@code --json FILE}) may be new, or a file this command wrote before:
     * one whose first bytes {@code ours} recognises. Anything else (a dataset file, a folder) is a usage error and is
     * left untouched.
     */
    static void requireReplaceable(CommandLine.Model.CommandSpec spec, String option, Path file, String what,
                                   Predicate<String> ours) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        require(spec, Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS), option + " " + file + " exists and is not a"
                + " regular file; give a new file, or " + what + " written before");
        String head;
        try (var in = Files.newInputStream(file)) {
            head = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + file + " cannot be read: " + e.getMessage());
        }
        require(spec, ours.test(head), option + " " + file + " exists and is not " + what + "; it is left untouched (give a"
                + " new file, or " + what + " written before)");
    }
}
