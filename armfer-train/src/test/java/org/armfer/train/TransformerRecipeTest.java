package org.armfer.train;

import org.armfer.datavec.Augmentation;
import org.armfer.layers.loss.LossPDLS;
import org.armfer.zoo.FerModel;
import org.armfer.zoo.FerModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 003's recipe as a training recipe ({@code vt-nr-ferplus}: Adam 1e-4, StepLR 15 x0.25, batch 64, 100 epochs, the
 * pipeline's F-PDLS α 0.8 γ 2), selected by name and by the -nr models' entries; the transformers built through
 * {@link ModelSpec} as the training library builds them (the recipe's updater, the weight-decay modes, the loss).
 */
class TransformerRecipeTest {

    @Test
    void vtNrFerplusResolvesToTheReferencesValues() {
        TrainConfig c = new TrainConfig();
        c.data.dataset = "ferplus";
        c.resolve("vt-nr-ferplus", Map.of());
        Recipe r = c.recipe;
        assertEquals("swin-b-nr-stn", r.model());
        assertEquals("swin-b-nr-stn", c.model.model, "the model spec takes the recipe's model");
        assertEquals(48, r.inputSize(), "FER+'s native side; the pipeline resizes to 224");
        assertEquals("adam", r.optimizer());
        assertEquals(1e-4, r.learningRate());
        assertEquals("step", r.lrSchedule());
        assertEquals(15, r.lrStep());
        assertEquals(0.25, r.lrDecay());
        assertEquals(64, r.batchSize());
        assertEquals(100, r.epochs());
        assertEquals(WeightDecayMode.NONE, r.weightDecayMode());
        assertEquals(0.0, r.weightDecay());
        assertEquals(Augmentation.Policy.VTNR, r.augmentation());
        assertEquals(1e-4, r.learningRate(14), 1e-15, "StepLR: 15 epochs at 1e-4");
        assertEquals(2.5e-5, r.learningRate(15), 1e-15);
        assertEquals(1e-4 * Math.pow(0.25, 6), r.learningRate(99), 1e-18);
        assertEquals(2.5e-5, ((Adam) r.updater()).getLearningRate(0, 15), 1e-15, "the updater carries the schedule");
        for (String nr : new String[]{"vit-b16-nr", "swin-t-nr", "swin-s-nr", "swin-b-nr", "swin-b-nr-stn", "vit-ti16-nr64"}) {
            assertEquals("vt-nr-ferplus", FerModels.entry(nr).recipe(), nr);
            Recipes.get(FerModels.entry(nr).recipe());
        }
        // the loss: the pipeline's own F-PDLS unless --loss says otherwise (FER+: 8 classes)
        c.model.updater = r.updater();
        LossPDLS own = assertInstanceOf(LossPDLS.class, outputLoss(c.model.build(8)));
        assertEquals(0.8, own.getAlpha());
        assertEquals(2.0, own.getGamma());
        c.model.loss = "ce";
        assertInstanceOf(LossMCXENT.class, outputLoss(c.model.build(8)), "--loss ce is cross-entropy");
    }

    @Test
    void modelSpecPutsTheRecipesUpdaterAndWeightDecayModeIntoATransformer() {
        TrainConfig c = new TrainConfig();
        c.data.dataset = "demo";
        c.resolve(null, Map.of("model", "vit-ti16", "inputSize", 48, "weightDecay", 0.05, "weightDecayMode", "COUPLED"));
        ModelSpec m = c.model;
        m.updater = c.recipe.updater();
        m.weightDecay = 0;
        FerModel zoo = m.build(7);
        assertEquals("vit-ti16", zoo.modelName());
        ComputationGraphConfiguration conf = c.recipe.weightDecayMode().apply(zoo.conf(), c.recipe.weightDecay());
        org.armfer.layers.transformer.TokenLayer block = (org.armfer.layers.transformer.TokenLayer) ((LayerVertex) conf
                .getVertices().get("encoder.layers.encoder_layer_0")).getLayerConf().getLayer();
        assertEquals(1e-3, ((Adam) block.getUpdater()).getLearningRate(0, 0), 1e-15, "the demo recipe's Adam");
        // coupled: PyTorch's Adam(weight_decay) on every parameter, LayerNorms and biases included
        assertEquals(1, block.getRegularization().size());
        assertEquals(1, block.getRegularizationBias().size());
        assertTrue(block.getRegularizationBias().get(0) instanceof org.nd4j.linalg.learning.regularization.L2Regularization);
        ComputationGraphConfiguration decoupled = WeightDecayMode.DECOUPLED.apply(zoo.conf(), 0.05);
        block = (org.armfer.layers.transformer.TokenLayer) ((LayerVertex) decoupled.getVertices()
                .get("encoder.layers.encoder_layer_0")).getLayerConf().getLayer();
        assertTrue(block.getRegularization().get(0) instanceof org.nd4j.linalg.learning.regularization.WeightDecay);
        assertTrue(block.getRegularizationBias().isEmpty(), "decoupled: weight matrices only");
        m.kernelSize = 5;
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.build(7));
        assertTrue(e.getMessage().contains("vit-ti16 has no ARM"), e.getMessage());
        assertFalse(e.getMessage().contains("null"), e.getMessage());
    }

    private static org.nd4j.linalg.lossfunctions.ILossFunction outputLoss(FerModel m) {
        ComputationGraphConfiguration conf = m.conf();
        return ((BaseOutputLayer) ((LayerVertex) conf.getVertices().get(conf.getNetworkOutputs().get(0))).getLayerConf()
                .getLayer()).getLossFn();
    }
}
