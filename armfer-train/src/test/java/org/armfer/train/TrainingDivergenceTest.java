package org.armfer.train;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A NaN or infinite loss or parameter stops training at once, naming the epoch and batch, and is never checkpointed. */
class TrainingDivergenceTest {

    private static ComputationGraph net(double lr) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(lr)).graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(6))
                .addLayer("dense", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "dense")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static List<DataSet> examples() {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.FLOAT, 24, 6).muli(10);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 24, 3);
        for (int i = 0; i < 24; i++) y.putScalar(i, i % 3, 1);
        return new DataSet(x, y).asList();
    }

    private static TrainingData data(List<DataSet> examples) {
        return new TrainingData() {
            @Override
            public List<String> labels() {
                return List.of("neutral", "happiness", "sadness");
            }

            @Override
            public DataSetIterator train(int epoch) {
                return new ListDataSetIterator<>(examples, 6);
            }

            @Override
            public DataSetIterator validation() {
                return new ListDataSetIterator<>(examples, 6);
            }
        };
    }

    @Test
    void anAbsurdLearningRateStopsTheEpochAtTheBatchThatWentNonFinite() {
        ComputationGraph g = net(1e30);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new LocalFitter(null, 1).fit(g, new ListDataSetIterator<>(examples(), 6), 2, 5));
        assertEquals(3, e.epoch(), e.getMessage());
        assertTrue(e.batch() >= 1 && e.batch() <= 4, e.getMessage());
        assertTrue(e.getMessage().startsWith("training diverged in epoch 3, batch " + e.batch() + ": ")
                && (e.getMessage().contains("the training loss is") || e.getMessage().contains("parameter "))
                && e.getMessage().contains("learning rate 1.0E30"), e.getMessage());
        // the same with gradient accumulation
        assertThrows(TrainingDivergedException.class,
                () -> new LocalFitter(null, 2).fit(net(1e30), new ListDataSetIterator<>(examples(), 3), 0, 1));
        // a sane rate trains through
        new LocalFitter(null, 1).fit(net(0.01), new ListDataSetIterator<>(examples(), 6), 0, 1);
    }

    @Test
    void aParameterThatTurnsNaNIsNamedAndTheLastGoodCheckpointIsKept(@TempDir Path dir) throws Exception {
        ComputationGraph g = net(0.01);
        LocalFitter local = new LocalFitter(null, 1);
        // epoch 1 trains normally; in epoch 2 one weight of the output layer becomes NaN after the fit
        EpochFitter fitter = (model, it, epoch, epochs) -> {
            EpochFitter.Fit fit = local.fit(model, it, epoch, epochs);
            if (epoch == 1) {
                model.getLayer("out").getParam("W").putScalar(0, 1, Float.NaN);
            }
            return fit;
        };
        Trainer trainer = Trainer.builder().data(data(examples())).checkpoints(dir).epochs(3).fitter(fitter).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.run(g, false, null, null));
        assertTrue(e.getMessage().contains("training diverged in epoch 2: parameter out_W holds 1 NaN and 0 infinite values")
                && e.getMessage().contains("the checkpoint of epoch 1 is kept in " + dir.resolve(Trainer.CHECKPOINT)), e.getMessage());
        assertEquals(2, e.epoch());
        Path cp = dir.resolve(Trainer.CHECKPOINT);
        Trainer.State state = Json.MAPPER.readValue(ModelFiles.readJson(cp, ModelFiles.STATE), Trainer.State.class);
        assertEquals(1, state.history.size(), "the checkpoint is epoch 1's");
        INDArray saved = ModelFiles.load(cp).params();
        assertTrue(Double.isFinite(saved.sumNumber().doubleValue()), "the checkpoint holds no NaN");
        assertFalse(Arrays.equals(saved.toFloatVector(), g.params().toFloatVector()), "epoch 2 was not saved");

        // a fresh run that diverges in its first epoch keeps nothing and says so
        Path fresh = Files.createDirectories(dir.resolve("fresh"));
        Trainer first = Trainer.builder().data(data(examples())).checkpoints(fresh).epochs(2).fitter(local).build();
        TrainingDivergedException f = assertThrows(TrainingDivergedException.class, () -> first.run(net(1e30), false, null, null));
        assertTrue(f.getMessage().contains("no checkpoint was written"), f.getMessage());
        assertFalse(Files.exists(fresh.resolve(Trainer.CHECKPOINT)));
    }

    @Test
    void evaluationRefusesNonFiniteOutputsInsteadOfCountingThem() {
        ComputationGraph g = net(0.01);
        g.getLayer("out").getParam("b").putScalar(0, Float.POSITIVE_INFINITY);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Evaluation.evaluate(g, new ListDataSetIterator<>(examples(), 10), List.of("a", "b", "c")));
        assertTrue(e.getMessage().contains("NaN or infinite probabilities for 10 of the 10 examples of batch 1"), e.getMessage());
        assertEquals(24, Evaluation.evaluate(net(0.01), new ListDataSetIterator<>(examples(), 10), List.of("a", "b", "c")).total(),
                "finite outputs are evaluated");
    }
}
