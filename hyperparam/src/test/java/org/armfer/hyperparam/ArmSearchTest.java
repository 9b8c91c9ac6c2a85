package org.armfer.hyperparam;

import org.armfer.layers.ArmModule;
import org.armfer.layers.DeAlbino;
import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.scoring.impl.EvaluationScoreFunction;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole searches on a tiny network and tiny generated data: Arbiter plumbing, files, invalid and failed candidates. */
class ArmSearchTest {

    private static final int SIDE = 8;
    private static final int CLASSES = 3;
    private static final DataSet TRAIN = TestData.images(12, CLASSES, 1, SIDE, 1);
    private static final DataSet VALIDATION = TestData.images(9, CLASSES, 1, SIDE, 2);

    private static ArmSearch.Builder tiny(Path out) {
        return ArmSearch.builder()
                .model(new TinyModel(SIDE, CLASSES))
                .train(TestData.supplier(TRAIN, 4))
                .validation(TestData.supplier(VALIDATION, 4))
                .epochs(1)
                .seed(5)
                .outDir(out);
    }

    private static List<String> csvLines(SearchResult r) throws IOException {
        return Files.readAllLines(r.resultsCsv(), StandardCharsets.UTF_8);
    }

    @Test
    void randomSearchWritesTableJsonModelAndPlot(@TempDir Path out) throws IOException {
        // C' = 3 never fits the tiny model's 8 channels: about half the candidates are invalid
        ArmLayerSpace space = ArmLayerSpace.builder().kernelSize(2, 12).strideRatio(0.25, 0.5).lambda(0.0, 2.0)
                .learnableLambdaOnOff().outputChannels(2, 3).build();
        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        SearchResult r = tiny(out).kind(ArmSearch.Kind.RANDOM).space(space).candidates(6)
                .progress(new PrintStream(bar, true, StandardCharsets.UTF_8)).build().run();

        String at = r.toString();
        assertEquals(6, r.rows().size(), at);
        for (int i = 0; i < 6; i++) {
            assertEquals(i, r.rows().get(i).candidate(), "rows in candidate order: " + at);
        }
        assertTrue(r.count(SearchStatus.OK) >= 1 && r.count(SearchStatus.INVALID) >= 1, "seed 5 draws both kinds: " + at);
        assertEquals(0, r.count(SearchStatus.FAILED), at);
        for (SearchRow row : r.rows()) {
            String rowAt = "row " + row;
            if (row.hyperparameters().outputChannels() == 3) {
                assertEquals(SearchStatus.INVALID, row.status(), rowAt);
                assertTrue(row.reason().contains("8 is not divisible by 3"), rowAt);
                assertTrue(Double.isNaN(row.score()), rowAt);
            } else {
                assertEquals(SearchStatus.OK, row.status(), rowAt);
                assertTrue(row.weightedAccuracy() >= 0 && row.weightedAccuracy() <= 1, rowAt);
                assertTrue(row.unweightedAccuracy() >= 0 && row.unweightedAccuracy() <= 1, rowAt);
                assertEquals(row.weightedAccuracy(), row.score(), 0.0, "default score is the weighted accuracy: " + rowAt);
                long side = DeAlbino.outSize(2 * SIDE, row.hyperparameters().kernelSize(), row.hyperparameters().stride());
                assertEquals(side * side, row.features(), rowAt);
                assertTrue(row.seconds() > 0, rowAt);
            }
        }

        List<String> lines = csvLines(r);
        assertEquals(7, lines.size(), "header + 6 rows: " + lines);
        assertEquals(SearchReport.CSV_HEADER, lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            SearchRow row = r.rows().get(i - 1);
            assertTrue(lines.get(i).startsWith(row.candidate() + "," + row.hyperparameters().blocks() + ","
                    + row.hyperparameters().kernelSize() + "," + row.hyperparameters().stride() + ","), lines.get(i));
            assertTrue(lines.get(i).contains("," + row.status() + ","), lines.get(i));
        }

        SearchRow best = r.best().orElseThrow();
        for (SearchRow row : r.rows()) {
            if (row.ok()) {
                assertTrue(row.score() <= best.score(), "best has the highest score: " + row + " vs " + best);
            }
        }
        ArmModule bestArm = best.arm();
        assertEquals(bestArm, SearchReport.readArm(r.bestJson().orElseThrow()), "best.json's arm object");
        assertEquals(bestArm, ArmModule.fromJson(Files.readString(r.bestArmJson().orElseThrow())), "best-arm.json");
        assertEquals(bestArm, SearchReport.readArm(r.bestArmJson().orElseThrow()));
        String json = Files.readString(r.bestJson().orElseThrow());
        assertTrue(json.contains("\"candidate\" : " + best.candidate()), json);
        assertTrue(json.contains("\"modelFile\" : \"best-model.zip\""), json);

        ComputationGraph model = ModelSerializer.restoreComputationGraph(r.bestModel().orElseThrow().toFile(), false);
        DeAlbino da = (DeAlbino) ((LayerVertex) model.getConfiguration().getVertices().get("arm.da")).getLayerConf().getLayer();
        assertEquals(best.hyperparameters().kernelSize(), da.getKernelSize(), "the saved model is the best candidate's");
        // the saved model scores what the table says, also one image at a time (batch-independent evaluation)
        Evaluation single = model.evaluate(TestData.supplier(VALIDATION, 1).get());
        assertEquals(best.weightedAccuracy(), org.armfer.train.Metrics.of(single).weightedAccuracy(), 1e-12, "batch 1 vs batch 4");
        INDArray all = model.outputSingle(VALIDATION.getFeatures());
        for (int i = 0; i < VALIDATION.numExamples(); i++) {
            INDArray one = model.outputSingle(VALIDATION.getFeatures().get(
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)));
            assertArrayEquals(all.getRow(i).toFloatVector(), one.getRow(0).toFloatVector(), 1e-5f,
                    "example " + i + ": alone vs in the batch of " + VALIDATION.numExamples());
        }

