package org.armfer.examples;

import org.armfer.examples.cli.AblationCommand;
import org.armfer.examples.cli.BenchCommand;
import org.armfer.examples.cli.DataCommand;
import org.armfer.examples.cli.EvaluateCommand;
import org.armfer.examples.cli.PredictCommand;
import org.armfer.examples.cli.SearchCommand;
import org.armfer.examples.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code armfer}: train, evaluate and search ARM models for facial expression recognition with Deeplearning4j.
 * Exit codes: 0 success, 1 failure while running, 2 usage error (bad flag or value).
 */
@Command(name = "armfer", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Amend Representation Module (ARM) for facial expression recognition on Deeplearning4j.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, AblationCommand.class,
                SearchCommand.class, DataCommand.class, BenchCommand.class, org.armfer.examples.cli.ExampleCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        org.armfer.fast.CpuBackend.configure();
        System.exit(run(args));
    }

    /** This build's version, from the jar manifest. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof IllegalStateException) {
                commandLine.getErr().println(commandLine.getColorScheme().errorText("armfer " + commandLine.getCommandName()
                        + ": " + ex.getMessage()));
                org.slf4j.LoggerFactory.getLogger(Main.class).debug("failure", ex);
                return 1;
            }
            throw ex;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"armfer " + version() + ", Deeplearning4j 1.0.0-M2.1"};
        }
    }
}
