package org.armfer.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files the training library reads back (config.json, a --prior CSV) are refused when too large or not finite. */
class ConfigFilesTest {

    private static Path writeConfig(Path dir, String pointer, String field, String json) throws IOException {
        TrainConfig c = new TrainConfig();
        c.resolve("demo", Map.of());
        ObjectNode tree = Json.MAPPER.valueToTree(c);
        ((ObjectNode) tree.at(pointer)).set(field, Json.MAPPER.readTree(json));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(TrainRun.CONFIG), Json.MAPPER.writeValueAsString(tree));
        return dir.resolve(TrainRun.CONFIG);
    }

    @Test
    void aConfigReadBackWithNonFiniteOrOutOfRangeValuesIsRefusedNamingTheField(@TempDir Path tmp) throws IOException {
        Path ok = writeConfig(tmp.resolve("ok"), "/model", "lambda", "0.5");
        assertEquals(0.5, TrainRun.readConfig(ok.getParent()).model.lambda, "a sound file reads");
        String[][] cases = {
                {"/recipe", "learningRate", "NaN", "recipe field learningRate = NaN"},
                {"/recipe", "lrDecay", "Infinity", "recipe field lrDecay = Infinity"},
                {"/recipe", "inputSize", "100000", "recipe field inputSize = 100000"},
                {"/model", "lambda", "-Infinity", "model.lambda = -Infinity"},
                {"/model", "kernelSize", "0", "model.kernelSize = 0"},
                {"/model", "armJson", "\"{\\\"lambda\\\": 1e999}\"", "lambda must be finite"},
                {"/data", "maxBatches", "-1", "data.maxBatches = -1"},
        };
        for (String[] c : cases) {
            Path f = writeConfig(tmp.resolve(c[1]), c[0], c[1], c[2]);
            IOException e = assertThrows(IOException.class, () -> TrainRun.readConfig(f.getParent()), c[1]);
            assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains(c[3]), c[1] + ": " + e.getMessage());
        }
    }

    @Test
    void aJsonFileOverTheLimitIsRefusedBeforeItIsParsed(@TempDir Path tmp) throws IOException {
        Path big = tmp.resolve("config.json");
        try (var out = Files.newOutputStream(big)) {
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i <= Json.MAX_FILE_BYTES >> 20; i++) out.write(spaces);
        }
        IOException e = assertThrows(IOException.class, () -> TrainRun.readConfig(tmp));
        assertTrue(e.getMessage().contains(big.toString()) && e.getMessage().contains("more than the " + Json.MAX_FILE_BYTES
                + " bytes allowed"), e.getMessage());
    }

    @Test
    void aPriorMatrixMustBeSmallFiniteAndSquare(@TempDir Path tmp) throws IOException {
        Path good = Files.writeString(tmp.resolve("prior.csv"), "# D\n0.9, 0.1\n0.2 0.8\n");
        assertArrayEquals(new double[]{0.2, 0.8}, ModelSpec.readPrior(good)[1]);
        Path inf = Files.writeString(tmp.resolve("inf.csv"), "0.5,0.5\nInfinity,0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.readPrior(inf));
        assertTrue(e.getMessage().contains(inf + " line 2: 'Infinity' is not allowed; a prior matrix holds finite numbers >= 0"),
                e.getMessage());
        Path nan = Files.writeString(tmp.resolve("nan.csv"), "0.5,NaN\n0.5,0.5\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.readPrior(nan)).getMessage().contains("'NaN'"));
        Path big = Files.writeString(tmp.resolve("big.csv"), "0.5,0.5\n".repeat(10_000));
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> ModelSpec.readPrior(big));
        assertTrue(b.getMessage().contains("more than the " + ModelSpec.MAX_PRIOR_BYTES + " bytes allowed"), b.getMessage());
        Path ragged = Files.writeString(tmp.resolve("ragged.csv"), "1\n0.5,0.5\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.readPrior(ragged)).getMessage()
                .contains("row 1 has 1 numbers; a prior matrix is square"));
    }
}
