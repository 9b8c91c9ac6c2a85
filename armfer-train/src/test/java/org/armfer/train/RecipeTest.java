package org.armfer.train;

import org.armfer.datavec.Augmentation;
import org.armfer.datavec.FerDataset;
import org.armfer.zoo.FerModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recipes as data: their values, JSON, overrides, the dataset defaults, and the decoupled mode being the zoo's. */
class RecipeTest {

    @Test
    void thePaperRecipesAreTheReferenceTraining() {
        for (String name : List.of("paper-rafdb", "paper-affectnet7", "paper-affectnet8", "paper-fer2013")) {
            Recipe r = Recipes.get(name);
            String at = name + ": " + r;
            assertEquals("resnet18-arm", r.model(), at);
            assertEquals(224, r.inputSize(), at);
            assertEquals("adam", r.optimizer(), at);
            assertEquals(1e-3, r.learningRate(), 0, at);
            assertEquals("exponential", r.lrSchedule(), at);
            assertEquals(1e-4, r.weightDecay(), 0, at);
            assertEquals(WeightDecayMode.COUPLED, r.weightDecayMode(), at);
            assertEquals(70, r.epochs(), at);
            assertEquals(256, r.batchSize(), at);
            assertEquals(Augmentation.Policy.REFERENCE, r.augmentation(), at);
            assertTrue(r.pretrained(), at);
            boolean affectNet = name.contains("affectnet");
            assertEquals(affectNet ? 0.78 : 0.9, r.lrDecay(), 0, "paper 4.4: 0.78 with MRR on AffectNet; " + at);
            assertEquals(affectNet, r.mrr(), at);
        }
        Recipe demo = Recipes.get("demo");
        assertEquals(48, demo.inputSize());
        assertTrue(!demo.pretrained());
        assertEquals(Recipes.get("paper-rafdb"), Recipes.defaultFor(FerDataset.RAFDB));
        assertEquals(Recipes.get("paper-affectnet8"), Recipes.defaultFor(FerDataset.AFFECTNET8));
        assertEquals(Recipes.get("paper-fer2013"), Recipes.defaultFor(FerDataset.FERPLUS));
        assertEquals(demo, Recipes.defaultFor(FerDataset.DEMO));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipes.get("paper-imagenet"));
        assertTrue(e.getMessage().contains("paper-affectnet7"), e.getMessage());
    }

    @Test
    void recipesRoundTripThroughJsonAndScheduleTheLearningRatePerEpoch() throws Exception {
        for (Recipe r : Recipes.all()) {
            assertEquals(r, Json.MAPPER.readValue(Json.write(r), Recipe.class), r.name());
        }
        Recipe r = Recipes.get("paper-affectnet8");
        assertEquals(1e-3, r.learningRate(0), 1e-15);
        assertEquals(1e-3 * 0.78 * 0.78, r.learningRate(2), 1e-15, "ExponentialLR stepped per epoch");
        Adam adam = (Adam) r.updater();
        assertEquals(1e-3 * 0.78, adam.getLearningRate(12345, 1), 1e-15, "by epoch, not by iteration");
        assertEquals(0.9, adam.getBeta1(), 0);
        assertEquals(0.999, adam.getBeta2(), 0);
        assertEquals(1e-8, adam.getEpsilon(), 0, "PyTorch's Adam defaults");
    }

    @Test
    void overridesAreCheckedAndRecorded() {
        Recipe base = Recipes.get("paper-rafdb");
        Recipe r = base.with(Map.of("batchSize", 32, "epochs", 5, "augmentation", Augmentation.Policy.NONE));
        assertEquals(32, r.batchSize());
        assertEquals("paper-rafdb", r.name(), "the name stays: config.json records the overrides");
        assertEquals(List.of("epochs", "batchSize", "augmentation"), List.copyOf(Recipe.differences(base, r).keySet()));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("batch", 32)));
        assertTrue(unknown.getMessage().contains("batchSize"), unknown.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("accumulate", 3)));
        assertTrue(bad.getMessage().contains("accumulate = 3") && bad.getMessage().contains("256"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("learningRate", Double.POSITIVE_INFINITY)));
        assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("model", "vgg16")));
        assertEquals(32, base.with(Map.of("accumulate", 8)).microBatch(), "256 in micro-batches of 32");

        TrainConfig c = new TrainConfig();
        c.data.dataset = "rafdb";
        c.resolve(null, Map.of("batchSize", 32, "epochs", 70));
        assertEquals(Map.of("batchSize", 32), c.overrides, "epochs 70 is the recipe's own value: not an override");
        assertTrue(c.describeRecipe().startsWith("recipe paper-rafdb (overridden: batchSize 256 -> 32)"), c.describeRecipe());
        assertEquals(224, c.model.inputSize);
    }

    @Test
    void decoupledModeIsTheZoosOwnWeightDecay() {
        ComputationGraphConfiguration zoo = FerModels.builder("resnet18-arm").numClasses(7).inputSize(48).weightDecay(1e-4)
                .build().conf();
        ComputationGraphConfiguration mode = WeightDecayMode.DECOUPLED.apply(FerModels.builder("resnet18-arm").numClasses(7)
                .inputSize(48).weightDecay(0).build().conf(), 1e-4);
        int compared = 0;
        for (Map.Entry<String, GraphVertex> e : zoo.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) continue;
            Layer a = lv.getLayerConf().getLayer();
            Layer b = ((LayerVertex) mode.getVertices().get(e.getKey())).getLayerConf().getLayer();
            assertEquals(regularization(a, true), regularization(b, true), e.getKey() + " weights");
            assertEquals(regularization(a, false), regularization(b, false), e.getKey() + " biases");
            compared++;
        }
        assertTrue(compared > 40, "every layer: " + compared);
    }

    /** A layer's weight (or bias) regularization as text, empty when it has none. */
    private static String regularization(Layer l, boolean weights) {
        List<Regularization> r = l instanceof BaseLayer b ? (weights ? b.getRegularization() : b.getRegularizationBias())
                : l instanceof AbstractSameDiffLayer s ? (weights ? s.getRegularization() : s.getRegularizationBias()) : null;
        return r == null || r.isEmpty() ? "" : r.toString();
    }
}
