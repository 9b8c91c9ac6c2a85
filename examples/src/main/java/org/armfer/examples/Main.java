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
 * Exit codes: 0 success, 1 failure while running, 2 usage error (bad flag or value), 3 {@code evaluate} found
 * batch-dependent predictions. Error messages are printed cut to {@value #MAX_MESSAGE} characters (a value from a
 * file or the command line may be huge), control characters escaped.
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
        // DL4J writes a memory crash dump into the working folder on out-of-memory; armfer says what to do instead
        org.deeplearning4j.util.CrashReportingUtil.crashDumpsEnabled(false);
        System.exit(run(args));
    }

    /** This build's version, from the jar manifest. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return execute(commandLine(), args);
    }

    /** Runs {@code cl} (from {@link #commandLine()}) on {@code args}; running out of memory is a one-line error, exit 1. */
    public static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // JavaCPP's native limit or the Java heap: a one-line reason and the ways out, not a stack trace
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("out of memory", e);
            String command = args.length > 0 ? args[0] : "";
            cl.getErr().println(cl.getColorScheme().errorText("armfer " + command + ": out of memory (" + cut(String.valueOf(
                    e.getMessage())) + "). The model needs more memory at this batch size than this process may use:"
                    + " lower --batch (train: --accumulate N keeps the recipe's batch in N micro-batches) or --input-size,"
                    + " or raise the limits (-Xmx for the Java heap, -Dorg.bytedeco.javacpp.maxPhysicalBytes for native"
                    + " memory) through ARMFER_JAVA_OPTS."));
            cl.getErr().flush();
            return 1;
        }
    }

    /** The most characters of an error message printed. */
    public static final int MAX_MESSAGE = 2000;

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof IllegalStateException || ex instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println(commandLine.getColorScheme().errorText("armfer " + commandLine.getCommandName()
                        + ": " + cut(ex.getMessage())));
                org.slf4j.LoggerFactory.getLogger(Main.class).debug("failure", ex);
                return 1;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            java.io.PrintWriter err = c.getErr();
            err.println(c.getColorScheme().errorText(cut(ex.getMessage())));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
                c.usage(err, c.getColorScheme());
            }
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    /** {@code message} cut to {@link #MAX_MESSAGE} characters, control characters escaped, line breaks kept. */
    static String cut(String message) {
        return org.armfer.io.Excerpt.ofMessage(message == null ? "(no message)" : message, MAX_MESSAGE);
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
