package org.armfer.examples.cli;

import org.armfer.examples.howto.AddArmToYourGraph;
import org.armfer.examples.howto.ImportTorchvisionWeights;
import org.armfer.examples.howto.ReadDataset;
import org.armfer.examples.howto.ReplaceZooPooling;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code armfer example NAME}: runs one of the small programmer examples (sources in org.armfer.examples.howto). */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = {"Run one of the small examples for programmers (their sources, commented step by step, are in",
                "examples/src/main/java/org/armfer/examples/howto): AddArmToYourGraph, ReplaceZooPooling,",
                "ImportTorchvisionWeights, ReadDataset."})
public final class ExampleCommand implements Callable<Integer> {

    @FunctionalInterface
    interface Example {
        void main(String[] args) throws Exception;
    }

    static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static {
        EXAMPLES.put("AddArmToYourGraph", AddArmToYourGraph::main);
        EXAMPLES.put("ReplaceZooPooling", ReplaceZooPooling::main);
        EXAMPLES.put("ImportTorchvisionWeights", ImportTorchvisionWeights::main);
        EXAMPLES.put("ReadDataset", ReadDataset::main);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The example to run.")
    String name;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "Arguments for the example.")
    List<String> args = List.of();

    @Override
    public Integer call() throws Exception {
        Example e = EXAMPLES.get(name);
        Cli.require(spec, e != null, "Unknown example '" + name + "'; available: " + EXAMPLES.keySet());
        e.main(args.toArray(new String[0]));
        return 0;
    }
}
