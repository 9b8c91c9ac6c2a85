package org.armfer.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a training run was started with: written as the run's {@code config.json} before the first epoch and
 * read back by {@code --resume}, so a resumed run continues with exactly the settings it began with.
 */
public final class TrainConfig {
    /** The resolved recipe: the named one with {@link #overrides} applied. Null until resolved. */
    public Recipe recipe;
    /** The fields of the named recipe that were changed (by command-line flags): field -> the value given. */
    public Map<String, Object> overrides = new LinkedHashMap<>();
    /** The model's architecture; its model name and input size are the recipe's. */
    public ModelSpec model = new ModelSpec();
    public DataSpec data = new DataSpec();
    /** Torchvision backbone weights (.npz) loaded before training, or null. */
    public String weights;
    /** Which examples formed each split (filled in when the run starts). */
    public DataSpec.SplitRecord splits;
    public String armferVersion;

    /**
     * Resolves the recipe: {@code named} (null: the dataset's default, {@link Recipes#defaultFor}) with
     * {@code overrides} applied, and copies the model name and input size into {@link #model}.
     *
     * @throws IllegalArgumentException for an unknown recipe or field, or a value out of range
     */
    public TrainConfig resolve(String named, Map<String, ?> overrides) {
        Recipe base = named == null ? Recipes.defaultFor(data.dataset()) : Recipes.get(named);
        Recipe r = base.with(overrides);
        this.recipe = r;
        this.overrides = new LinkedHashMap<>();
        Recipe.differences(base, r).forEach((f, v) -> this.overrides.put(f, overrides.get(f)));
        model.model = r.model();
        model.inputSize = r.inputSize();
        return this;
    }

    /**
     * Checks the settings as a new run's options are checked (what {@code config.json} read back must pass, so that a
     * file edited by hand or written by something else cannot carry NaN, infinity or an out-of-range value into a run).
     *
     * @throws IllegalArgumentException naming the field, the value and what is allowed
     */
    public void check() {
        if (recipe == null || model == null || data == null) {
            throw new IllegalArgumentException("the configuration lacks its " + (recipe == null ? "recipe" : model == null
                    ? "model" : "data") + " settings");
        }
        recipe.checked();
        data.dataset();
        require(data.maxBatches >= 0, "data.maxBatches", data.maxBatches, ">= 0");
        model.check();
        require(model.channels == 1 || model.channels == 3, "model.channels", model.channels, "1 or 3");
        require(model.loss == null || ModelSpec.LOSSES.contains(model.loss.toLowerCase(java.util.Locale.ROOT)), "model.loss",
                model.loss, ModelSpec.LOSSES.toString());
        require(model.kernelSize == null || model.kernelSize >= 1, "model.kernelSize", model.kernelSize, ">= 1");
        require(model.stride == null || model.stride >= 1, "model.stride", model.stride, ">= 1");
        require(model.lambda == null || (Double.isFinite(model.lambda) && model.lambda >= 0), "model.lambda", model.lambda,
                "a finite number >= 0");
        if (model.armJson != null) {
            org.armfer.layers.ArmModule arm = org.armfer.layers.ArmModule.fromJson(model.armJson);
            require(arm.getLambda() >= 0, "model.armJson lambda", arm.getLambda(), "a finite number >= 0");
        }
    }

    private static void require(boolean ok, String field, Object value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(field + " = " + value + " is not allowed; allowed: " + allowed);
        }
    }

    /** "recipe paper-rafdb" plus ", overridden: batchSize 256 -> 32, epochs 70 -> 5" where fields were changed. */
    public String describeRecipe() {
        Recipe base = Recipes.get(recipe.name());
        Map<String, String[]> diff = Recipe.differences(base, recipe);
        StringBuilder sb = new StringBuilder("recipe ").append(recipe.name());
        if (!diff.isEmpty()) {
            sb.append(" (overridden: ");
            String sep = "";
            for (Map.Entry<String, String[]> e : diff.entrySet()) {
                sb.append(sep).append(e.getKey()).append(' ').append(e.getValue()[0]).append(" -> ").append(e.getValue()[1]);
                sep = ", ";
            }
            sb.append(')');
        }
        return sb.append(": ").append(recipe.summary()).toString();
    }
}
