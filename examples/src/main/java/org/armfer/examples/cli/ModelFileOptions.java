package org.armfer.examples.cli;

import org.armfer.datavec.FerDataset;
import org.armfer.datavec.Split;
import org.armfer.train.DataSpec;
import org.armfer.train.ModelFiles;
import org.armfer.train.ReferenceImport;
import org.armfer.zoo.TorchWeights;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which model {@code evaluate} and {@code predict} use: a model file written by armfer's training library
 * ({@code --model-file}), or the ARM reference's PyTorch checkpoint converted to .npz ({@code --weights}), with the
 * choice of what SA's GAR is after the import ({@code --gar batch|calibrate}) and the checkpoint's class order.
 */
public final class ModelFileOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--model-file", paramLabel = "ZIP", description = "A model.zip written by 'armfer train' or 'armfer-spark'.")
    Path modelFile;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Instead: the ARM reference's checkpoint (its .pth as saved, or .npz; README, section Pretrained weights), into ResNet-18-ARM at 224x224.")
    Path weights;

    @Option(names = "--gar", paramLabel = "MODE",
            description = "With --weights: batch (SA takes GAR from each batch, as the reference does: predictions depend on the batch) or"
                    + " calibrate (GAR averaged over training images: batch-independent predictions).")
    String gar;

    @Option(names = "--class-order", defaultValue = "auto", paramLabel = "ORDER",
            description = "With --weights: the checkpoint's class order, auto (the reference's RAF-DB order for its key set), reference or canonical (default: ${DEFAULT-VALUE}).")
    String classOrder;

    @Option(names = "--classes", defaultValue = "7", paramLabel = "N", description = "With --weights: classes of the checkpoint (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--calibration-dataset", paramLabel = "NAME",
            description = "With --gar calibrate: the dataset whose training images calibrate GAR (evaluate: default its --dataset).")
    String calibrationDataset;

    @Option(names = "--calibration-root", paramLabel = "DIR", description = "With --gar calibrate: that dataset's folder.")
    String calibrationRoot;

    /** The model file, or the reference checkpoint and how its GAR is set, for result headers. */
    String describe() {
        return modelFile != null ? modelFile.toString() : weights + " (ARM reference checkpoint, --gar " + gar + ")";
    }

    /**
     * The model and its card.
     *
     * @param dataDefault the dataset calibration falls back to (evaluate's --dataset), or null
     */
    /** The usage checks of {@link #load} alone (which options go together), before anything is read or written. */
    void check() {
        CommandLine cl = mixee.commandLine();
        if ((modelFile == null) == (weights == null)) {
            throw new CommandLine.ParameterException(cl, "give either --model-file ZIP (a model written by armfer) or --weights FILE"
                    + " (the ARM reference's checkpoint)");
        }
        if (modelFile != null && (gar != null || calibrationDataset != null || calibrationRoot != null)) {
            throw new CommandLine.ParameterException(cl, "--gar and --calibration-* go with --weights: a model file has its running GAR");
        }
        if (weights != null && gar == null) {
            throw new CommandLine.ParameterException(cl, "--weights needs --gar batch or --gar calibrate: the reference checkpoint has"
                    + " no running GAR (batch: SA takes GAR from each batch, as the reference; calibrate: GAR averaged over training"
                    + " images, predictions independent of the batch)");
        }
        if (gar != null && !gar.equalsIgnoreCase("batch") && !gar.equalsIgnoreCase("calibrate")) {
            throw new CommandLine.ParameterException(cl, "--gar must be batch or calibrate; got " + Cli.shown(gar));
        }
    }

    ModelFiles.Loaded load(DataSpec dataDefault) throws IOException {
        CommandLine cl = mixee.commandLine();
        check();
        if (modelFile != null) {
            return ModelFiles.loadWithCard(modelFile);
        }
        if (gar == null) {
            throw new CommandLine.ParameterException(cl, "--weights needs --gar batch or --gar calibrate: the reference checkpoint has"
                    + " no running GAR (batch: SA takes GAR from each batch, as the reference; calibrate: GAR averaged over training"
                    + " images, predictions independent of the batch)");
        }
        TorchWeights.GarAfterImport g = switch (gar.toLowerCase(Locale.ROOT)) {
            case "batch" -> TorchWeights.GarAfterImport.BATCH;
            case "calibrate" -> TorchWeights.GarAfterImport.CALIBRATE;
            default -> throw new CommandLine.ParameterException(cl, "--gar must be batch or calibrate; got " + gar);
        };
        TorchWeights.ClassOrder order = switch (classOrder.toLowerCase(Locale.ROOT)) {
            case "auto" -> TorchWeights.ClassOrder.AUTO;
            case "reference" -> TorchWeights.ClassOrder.REFERENCE_RAF;
            case "canonical" -> TorchWeights.ClassOrder.CANONICAL;
            default -> throw new CommandLine.ParameterException(cl, "--class-order must be auto, reference or canonical; got "
                    + Cli.shown(classOrder));
        };
        if (classes != 7 && classes != 8) {
            throw new CommandLine.ParameterException(cl, "--classes must be 7 or 8; got " + classes);
        }
        org.nd4j.linalg.dataset.api.iterator.DataSetIterator calibration = null;
        if (g == TorchWeights.GarAfterImport.CALIBRATE) {
            DataSpec d;
            if (calibrationDataset != null) {
                d = new DataSpec();
                try {
                    FerDataset.parse(calibrationDataset);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cl, "--calibration-dataset: " + e.getMessage(), e);
                }
                d.dataset = calibrationDataset;
                d.root = calibrationRoot;
            } else if (dataDefault != null) {
                d = dataDefault;
            } else {
                throw new CommandLine.ParameterException(cl, "--gar calibrate needs training images: --calibration-dataset NAME"
                        + " --calibration-root DIR");
            }
            calibration = d.iterator(Split.TRAIN, 32, ReferenceImport.INPUT_SIZE, 3);
        } else if (calibrationDataset != null || calibrationRoot != null) {
            throw new CommandLine.ParameterException(cl, "--calibration-* go with --gar calibrate");
        }
        return ReferenceImport.load(weights, classes, order, g, calibration);
    }
}
