package org.armfer.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a saved armfer model needs besides its weights to be used correctly: its labels in output order, the input
 * it expects (images are preprocessed as datavec-fer's evaluation transform does: resize, /255, ImageNet mean/std),
 * and where it came from: the whole recipe it was trained with, how validation was drawn, and its validation and test
 * accuracies. Stored as a plain JSON entry of the model zip ({@value ModelFiles#CARD}) by the training library
 * ({@code armfer train}, {@code armfer-spark}); read by {@code evaluate} and {@code predict}.
 */
public final class ModelCard {
    public static final String KEY = ModelFiles.CARD;

    public String model;
    public String blocks;
    public String armConfig;
    public List<String> labels = new ArrayList<>();
    public int channels;
    public int height;
    public int width;
    /** Gray images are replicated to 3 channels (the paper's FER2013 setting). */
    public boolean grayToRgb;
    public String dataset;
    public long seed;
    public int epochs;
    /** The recipe the model was trained with (null in cards written before recipes). */
    public Recipe recipe;
    /** Where the validation numbers come from: "the dataset's validation split" or the hold-out. */
    public String validation;
    public double validationWa;
    public double validationUa;
    public Double testWa;
    public Double testUa;
    /** Backbone weights the training started from, or null. */
    public String weights;

    /** The card of a model trained with {@code config}. */
    public static ModelCard of(TrainConfig config, List<String> labels, String validationSource, Metrics validation, Metrics test) {
        ModelCard c = new ModelCard();
        c.model = config.model.model;
        c.blocks = config.model.blocks;
        c.armConfig = config.model.armJson;
        c.labels = new ArrayList<>(labels);
        c.channels = config.model.channels;
        c.height = config.model.inputSize;
        c.width = config.model.inputSize;
        c.grayToRgb = config.model.channels == 3 && config.data.dataset != null && config.data.dataset().nativeChannels() == 1;
        c.dataset = config.data.dataset;
        c.seed = config.model.seed;
        c.epochs = config.recipe.epochs();
        c.recipe = config.recipe;
        c.validation = validationSource;
        c.validationWa = validation.weightedAccuracy();
        c.validationUa = validation.unweightedAccuracy();
        if (test != null) {
            c.testWa = test.weightedAccuracy();
            c.testUa = test.unweightedAccuracy();
        }
        c.weights = config.weights;
        return c;
    }

    /** The card stored in a model zip written by the training library, or null for a plain DL4J model. */
    public static ModelCard readFrom(Path modelZip) throws IOException {
        String json = ModelFiles.readJson(modelZip, KEY);
        return json == null ? null : read(json);
    }

    public static ModelCard read(String json) {
        try {
            return Json.MAPPER.readValue(json, ModelCard.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("Bad model card (" + KEY + "): " + e.getMessage(), e);
        }
    }
}
