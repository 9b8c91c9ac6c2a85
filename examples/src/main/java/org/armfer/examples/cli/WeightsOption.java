package org.armfer.examples.cli;

import org.armfer.zoo.PretrainedWeights;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --weights} accepts: a state dict file ({@code .npz}, {@code .pth} or {@code .pt}, read by
 * {@link org.armfer.zoo.TorchWeights}), or a registered pretrained variant by its id
 * ({@code torchvision-resnet18-imagenet}) or torch.hub file name ({@code resnet18-f37072fd.pth}), which the weight
 * cache provides (downloaded once, SHA-256 checked).
 */
final class WeightsOption {

    private WeightsOption() {
    }

    /** The local file {@code value} names; an unknown name is a usage error (exit 2), a failed download exit 1. */
    static Path resolve(CommandLine.Model.CommandSpec spec, String value) throws IOException {
        check(spec, value);
        Path p = Path.of(value);
        if (Files.isRegularFile(p)) {
            return p.toAbsolutePath();
        }
        return PretrainedWeights.find(value).orElseThrow().fetch().toAbsolutePath();
    }

    /** A usage error unless {@code value} is a file or a registered name (nothing is downloaded). */
    static void check(CommandLine.Model.CommandSpec spec, String value) {
        if (Files.isRegularFile(Path.of(value)) || PretrainedWeights.find(value).isPresent()) {
            return;
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--weights " + Cli.shown(value) + " is neither a file"
                + " (.npz, .pth or .pt state dict) nor a registered pretrained name " + PretrainedWeights.ids() + " or file name "
                + java.util.Arrays.stream(PretrainedWeights.values()).map(PretrainedWeights::fileName).toList());
    }

    /** The option's description. */
    static final String DESCRIPTION = "Backbone weights to start from: a torchvision state dict (.pth, .pt or .npz), or a"
            + " registered pretrained name such as torchvision-resnet18-imagenet (or its torch.hub file name"
            + " resnet18-f37072fd.pth), downloaded once to ~/.armfer/weights (-Darmfer.weights.dir or ARMFER_WEIGHTS to"
            + " change) and checked against its SHA-256.";
}
