package org.armfer.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One model of the registry ({@link FerModels}): its name (equal to the built model's {@link FerModel#modelName()}),
 * a one-line description, its default input side, the smallest side it takes, the name of its reference training
 * recipe ({@link ReferenceRecipes}, or null), the factory that builds it initialised for
 * {@code (numClasses, inputSize)}, and the builder that presets it for changes. Models that armfer builds itself
 * register their builder ({@link #ofBuilder}); models built elsewhere register a factory ({@link #ofFactory}) and get a
 * generic builder ({@link FactoryModel}) that can change their training settings.
 *
 * @param name             registry key: lower case, no spaces ({@code resnet152-rarn})
 * @param description      one line
 * @param defaultInputSize the square input side the model is built for unless told otherwise
 * @param minInputSize     the smallest square input side its architecture takes (1 when any)
 * @param recipe           the name of its reference training recipe ({@link ReferenceRecipes#get}), or null
 * @param factory          {@code (numClasses, inputSize) -> initialised graph}
 * @param builder          a fresh builder preset for the model, named {@code name}
 */
public record ModelEntry(String name, String description, int defaultInputSize, int minInputSize, String recipe,
                         GraphFactory factory, Supplier<? extends FerModel.Builder<?>> builder) {

    public ModelEntry {
        if (name == null || !name.equals(name.strip().toLowerCase(Locale.ROOT)) || name.isEmpty() || name.contains(" ")) {
            throw new IllegalArgumentException("A model name is lower case without spaces, got '" + name + "'");
        }
        if (description == null || description.isBlank() || description.contains("\n")) {
            throw new IllegalArgumentException(name + ": the description is one line, got '" + description + "'");
        }
        if (defaultInputSize < 1 || minInputSize < 1 || minInputSize > defaultInputSize) {
            throw new IllegalArgumentException(name + ": need 1 <= minInputSize <= defaultInputSize, got " + minInputSize
                    + " and " + defaultInputSize);
        }
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(builder, "builder");
    }

    /**
     * A model armfer builds: {@code builder} presets it (a fresh builder per call); the factory is
     * {@code builder.numClasses(n).inputSize(s).build().init()}.
     */
    public static ModelEntry ofBuilder(String name, String description, int defaultInputSize,
                                       Supplier<? extends FerModel.Builder<?>> builder) {
        Supplier<FerModel.Builder<?>> named = () -> builder.get().name(name);
        return new ModelEntry(name, description, defaultInputSize, 1, null,
                (numClasses, inputSize) -> named.get().numClasses(numClasses).inputSize(inputSize).build().init(), named);
    }

    /**
     * A model built elsewhere by {@code factory}; its builder ({@link FactoryModel.Builder}) sets the number of classes,
     * the input side and, by rewriting the built configuration, the seed, updater, weight decay and loss.
     */
    public static ModelEntry ofFactory(String name, String description, int defaultInputSize, GraphFactory factory) {
        return new ModelEntry(name, description, defaultInputSize, 1, null, factory,
                () -> FactoryModel.builder(name, factory, defaultInputSize));
    }

    /** This entry with the smallest input side its architecture takes. */
    public ModelEntry withMinInputSize(int side) {
        return new ModelEntry(name, description, defaultInputSize, side, recipe, factory, builder);
    }

    /** This entry with its reference training recipe's name. */
    public ModelEntry withRecipe(String recipeName) {
        return new ModelEntry(name, description, defaultInputSize, minInputSize, recipeName, factory, builder);
    }

    /** A fresh builder preset for this model. */
    public FerModel.Builder<?> newBuilder() {
        return builder.get();
    }

    /**
     * The initialised model for {@code numClasses} and a square {@code inputSize}.
     *
     * @throws IllegalArgumentException for a side below {@link #minInputSize()}, or classes below 1
     */
    public ComputationGraph init(int numClasses, int inputSize) {
        if (numClasses < 1) {
            throw new IllegalArgumentException(name + ": numClasses must be > 0, got " + numClasses);
        }
        if (inputSize < minInputSize) {
            throw new IllegalArgumentException(name + ": input side " + inputSize + " is below the smallest it takes, "
                    + minInputSize);
        }
        return factory.create(numClasses, inputSize);
    }
}
