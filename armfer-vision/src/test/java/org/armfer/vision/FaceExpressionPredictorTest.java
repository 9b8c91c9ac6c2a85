package org.armfer.vision;

import org.armfer.datavec.ImagePreprocessor;
import org.armfer.layers.GarMode;
import org.armfer.layers.SharingAffinity;
import org.armfer.zoo.ResNet18Arm;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * The predictor with a random-initialised ResNet-18-ARM at 48x48 (the face boxes and crops are tested, not the labels):
 * all faces of several images in one forward pass give what each face gives alone with ARM's RUNNING GAR (and would
 * not with the reference's BATCH GAR), crops and preprocessing as stated, whole-image mode as before, NaN refused.
 */
class FaceExpressionPredictorTest {

    static final List<String> LABELS = List.of("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger");
    static ComputationGraph running;
    static BufferedImage astronaut;
    static BufferedImage group;
    static FaceBox groupBig;
    static FaceBox groupSmall;

    /** Fixed boxes per image (by its width), so that this test is about the predictor, not the detector. */
    static final class FixedDetector implements FaceDetector {
        final Map<Integer, List<FaceBox>> byWidth;

        FixedDetector(Map<Integer, List<FaceBox>> byWidth) {
            this.byWidth = byWidth;
        }

        @Override
        public List<FaceBox> detect(BufferedImage image) {
            return byWidth.getOrDefault(image.getWidth(), List.of());
        }

        @Override
        public String describe() {
            return "fixed";
        }
    }

    /** A copy of {@code model} whose SharingAffinity uses {@code mode} at inference (as evaluate's check builds one). */
    static ComputationGraph withGarMode(ComputationGraph model, GarMode mode) {
        ComputationGraph copy = model.clone();
        for (org.deeplearning4j.nn.api.Layer l : copy.getLayers()) {
            if (l.conf().getLayer() instanceof SharingAffinity sa) {
                sa.setGarMode(mode);
            }
        }
        return copy;
    }

    @BeforeAll
    static void setUp() throws Exception {
        running = ResNet18Arm.builder().numClasses(7).inputSize(48).seed(3).build().init();
        // a random-initialised classifier saturates the softmax (probabilities 1 and 1e-9): scale it down so that
        // probabilities are comparable
        running.getLayer("fc").getParam("W").muli(0.05);
        astronaut = TestImages.astronaut();
        group = TestImages.background(900, 420);
        groupBig = TestImages.paste(group, astronaut, 10, 0, 0.8);
        groupSmall = TestImages.paste(group, astronaut, 480, 60, 0.55);
    }

    static FixedDetector detector() {
        return new FixedDetector(Map.of(512, List.of(TestImages.ASTRONAUT_FACE), 900, List.of(groupBig, groupSmall)));
    }

