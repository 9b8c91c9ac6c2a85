package org.armfer.examples.cli;

import picocli.CommandLine;

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
}
