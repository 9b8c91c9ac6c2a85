package org.armfer.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Model files with an armfer JSON document inside (DL4J's ModelSerializer zip plus one extra entry), written through a
 * temporary file and one atomic move, so that a run killed at any moment leaves either the previous file or the new
 * one, never half of one.
 */
public final class Checkpoints {

    private Checkpoints() {
    }

    /** Saves {@code model} (with its updater state when asked: checkpoints need it to resume) and {@code json} under entry {@code key} to {@code file}. */
    public static void save(ComputationGraph model, Path file, String key, String json, boolean withUpdater) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            ModelSerializer.writeModel(model, tmp.toFile(), withUpdater);
            ModelSerializer.addObjectToFile(tmp.toFile(), key, json);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static ComputationGraph loadModel(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No model file " + file);
        }
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a DL4J ComputationGraph model: " + e.getMessage(), e);
        }
    }

    /** The JSON document stored under {@code key}, or null when the file has none. */
    public static String readJson(Path file, String key) throws IOException {
        try {
            Object o = ModelSerializer.getObjectFromFile(file.toFile(), key);
            return (String) o;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