    private static double maxDiff(List<ImagePrediction> a, List<ImagePrediction> b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int f = 0; f < a.get(i).faces().size(); f++) {
                double[] p = a.get(i).faces().get(f).probabilities(), q = b.get(i).faces().get(f).probabilities();
                for (int k = 0; k < p.length; k++) max = Math.max(max, Math.abs(p[k] - q[k]));
            }
        }
        return max;
    }

    @Test
    void allFacesInOnePassGiveWhatEachFaceGivesAloneWithRunningGar() {
        ModelInput in = new ModelInput(3, 48, false);
        List<BufferedImage> images = List.of(astronaut, group);
        FaceExpressionPredictor together = FaceExpressionPredictor.builder(running, LABELS, in).detector(detector()).build();
        FaceExpressionPredictor alone = FaceExpressionPredictor.builder(running, LABELS, in).detector(detector()).maxBatch(1).build();
        List<ImagePrediction> a = together.predict(images), b = alone.predict(images);
        double top = a.get(1).faces().get(0).best().probability();
        assertTrue(top < 0.9, "the softmax is not saturated (else any comparison passes): top probability " + top);
        assertEquals(1, a.get(0).faces().size());
        assertEquals(2, a.get(1).faces().size());
        double diff = maxDiff(a, b);
        assertTrue(diff <= 1e-5, "RUNNING GAR: 3 faces in one pass vs one at a time, max |dp| " + diff);
        assertTrue(maxDiff(a, List.of(together.predict(astronaut), together.predict(group))) <= 1e-5, "image by image");

        // the same comparison fails for the reference's BATCH GAR (same weights): the check above can tell
        ComputationGraph batch = withGarMode(running, GarMode.BATCH);
        List<ImagePrediction> c = FaceExpressionPredictor.builder(batch, LABELS, in).detector(detector()).build().predict(images);
        List<ImagePrediction> d = FaceExpressionPredictor.builder(batch, LABELS, in).detector(detector()).maxBatch(1).build().predict(images);
        assertTrue(maxDiff(c, d) > 1e-4, "BATCH GAR moves predictions with the batch: " + maxDiff(c, d));
    }

    @Test
    void eachFaceIsTheModelsOutputOnItsSquareCrop() {
        ModelInput in = new ModelInput(3, 48, true);
        FaceExpressionPredictor p = FaceExpressionPredictor.builder(running, LABELS, in).detector(detector()).margin(0.2).build();
        assertEquals("fixed", p.describeDetector());
        FacePrediction f = p.predict(astronaut).faces().get(0);
        Rectangle crop = FaceCrops.square(TestImages.ASTRONAUT_FACE, 0.2, 512, 512);
        // side 92 * 1.4 = 128.8 -> 129, centred on (224, 115)
        assertEquals(new Rectangle(160, 51, 129, 129), crop);
        assertEquals(crop, f.crop());
        assertEquals(TestImages.ASTRONAUT_FACE, f.box());
        // independent route: crop, gray, replicate, resize, normalise by hand through datavec-fer, then the model
        BufferedImage gray = Pixels.toGray(astronaut.getSubimage(160, 51, 129, 129));
        INDArray x = ImagePreprocessor.evaluation(3, 48).toInput(gray);
        assertArrayEquals(running.outputSingle(false, x).toDoubleVector(), f.probabilities(), 1e-6);
        assertEquals(1.0, java.util.Arrays.stream(f.probabilities()).sum(), 1e-5);
        assertEquals(f.best().label(), LABELS.get(f.bestIndex()));
        assertEquals(3, f.top(3).size());
        assertTrue(f.top(3).get(0).probability() >= f.top(3).get(1).probability());
        // gray replicated: the three planes are equal before ImageNet's per-channel normalisation
        INDArray planes = in.toInput(FaceCrops.crop(astronaut, crop));
        float[] mean = org.armfer.datavec.Images.MEAN, std = org.armfer.datavec.Images.STD;
        INDArray r = planes.get(point(0), point(0)).mul(std[0]).add(mean[0]);
        INDArray b = planes.get(point(0), point(2)).mul(std[2]).add(mean[2]);
        assertTrue(r.sub(b).amaxNumber().doubleValue() < 1e-5, "gray replicated to R, G, B");
    }

    @Test
    void cropsStayInsideTheImage() {
        // at the border: moved inside, not padded
        assertEquals(new Rectangle(0, 0, 60, 60), FaceCrops.square(new FaceBox(0, 5, 50, 50, 1), 0.1, 200, 100));
        assertEquals(new Rectangle(140, 40, 60, 60), FaceCrops.square(new FaceBox(150, 50, 50, 50, 1), 0.1, 200, 100));
        // an image too small for the square: shrunk to its shorter side
        assertEquals(new Rectangle(0, 0, 40, 40), FaceCrops.square(new FaceBox(5, 5, 30, 30, 1), 0.5, 40, 40));
        // a tall box: the square's side is the longer side plus the margins
        assertEquals(new Rectangle(70, 36, 60, 60), FaceCrops.square(new FaceBox(90, 41, 20, 50, 1), 0.1, 200, 200));
        assertThrows(IllegalArgumentException.class, () -> FaceCrops.square(new FaceBox(0, 0, 5, 5, 1), -0.1, 10, 10));
    }

    @Test
    void wholeImageModeIsTheWholeImageResized() {
        FaceExpressionPredictor p = FaceExpressionPredictor.builder(running, LABELS, new ModelInput(3, 48, false)).wholeImage().build();
        ImagePrediction r = p.predict(group);
        assertEquals(1, r.faces().size());
        assertEquals(new FaceBox(0, 0, 900, 420, Double.NaN), r.faces().get(0).box());
        INDArray x = ImagePreprocessor.evaluation(3, 48).toInput(group);
        assertArrayEquals(running.outputSingle(false, x).toDoubleVector(), r.faces().get(0).probabilities(), 1e-6);
    }

    @Test
    void noFaceIsAResultAndNanIsNever() {
        ModelInput in = new ModelInput(3, 48, false);
        FaceExpressionPredictor p = FaceExpressionPredictor.builder(running, LABELS, in).detector(detector()).build();
        ImagePrediction none = p.predict(TestImages.background(300, 200));
        assertEquals(List.of(), none.faces());
        assertEquals(300, none.width());

        INDArray bias = running.getLayer("fc").getParam("b");
        double kept = bias.getDouble(0);
        bias.putScalar(0, Double.NaN);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.predict(astronaut));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        } finally {
            bias.putScalar(0, kept);
        }

        FaceExpressionPredictor wrongSize = FaceExpressionPredictor.builder(running, LABELS.subList(0, 6), in).detector(detector()).build();
        IllegalStateException e2 = assertThrows(IllegalStateException.class, () -> wrongSize.predict(astronaut));
        assertTrue(e2.getMessage().contains("6 class probabilities"), e2.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> FaceExpressionPredictor.builder(running, LABELS, in).build(), "neither a detector nor wholeImage()");
    }

    @Test
    void anotherForwardPathIsUsedForEveryBatchAndNamedInResults() {
        ModelInput in = new ModelInput(3, 48, false);
        java.util.List<long[]> shapes = new java.util.ArrayList<>();
        FaceExpressionPredictor p = FaceExpressionPredictor.builder(running, LABELS, in).wholeImage().maxBatch(2)
                .forward(x -> {
                    shapes.add(x.shape());
                    return running.outputSingle(false, x).mul(0).add(1.0 / 7); // uniform: visibly not the network's
                }, "uniform test path").build();
        assertEquals("uniform test path", p.describeEngine());
        List<ImagePrediction> r = p.predict(List.of(group, group, astronaut));
        assertEquals(2, shapes.size(), "chunks of maxBatch: 2 + 1");
        assertEquals(2, shapes.get(0)[0]);
        assertEquals(1, shapes.get(1)[0]);
        for (ImagePrediction ip : r) {
            for (double v : ip.faces().get(0).probabilities()) assertEquals(1.0 / 7, v, 1e-6);
        }
        assertTrue(FaceExpressionPredictor.builder(running, LABELS, in).wholeImage().build().describeEngine().startsWith("DL4J"));
        assertThrows(IllegalArgumentException.class, () -> FaceExpressionPredictor.builder(running, LABELS, in).forward(x -> x, " "));
    }
}
