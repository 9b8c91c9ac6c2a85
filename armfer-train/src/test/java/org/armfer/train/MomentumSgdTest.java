package org.armfer.train;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MomentumSgd} with coupled weight decay is PyTorch's {@code SGD(momentum=0.9, weight_decay)} (the RARN
 * recipe's optimiser) on the small ARM network of {@link CoupledWeightDecayTest}; DL4J's Nesterovs is not. The
 * schedules the seed recipes use match PyTorch's closed forms.
 */
class MomentumSgdTest {

    @Test
    void coupledMomentumSgdIsPyTorchsSgdWithMomentum(@TempDir Path dir) throws Exception {
        CoupledWeightDecayTest.Reference ref = CoupledWeightDecayTest.pyTorch(dir, "sgd-momentum");
        double lr = CoupledWeightDecayTest.LR, wd = CoupledWeightDecayTest.WD;
        ComputationGraphConfiguration conf = WeightDecayMode.COUPLED.apply(
                CoupledWeightDecayTest.small(new MomentumSgd(lr, 0.9)), wd);
        Map.Entry<String, Double> d = CoupledWeightDecayTest.trainOnce(conf, ref);
        assertTrue(d.getValue() <= CoupledWeightDecayTest.TOLERANCE, "5 SGD(momentum 0.9) steps: max |difference| "
                + d.getValue() + " in " + d.getKey());
        Map.Entry<String, Double> nesterov = CoupledWeightDecayTest.trainOnce(WeightDecayMode.COUPLED.apply(
                CoupledWeightDecayTest.small(new Nesterovs(lr, 0.9)), wd), ref);
        assertTrue(nesterov.getValue() > 20 * CoupledWeightDecayTest.TOLERANCE, "DL4J's Nesterovs must differ: " + nesterov);

        // the configuration and the momentum state survive a save and load, and training goes on the same
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        net.fit(ref.batch());
        Path zip = dir.resolve("m.zip");
        ModelSerializer.writeModel(net, zip.toFile(), true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(zip.toFile(), true);
        assertEquals(net.getConfiguration().toJson(), back.getConfiguration().toJson());
        net.fit(ref.batch());
        back.fit(ref.batch());
        assertEquals(net.params(), back.params(), "the velocity was saved with the updater state");
    }

    @Test
    void schedulesFollowPyTorchsClosedForms() {
        CosineSchedule cos = new CosineSchedule(1e-3, 100);
        assertEquals(1e-3, cos.valueAt(0, 0), 1e-15);
        assertEquals(0.5e-3, cos.valueAt(0, 50), 1e-15);
        assertEquals(1e-3 * (1 + Math.cos(Math.PI * 99 / 100)) / 2, cos.valueAt(7, 99), 1e-15);
        assertEquals(cos, CosineSchedule.class.cast(cos.clone()));
        Recipe rarn = Recipes.get("rarn-fer2013");
        assertEquals(0.01, rarn.learningRate(0), 1e-12);
        assertEquals(0.01, rarn.learningRate(2), 1e-12, "StepLR(3, 0.9): unchanged in epochs 0-2");
        assertEquals(0.009, rarn.learningRate(3), 1e-12);
        assertEquals(0.01 * 0.9 * 0.9, rarn.learningRate(8), 1e-12);
        assertEquals(new StepSchedule(ScheduleType.EPOCH, 0.01, 0.9, 3).valueAt(0, 8), rarn.learningRate(8), 1e-15);
        assertTrue(rarn.updater() instanceof MomentumSgd m && m.getMomentum() == 0.9, rarn.updater().toString());
        Recipe despam = Recipes.get("despam-rafdb");
        assertEquals(5e-4, despam.learningRate(50), 1e-12, "cosine over the recipe's 100 epochs");
        assertEquals(WeightDecayMode.DECOUPLED, despam.weightDecayMode(), "AdamW's decay is decoupled");
        assertThrows(IllegalArgumentException.class, () -> despam.with(Map.of("weightDecayMode", "COUPLED")),
                "adamw with coupled decay is adam");
        assertThrows(IllegalArgumentException.class, () -> new MomentumSgd(0.1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new MomentumSgd(Double.POSITIVE_INFINITY, 0.9));
    }
}
