package org.armfer.train;

import org.armfer.fast.FastBatchNormalization;
import org.armfer.fast.FastConvolutionLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Model files: the card as a plain JSON entry, old cards through the String-only filter, old class names. */
class ModelFilesTest {

    @TempDir
    static Path tmp;
    static ComputationGraph model;

    /** conv (fast) -> batch norm (fast) -> softmax: small, and naming the fast layers' classes. */
    @BeforeAll
    static void small() {
        var g = new NeuralNetConfiguration.Builder().seed(3).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(6, 6, 1))
                .addLayer("conv", new FastConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("bn", new FastBatchNormalization.Builder().build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "bn")
                .setOutputs("out").build();
        model = new ComputationGraph(g);
        model.init();
    }

    private static ModelCard card() {
        ModelCard c = new ModelCard();
        c.model = "tiny";
        c.labels = List.of("neutral", "happiness", "sadness");
        c.channels = 1;
        c.height = 6;
        c.width = 6;
        c.recipe = Recipes.get("demo");
        return c;
    }

    @Test
    void theCardIsAPlainJsonEntryAndRoundTrips() throws Exception {
        Path f = tmp.resolve("model.zip");
        ModelFiles.save(model, f, false, Map.of(ModelCard.KEY, Json.write(card())));
        try (ZipFile z = new ZipFile(f.toFile())) {
            assertNotNull(z.getEntry(ModelCard.KEY), "a top-level JSON entry");
            assertNull(z.getEntry("objects/" + ModelCard.KEY), "no Java-serialized object");
            assertTrue(new String(z.getInputStream(z.getEntry(ModelCard.KEY)).readAllBytes()).trim().startsWith("{"));
        }
        ModelFiles.Loaded l = ModelFiles.loadWithCard(f);
        assertEquals(model.params(), l.model().params());
        assertEquals(List.of("neutral", "happiness", "sadness"), l.card().labels);
        assertEquals(Recipes.get("demo"), l.card().recipe, "the whole recipe");
        // a plain DL4J file has no card: a clear error
        Path plain = tmp.resolve("plain.zip");
        ModelSerializer.writeModel(model, plain.toFile(), false);
        IOException e = assertThrows(IOException.class, () -> ModelFiles.loadWithCard(plain));
        assertTrue(e.getMessage().contains("no armfer model card"), e.getMessage());
        assertFalse(Files.list(tmp).anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
    }

    @Test
    void anOldCardHoldingAJavaSerializedStringStillLoads() throws Exception {
        Path f = tmp.resolve("old.zip");
        ModelSerializer.writeModel(model, f.toFile(), false);
        ModelSerializer.addObjectToFile(f.toFile(), ModelCard.KEY, Json.write(card()));
        assertEquals(List.of("neutral", "happiness", "sadness"), ModelCard.readFrom(f).labels);
    }

    /** Records whether Java serialization ever instantiated it. */
    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean read;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            read = true;
        }
    }

    @Test
    void aHostileOldCardFailsFastWithoutInstantiatingAnything() throws Exception {
        // nested sets whose hashCodes take 2^100 steps to compute: plain deserialization never returns
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root, s2 = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Set<Object> t1 = new HashSet<>(), t2 = new HashSet<>();
            t1.add("x");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        Path bomb = tmp.resolve("bomb.zip");
        ModelSerializer.writeModel(model, bomb.toFile(), false);
        ModelSerializer.addObjectToFile(bomb.toFile(), ModelCard.KEY, root);
        // a guard against a hang only: the filter refuses the first class descriptor at once
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(IOException.class, () -> ModelCard.readFrom(bomb)));
        assertTrue(e.getMessage().contains("not a plain JSON string") && e.getMessage().contains(bomb.toString()), e.getMessage());

        Path trip = tmp.resolve("trip.zip");
        ModelSerializer.writeModel(model, trip.toFile(), false);
        ModelSerializer.addObjectToFile(trip.toFile(), ModelCard.KEY, new Tripwire());
        assertThrows(IOException.class, () -> ModelCard.readFrom(trip));
        assertFalse(Tripwire.read, "the card's class was never instantiated");
        // an oversized plain entry is refused too
        Path big = tmp.resolve("big.zip");
        ModelFiles.save(model, big, false, Map.of(ModelCard.KEY, "\"" + "a".repeat(ModelFiles.MAX_JSON_BYTES) + "\""));
        IOException tooBig = assertThrows(IOException.class, () -> ModelCard.readFrom(big));
        assertTrue(tooBig.getMessage().contains("allowed"), tooBig.getMessage());
    }

    @Test
    void aModelSavedBeforeTheFastLayersMovedStillLoads() throws Exception {
        Path f = tmp.resolve("before-the-move.zip");
        ModelFiles.save(model, f, true, Map.of());
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + f.toUri()), Map.of())) {
            Path conf = zip.getPath(ModelSerializer.CONFIGURATION_JSON);
            String json = Files.readString(conf);
            assertTrue(json.contains("org.armfer.fast.FastConvolutionLayer"), "the fast layers are named in the configuration");
            Files.writeString(conf, json.replace("org.armfer.fast.", "org.armfer.layers.fast."));
        }
        assertThrows(Exception.class, () -> ModelSerializer.restoreComputationGraph(f.toFile(), false),
                "DL4J alone cannot read the old names");
        ComputationGraph loaded = ModelFiles.load(f, true);
        assertEquals(model.params(), loaded.params());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 6, 6);
        assertEquals(model.outputSingle(x), loaded.outputSingle(x));
        assertEquals(FastConvolutionLayer.class, loaded.getLayer("conv").conf().getLayer().getClass());
    }

    @Test
    void aJavaSerializedPreprocessorEntryIsRefusedBeforeDl4jDeserializesIt() throws Exception {
        Path f = tmp.resolve("preprocessor.zip");
        ModelFiles.save(model, f, false, Map.of());
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + f.toUri()), Map.of());
             java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(Files.newOutputStream(zip.getPath("preprocessor.bin")))) {
            out.writeObject(new Tripwire());
        }
        Tripwire.read = false;
        IOException e = assertThrows(IOException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains(f + ": entry preprocessor.bin holds a Java-serialized object"), e.getMessage());
        assertFalse(Tripwire.read, "nothing was deserialized");
    }

    @Test
    void entriesBeyondTheLimitAreRefusedByTheirRealSize() throws Exception {
        Path f = tmp.resolve("limit.zip");
        ModelFiles.save(model, f, true, Map.of());
        long real;
        try (ZipFile z = new ZipFile(f.toFile())) {
            real = java.util.Collections.list(z.entries()).stream().mapToLong(java.util.zip.ZipEntry::getSize).sum();
            ModelFiles.checkEntries(z, f, real);
            IOException e = assertThrows(IOException.class, () -> ModelFiles.checkEntries(z, f, real - 1));
            assertTrue(e.getMessage().contains(f + ": its entries hold more than the " + (real - 1) + " bytes"), e.getMessage());
        }
    }

    @Test
    void whatAnInterruptedSaveLeavesIsRemovedAndNothingElse() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("leftovers"));
        Path zipfs = Files.writeString(dir.resolve("zipfstmp4711093.tmp"), "the zip file system's copy");
        Path atomic = Files.writeString(dir.resolve(".checkpoint.zip.3kq9.tmp"), "half a checkpoint");
        Path mine = Files.writeString(dir.resolve("zipfstmp-notes.txt"), "kept");
        Path model = Files.writeString(dir.resolve("checkpoint.zip"), "kept");
        assertEquals(Set.of(zipfs, atomic), Set.copyOf(ModelFiles.removeLeftovers(dir)));
        assertTrue(Files.exists(mine) && Files.exists(model));
    }
}