        assertPng(r.plot().orElseThrow());
        String progress = bar.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("ARM search") && progress.contains("6/6"), "progress bar drawn: " + progress);
    }

    static void assertPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 8 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png + " is a PNG");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png.toString());
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
    }

    @Test
    void sweepTriesEachKernelOnceAndFlagsOnesTooLarge(@TempDir Path out) throws IOException {
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(6, 9).build().run();
        assertEquals(4, r.rows().size(), r.toString());
        for (int i = 0; i < 4; i++) {
            SearchRow row = r.rows().get(i);
            int k = 6 + i;
            assertEquals(k, row.hyperparameters().kernelSize(), "grid order: " + row);
            assertEquals(1, row.hyperparameters().stride(), "stride 1: " + row);
            assertEquals("DA", row.hyperparameters().blocks(), row.toString());
            if (k <= SIDE) {
                assertEquals(SearchStatus.OK, row.status(), row.toString());
            } else {
                assertEquals(SearchStatus.INVALID, row.status(), row.toString());
                assertTrue(row.reason().contains("kernelSize 9 is larger than the feature map 8x8"), row.reason());
            }
        }
        assertEquals(5, csvLines(r).size(), "header + 4 rows");
        assertPng(r.plot().orElseThrow());
        assertTrue(r.bestModel().isPresent() && r.bestJson().isPresent(), r.toString());
    }

    @Test
    void candidatesCapTheSweep(@TempDir Path out) throws IOException {
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(1, 8).candidates(2).build().run();
        assertEquals(List.of(1, 2), r.rows().stream().map(x -> x.hyperparameters().kernelSize()).toList(), r.toString());
    }

    @Test
    void maxTimeStopsTheSearchAndStillWritesTheTable(@TempDir Path out) throws IOException {
        SearchResult r = tiny(out).kind(ArmSearch.Kind.RANDOM).candidates(50).maxTime(Duration.ofMillis(1)).build().run();
        assertTrue(r.rows().size() < 50, "Arbiter's MaxTimeCondition ended the search: " + r);
        assertEquals(r.rows().size() + 1, csvLines(r).size());
        if (r.best().isEmpty()) {
            assertFalse(Files.exists(out.resolve(SearchReport.BEST_JSON)), "no best, no best.json");
            assertFalse(Files.exists(out.resolve(SearchReport.BEST_MODEL)), "no best, no model");
        }
    }

    @Test
    void saveAllModelsAlsoUsesArbitersFileModelSaver(@TempDir Path out) throws Exception {
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(3, 4).epochs(2).saveAllModels(true).build().run();
        assertEquals(2, r.count(SearchStatus.OK), r.toString());
        for (SearchRow row : r.rows()) {
            Path dir = out.resolve("models").resolve(Integer.toString(row.candidate()));
            ComputationGraph g = ModelSerializer.restoreComputationGraph(dir.resolve("model.bin").toFile(), true);
            DeAlbino da = (DeAlbino) ((LayerVertex) g.getConfiguration().getVertices().get("arm.da")).getLayerConf().getLayer();
            assertEquals(row.hyperparameters().kernelSize(), da.getKernelSize(), dir.toString());
            assertEquals(row.score(), Double.parseDouble(Files.readString(dir.resolve("score.txt")).trim()), 0.0, dir.toString());
            assertEquals("2", Files.readString(dir.resolve("numEpochs.txt")).trim(), dir.toString());
            SearchRow saved = (SearchRow) readSerialized(dir.resolve("additionalResults.bin"));
            assertEquals(row.candidate(), saved.candidate(), "FileModelSaver keeps the row: " + saved);
            assertEquals(row.armJson(), saved.armJson(), "FileModelSaver keeps the row: " + saved);
            assertEquals(row.score(), saved.score(), 0.0, "FileModelSaver keeps the row: " + saved);
        }
    }

    private static Object readSerialized(Path file) throws Exception {
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(Files.newInputStream(file))) {
            return in.readObject();
        }
    }

    /** Counts the examples it serves. */
    static final class CountingIterator extends ListDataSetIterator<DataSet> {
        int served;

        CountingIterator(DataSet data, int batch) {
            super(data.asList(), batch);
        }

        @Override
        public DataSet next(int num) {
            DataSet d = super.next(num);
            served += d.numExamples();
            return d;
        }
    }

    @Test
    void aSupplierMayHandOutOneSharedIterator(@TempDir Path out) throws IOException {
        CountingIterator train = new CountingIterator(TRAIN, 4);
        CountingIterator validation = new CountingIterator(VALIDATION, 4);
        train.next();      // both left part-read on purpose
        validation.next();
        train.served = 0;
        validation.served = 0;
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(5, 6).epochs(2)
                .train(() -> train).validation(() -> validation).build().run();
        assertEquals(2, r.count(SearchStatus.OK), r.toString());
        assertEquals(2 * 2 * TRAIN.numExamples(), train.served, "2 candidates x 2 epochs x every training example");
        assertEquals(2 * VALIDATION.numExamples(), validation.served, "2 candidates x every validation example");
    }

    @Test
    void theSeedFixesTheCandidates(@TempDir Path out) throws IOException {
        ArmLayerSpace space = ArmLayerSpace.builder().kernelSize(2, 12).strideRatio(0.25, 0.5).lambda(0.0, 2.0).build();
        List<ArmHyperparameters> a = tiny(out.resolve("a")).space(space).candidates(3).seed(77).build().run()
                .rows().stream().map(SearchRow::hyperparameters).toList();
        List<ArmHyperparameters> b = tiny(out.resolve("b")).space(space).candidates(3).seed(77).build().run()
                .rows().stream().map(SearchRow::hyperparameters).toList();
        List<ArmHyperparameters> c = tiny(out.resolve("c")).space(space).candidates(3).seed(78).build().run()
                .rows().stream().map(SearchRow::hyperparameters).toList();
        assertEquals(a, b, "seed 77 twice");
        assertFalse(a.equals(c), "seed 77 vs 78: " + a + " / " + c);
    }

    @Test
    void aDataFactoryIsAskedWithTheSearchsBatchSizeImageSizeAndSeed(@TempDir Path out) throws IOException {
        List<String> calls = new java.util.ArrayList<>();
        SearchData data = (split, batch, size, seed) -> {
            calls.add(split + " batch=" + batch + " size=" + size + " seed=" + seed);
            return TestData.supplier(split == SearchData.Split.TRAIN ? TRAIN : VALIDATION, batch).get();
        };
        SearchResult r = ArmSearch.builder().model(new TinyModel(SIDE, CLASSES)).data(data).batchSize(5).inputSize(SIDE)
                .seed(9).kind(ArmSearch.Kind.SWEEP).kernelRange(2, 3).outDir(out).build().run();
        assertEquals(2, r.count(SearchStatus.OK), r.toString());
        assertEquals(List.of("TRAIN batch=5 size=8 seed=9", "VALIDATION batch=5 size=8 seed=9",
                "TRAIN batch=5 size=8 seed=9", "VALIDATION batch=5 size=8 seed=9"), calls, "one pair per candidate");
    }

    @Test
    void anyArbiterScoreFunctionCanScore(@TempDir Path out) throws IOException {
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(2, 3)
                .scoreFunction(new EvaluationScoreFunction(Evaluation.Metric.ACCURACY)).build().run();
        assertEquals(2, r.count(SearchStatus.OK), r.toString());
        for (SearchRow row : r.rows()) {
            assertEquals(row.weightedAccuracy(), row.score(), 1e-12, "EvaluationScoreFunction(ACCURACY) = weighted: " + row);
        }
        assertTrue(Files.readString(r.bestJson().orElseThrow()).contains("EvaluationScoreFunction(metric=ACCURACY)"));
    }

    @Test
    void unweightedAccuracyCanBeTheScore(@TempDir Path out) throws IOException {
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(2, 3)
                .scoreMetric(AccuracyScoreFunction.Metric.UNWEIGHTED).build().run();
        for (SearchRow row : r.rows()) {
            assertEquals(row.unweightedAccuracy(), row.score(), 0.0, row.toString());
        }
    }

    @Test
    void aCandidateThatFailsIsRecordedAndTheSearchGoesOn(@TempDir Path out) throws IOException {
        Supplier<DataSetIterator> empty = TestData.supplier(TestData.images(0, CLASSES, 1, SIDE, 3), 4);
        SearchResult r = tiny(out).kind(ArmSearch.Kind.SWEEP).kernelRange(2, 3).validation(empty).build().run();
        assertEquals(2, r.rows().size(), r.toString());
        for (SearchRow row : r.rows()) {
            assertEquals(SearchStatus.FAILED, row.status(), row.toString());
            assertTrue(row.reason().contains("yielded no examples"), row.reason());
        }
        assertTrue(r.best().isEmpty(), r.toString());
        assertTrue(r.bestJson().isEmpty() && r.bestModel().isEmpty() && r.plot().isEmpty(), r.toString());
        assertFalse(Files.exists(out.resolve(SearchReport.BEST_MODEL)));
        assertEquals(3, csvLines(r).size());
    }

    /** A space whose generation throws for half of its grid, as a broken user space would. */
    static final class HalfBrokenSpace extends AbstractParameterSpace<ArmCandidate> {
        private final IntegerParameterSpace k = new IntegerParameterSpace(1, 4);

        @Override
        public ArmCandidate getValue(double[] values) {
            int v = k.getValue(values);
            if (v % 2 == 0) {
                throw new IllegalStateException("broken space at k=" + v);
            }
            return new ArmGraphSpace(ArmSearch.sweepSpace(v, v), new TinyModel(SIDE, CLASSES), 1).getValue(new double[0]);
        }

        @Override
        public int numParameters() {
            return 1;
        }

        @Override
        public List<ParameterSpace> collectLeaves() {
            return Collections.singletonList(k);
        }

        @Override
        public boolean isLeaf() {
            return false;
        }

        @Override
        public void setIndices(int... indices) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aGridWhoseGenerationThrowsStillEnds() {
        // Arbiter's runner neither runs nor counts a candidate whose generation threw, so MaxCandidatesCondition(4) alone
        // would never be reached; GeneratorExhaustedCondition ends the grid
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                    .candidateGenerator(new GridSearchCandidateGenerator(new HalfBrokenSpace(), 4,
                            GridSearchCandidateGenerator.Mode.Sequential, null))
                    .dataProvider(new IteratorDataProvider(TestData.supplier(TRAIN, 4), TestData.supplier(VALIDATION, 4)))
                    .scoreFunction(new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED))
                    .terminationConditions(new MaxCandidatesCondition(4), new GeneratorExhaustedCondition())
                    .build();
            LocalOptimizationRunner runner = new LocalOptimizationRunner(1, config, new ArmTaskCreator());
            SearchRecorder recorder = new SearchRecorder(4, false, null);
            runner.addListeners(recorder);
            runner.execute();
            Map<Integer, SearchStatus> statuses = new java.util.TreeMap<>();
            recorder.rows().forEach(row -> statuses.put(row.candidate(), row.status()));
            assertEquals(Map.of(0, SearchStatus.OK, 1, SearchStatus.FAILED, 2, SearchStatus.OK, 3, SearchStatus.FAILED),
                    statuses, "k=1,3 trained; k=2,4 failed at generation: " + recorder.rows());
            assertTrue(recorder.rows().get(1).reason().contains("broken space at k=2"), recorder.rows().get(1).reason());
        });
    }

    @Test
    void arbitersRunnerFindsTheTaskCreatorByItself(@TempDir Path out) {
        ArmGraphSpace space = new ArmGraphSpace(ArmSearch.sweepSpace(2, 2), new TinyModel(SIDE, CLASSES), 1);
        OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                .candidateGenerator(new RandomSearchGenerator(space, null))
                .dataProvider(new IteratorDataProvider(TestData.supplier(TRAIN, 4), TestData.supplier(VALIDATION, 4)))
                .scoreFunction(new AccuracyScoreFunction(AccuracyScoreFunction.Metric.WEIGHTED))
                .modelSaver(new BestModelSaver(out.resolve("m.zip"), false, false, null))
                .terminationConditions(new MaxCandidatesCondition(1))
                .build();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(config); // no task creator given
        runner.execute();
        assertEquals(1, runner.numCandidatesCompleted(), "ArmTaskCreator ran the candidate");
        assertEquals(0, runner.bestScoreCandidateIndex(), "Arbiter saw its score");
        assertTrue(Files.exists(out.resolve("m.zip")));
    }

    /** An Arbiter DataSource (instantiated by class, configured by properties) over the tiny data. */
    public static final class TinyDataSource implements DataSource {
        private int batch;

        public TinyDataSource() {
        }

        @Override
        public void configure(Properties properties) {
            batch = Integer.parseInt(properties.getProperty("batch"));
        }

        @Override
        public Object trainData() {
            return TestData.supplier(TRAIN, batch).get();
        }

        @Override
        public Object testData() {
            return TestData.supplier(VALIDATION, batch).get();
        }

        @Override
        public Class<?> getDataType() {
            return DataSetIterator.class;
        }
    }

    @Test
    void theTaskCreatorAlsoTakesAnArbiterDataSource() {
        Properties props = new Properties();
        props.setProperty("batch", "5");
        ArmGraphSpace space = new ArmGraphSpace(ArmSearch.sweepSpace(2, 3), new TinyModel(SIDE, CLASSES), 1);
        OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                .candidateGenerator(new GridSearchCandidateGenerator(space, 2, GridSearchCandidateGenerator.Mode.Sequential, null))
                .dataSource(TinyDataSource.class, props)
                .scoreFunction(new EvaluationScoreFunction(Evaluation.Metric.ACCURACY))
                .terminationConditions(new MaxCandidatesCondition(2), new GeneratorExhaustedCondition())
                .build();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(1, config, new ArmTaskCreator());
        SearchRecorder recorder = new SearchRecorder(2, false, null);
        runner.addListeners(recorder);
        runner.execute();
        assertEquals(2, recorder.rows().size(), recorder.rows().toString());
        for (SearchRow row : recorder.rows()) {
            assertEquals(SearchStatus.OK, row.status(), row.toString());
            assertEquals(row.weightedAccuracy(), row.score(), 1e-12, "scored through the DataSource: " + row);
        }
    }

    @Test
    void builderNamesWhatIsMissing(@TempDir Path out) {
        IllegalStateException noOut = assertThrows(IllegalStateException.class,
                () -> ArmSearch.builder().train(TestData.supplier(TRAIN, 4)).validation(TestData.supplier(VALIDATION, 4)).build());
        assertTrue(noOut.getMessage().contains("outDir is required"), noOut.getMessage());
        IllegalStateException noData = assertThrows(IllegalStateException.class,
                () -> ArmSearch.builder().outDir(out).train(TestData.supplier(TRAIN, 4)).build());
        assertTrue(noData.getMessage().contains("missing: validation"), noData.getMessage());
        IllegalStateException both = assertThrows(IllegalStateException.class,
                () -> tiny(out).space(ArmSearch.sweepSpace(1, 2)).kernelRange(1, 3).build());
        assertTrue(both.getMessage().contains("kernelRange applies to the ready-made spaces"), both.getMessage());
        IllegalArgumentException badCandidates = assertThrows(IllegalArgumentException.class, () -> ArmSearch.builder().candidates(0));
        assertEquals("candidates must be >= 1, got 0", badCandidates.getMessage());
        IllegalArgumentException badRange = assertThrows(IllegalArgumentException.class, () -> ArmSearch.builder().kernelRange(3, 2));
        assertTrue(badRange.getMessage().contains("kernelRange [3, 2]"), badRange.getMessage());
    }

    @Test
    void defaultRandomKernelRangeScalesWithTheArrangedMap() {
        assertArrayEquals(new int[]{8, 56}, ArmSearch.defaultRandomKernelRange(new long[]{512, 7, 7}), "224x224: S = 112");
        assertArrayEquals(new int[]{2, 16}, ArmSearch.defaultRandomKernelRange(new long[]{512, 2, 2}), "48x48: S = 32");
        assertEquals(7, ArmSearch.defaultGridPoints(ArmSearch.sweepSpace(new long[]{512, 7, 7})), "1..7");
        assertEquals(5, ArmSearch.defaultGridPoints(ArmLayerSpace.builder().lambda(0, 1).build()), "no integer range");
        // sanity of the random space on ResNet-18's 224 map: the paper's setting is inside it
        ArmLayerSpace s = ArmSearch.randomSpace(new long[]{512, 7, 7});
        assertEquals(4, s.numParameters());
        assertNotNull(s.getStrideRatio());
    }
}
