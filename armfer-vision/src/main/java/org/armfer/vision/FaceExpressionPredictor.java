package org.armfer.vision;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Facial expressions of every face in images or video frames: each image goes through the {@link FaceDetector},
 * each face is cropped square with a margin ({@link FaceCrops}) and preprocessed as the model was trained
 * ({@link ModelInput}), and all faces of all images given together go through the network in one forward pass (in
 * chunks of {@code maxBatch}). Without a detector ({@link Builder#wholeImage()}) each image is taken as one aligned
 * face crop, resized as a whole, which is what FER datasets' images are.
 * <p>
 * One forward pass for many faces gives each face the probabilities it would get alone only if the model's
 * predictions do not depend on the batch: true for ordinary CNNs and for ARM with {@code GarMode.RUNNING} (armfer's
 * default), not for ARM in {@code GarMode.BATCH} (the reference implementation's behaviour), where every face would
 * move the others' predictions. Not thread-safe (a ComputationGraph is not).
 */
public final class FaceExpressionPredictor {

    private final ComputationGraph model;
    private final List<String> labels;
    private final ModelInput input;
    private final FaceDetector detector;
    private final double margin;
    private final int maxBatch;
    private final java.util.function.UnaryOperator<INDArray> forward;
    private final String engine;

    private FaceExpressionPredictor(Builder b) {
        this.model = b.model;
        this.labels = List.copyOf(b.labels);
        this.input = b.input;
        this.detector = b.detector;
        this.margin = b.margin;
        this.maxBatch = b.maxBatch;
        this.forward = b.forward != null ? b.forward : x -> model.outputSingle(false, x);
        this.engine = b.forward != null ? b.engine : "DL4J (ComputationGraph.outputSingle)";
    }

    /** A predictor for {@code model}, whose outputs are {@code labels} in order and whose input was made as {@code input}. */
    public static Builder builder(ComputationGraph model, List<String> labels, ModelInput input) {
        return new Builder(model, labels, input);
    }

    public List<String> labels() {
        return labels;
    }

    public ModelInput input() {
        return input;
    }

    /** The detector, or null when whole images are taken as faces. */
    public FaceDetector detector() {
        return detector;
    }

    public double margin() {
        return margin;
    }

    /** What runs the network, for result files: DL4J's {@code outputSingle} unless {@link Builder#forward} replaced it. */
    public String describeEngine() {
        return engine;
    }

    /** What finds the faces, for result files: the detector's description, or {@code "none (whole image)"}. */
    public String describeDetector() {
        return detector == null ? "none (whole image)" : detector.describe();
    }

    /** The faces of one image with their expressions. */
    public ImagePrediction predict(BufferedImage image) {
        return predict(List.of(image)).get(0);
    }

    /** The faces of each image with their expressions, all faces in one forward pass (chunks of maxBatch). */
    public List<ImagePrediction> predict(List<BufferedImage> images) {
        List<List<FaceBox>> boxes = new ArrayList<>();
        List<List<Rectangle>> crops = new ArrayList<>();
        List<INDArray> inputs = new ArrayList<>();
        for (BufferedImage img : images) {
            List<FaceBox> found = detector == null ? List.of(FaceBox.whole(img.getWidth(), img.getHeight())) : detector.detect(img);
            List<Rectangle> rects = new ArrayList<>();
            for (FaceBox f : found) {
                if (detector == null) {
                    rects.add(f.rectangle());
                    inputs.add(input.toInput(img));
                } else {
                    Rectangle r = FaceCrops.square(f, margin, img.getWidth(), img.getHeight());
                    rects.add(r);
                    inputs.add(input.toInput(FaceCrops.crop(img, r)));
                }
            }
            boxes.add(found);
            crops.add(rects);
        }
        double[][] probs = classify(inputs);
        List<ImagePrediction> out = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < images.size(); i++) {
            List<FacePrediction> faces = new ArrayList<>();
            for (int f = 0; f < boxes.get(i).size(); f++) {
                faces.add(new FacePrediction(boxes.get(i).get(f), crops.get(i).get(f), labels, probs[k++]));
            }
            out.add(new ImagePrediction(images.get(i).getWidth(), images.get(i).getHeight(), faces));
        }
        return out;
    }

    /**
     * Class probabilities for preprocessed inputs ({@code [1, C, S, S]} each), in chunks of maxBatch.
     *
     * @throws IllegalStateException when the model gives NaN or infinite outputs (broken weights): never a NaN result
     */
    public double[][] classify(List<INDArray> inputs) {
        double[][] out = new double[inputs.size()][];
        for (int from = 0; from < inputs.size(); from += maxBatch) {
            int to = Math.min(inputs.size(), from + maxBatch);
            INDArray batch = Nd4j.concat(0, inputs.subList(from, to).toArray(new INDArray[0]));
            INDArray p;
            try {
                p = forward.apply(batch).castTo(DataType.DOUBLE);
            } catch (RuntimeException e) {
                throw new IllegalStateException("The model does not take " + input + " inputs (" + e.getMessage() + ")", e);
            }
            if (p.rank() != 2 || p.size(1) != labels.size()) {
                throw new IllegalStateException("The model's output has shape " + java.util.Arrays.toString(p.shape()) + "; "
                        + labels.size() + " class probabilities " + labels + " were expected");
            }
            for (int i = from; i < to; i++) {
                double[] row = p.getRow(i - from).toDoubleVector();
                for (double v : row) {
                    if (!Double.isFinite(v)) {
                        throw new IllegalStateException("The model gave " + v + " for face " + (i + 1) + " of " + inputs.size()
                                + ": its weights hold NaN or infinite values; retrain or reload the model");
                    }
                }
                out[i] = row;
            }
        }
        return out;
    }

    /** Settings; see {@link FaceExpressionPredictor}. */
    public static final class Builder {
        private final ComputationGraph model;
        private final List<String> labels;
        private final ModelInput input;
        private FaceDetector detector;
        private boolean whole;
        private double margin = 0.1;
        private int maxBatch = 32;
        private java.util.function.UnaryOperator<INDArray> forward;
        private String engine;

        private Builder(ComputationGraph model, List<String> labels, ModelInput input) {
            if (model == null || labels == null || labels.isEmpty() || input == null) {
                throw new IllegalArgumentException("a model, its labels and its input are needed");
            }
            this.model = model;
            this.labels = labels;
            this.input = input;
        }

        /** The face detector (required unless {@link #wholeImage()}). */
        public Builder detector(FaceDetector detector) {
            this.detector = detector;
            this.whole = false;
            return this;
        }

        /** No detection: every image is one face crop, resized whole (for aligned datasets' images). */
        public Builder wholeImage() {
            this.detector = null;
            this.whole = true;
            return this;
        }

        /** Margin around the face box on each side, as a fraction of its longer side, in [0, 2] (default 0.1). */
        public Builder margin(double margin) {
            if (!(margin >= 0) || margin > 2) {
                throw new IllegalArgumentException("margin must be in [0, 2] (a fraction of the face box); got " + margin);
            }
            this.margin = margin;
            return this;
        }

        /** Most faces in one forward pass, >= 1 (default 32). */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be >= 1; got " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * What computes the model's output for a batch of faces instead of {@code model.outputSingle(false, x)}: an
         * inference path that returns what the model would (for example {@code OneDnnInference.of(model)::output} from
         * dl4j-arm-fast); {@code description} names it in result files.
         */
        public Builder forward(java.util.function.UnaryOperator<INDArray> forward, String description) {
            if (forward == null || description == null || description.isBlank()) {
                throw new IllegalArgumentException("a forward function and its description are needed");
            }
            this.forward = forward;
            this.engine = description;
            return this;
        }

        public FaceExpressionPredictor build() {
            if (detector == null && !whole) {
                throw new IllegalArgumentException("Give a face detector, or wholeImage() for aligned face crops");
            }
            return new FaceExpressionPredictor(this);
        }
    }
}
