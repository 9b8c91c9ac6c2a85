package org.armfer.train;

import org.armfer.datavec.FerLabel;
import org.armfer.zoo.ResNet18Arm;
import org.armfer.zoo.TorchWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * A model from the ARM reference's PyTorch checkpoint (converted to {@code .npz}, see {@link TorchWeights}): the
 * reference's network, ResNet-18-ARM at 224x224, with its weights, the classifier rows in canonical order (see
 * {@link TorchWeights.ClassOrder}), SA's GAR as chosen ({@link TorchWeights.GarAfterImport}), and a card that feeds it
 * as the reference's test script does (224x224 RGB, ImageNet normalisation).
 */
public final class ReferenceImport {

    /** The reference's input side. */
    public static final int INPUT_SIZE = 224;

    private ReferenceImport() {
    }

    /**
     * @param numClasses  the classifier's width (7 for the reference's RAF-DB model)
     * @param calibration training images for {@link TorchWeights.GarAfterImport#CALIBRATE} (null for BATCH)
     */
    public static ModelFiles.Loaded load(Path npz, int numClasses, TorchWeights.ClassOrder order,
                                         TorchWeights.GarAfterImport gar, DataSetIterator calibration) throws IOException {
        ComputationGraph model = ResNet18Arm.builder().numClasses(numClasses).inputSize(INPUT_SIZE).build().init();
        TorchWeights.Report r = TorchWeights.loadReference(model, npz, order, gar, calibration);
        ModelCard card = new ModelCard();
        card.model = "resnet18-arm";
        card.labels = new ArrayList<>(FerLabel.names(numClasses));
        card.channels = 3;
        card.height = INPUT_SIZE;
        card.width = INPUT_SIZE;
        card.weights = npz.toString();
        card.validation = "imported from " + npz + " (class order " + r.classOrder() + ", GAR " + gar + ")";
        card.validationWa = Double.NaN;
        card.validationUa = Double.NaN;
        return new ModelFiles.Loaded(model, card);
    }
}
