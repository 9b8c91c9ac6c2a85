package org.armfer.zoo.transformer;

import org.armfer.datavec.DemoDataset;
import org.armfer.datavec.FerDataset;
import org.armfer.datavec.FerIterators;
import org.armfer.datavec.Split;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small ViT and a small Swin learn the demo data (synthetic 48x48 faces, 7 classes, 70 training and 20 test images
 * a class) from scratch: within 14 epochs (Adam 1e-3, batch 32, no augmentation) the test accuracy reaches 25%
 * (chance is 1/7 = 14.3%; 35 or more of 140 right by chance has probability about 2e-4). Training stops at the first
 * epoch that gets there.
 * One OpenMP thread ({@link org.armfer.fast.testing.OneOmpThread}): these models' ops take microseconds.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.armfer.fast.testing.OneOmpThread.class)
class TransformerDemoTrainingTest {

    private static final Logger log = LoggerFactory.getLogger(TransformerDemoTrainingTest.class);
    private static final double TARGET = 0.25;
    private static final int MAX_EPOCHS = 14;

    private static void assertLearns(ComputationGraph g, Path dir, String ctx) {
        Path root = DemoDataset.ensure(dir);
        DataSetIterator train = FerIterators.iterator(FerDataset.DEMO, root, Split.TRAIN, 32, 48, false, false, 42);
        DataSetIterator test = FerIterators.iterator(FerDataset.DEMO, root, Split.TEST, 70, 48, false, false, 42);
        double best = 0;
        int epoch = 0;
        while (epoch < MAX_EPOCHS && best < TARGET) {
            train.reset();
            g.fit(train);
            test.reset();
            Evaluation ev = g.evaluate(test);
            best = Math.max(best, ev.accuracy());
            epoch++;
            log.info("{}: epoch {} test accuracy {}", ctx, epoch, ev.accuracy());
        }
        assertTrue(best >= TARGET, ctx + ": best test accuracy in " + MAX_EPOCHS + " epochs " + best + " < " + TARGET
                + " (chance 0.143)");
        log.info("{}: test accuracy {} after {} epochs", ctx, best, epoch);
    }

    @Test
    void aSmallVitLearnsTheDemoFaces(@TempDir Path dir) {
        ComputationGraph vit = VisionTransformer.builder().config(new ViTConfig("vit-demo", 8, 48, 2, 4, 96))
                .numClasses(7).inputSize(48).updater(new Adam(1e-3)).seed(1).build().init();
        assertLearns(vit, dir, "ViT 48x48, patch 8, D 48, 2 blocks");
    }

    @Test
    void aSmallSwinLearnsTheDemoFaces(@TempDir Path dir) {
        ComputationGraph swin = SwinTransformer.builder().config(new SwinConfig("swin-demo", 4, 24, List.of(2, 2), List.of(2, 4), 6, 0.0))
                .numClasses(7).inputSize(48).updater(new Adam(1e-3)).seed(1).build().init();
        assertLearns(swin, dir, "Swin 48x48, patch 4, C 24, stages 2-2, window 6");
    }
}
