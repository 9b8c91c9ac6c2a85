package org.armfer.train;

import org.armfer.io.AtomicFiles;
import org.armfer.io.Excerpt;
import org.armfer.io.LimitedFiles;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.PropertyAccessor;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;

/**
 * JSON for the training library's files (configs, checkpoints' state, model cards, reports): fields, not getters;
 * unknown properties are errors; NaN allowed (a metric over no example). Files are written with {@link AtomicFiles}.
 */
public final class Json {

    /** The most bytes a JSON file armfer reads may have (a config or a report; cards are limited by {@link ModelFiles}). */
    public static final long MAX_FILE_BYTES = 16L << 20;

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .setVisibility(PropertyAccessor.GETTER, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);

    private Json() {
    }

    public static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code o} as JSON in {@code file}, written atomically. */
    public static void write(Path file, Object o) throws IOException {
        AtomicFiles.write(file, write(o));
    }

    /**
     * A JSON file of at most {@value #MAX_FILE_BYTES} bytes as {@code type} (the size is checked before reading and
     * counted while reading); the error names the file. The values read are the caller's to check.
     */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        byte[] bytes = LimitedFiles.readAllBytes(file, MAX_FILE_BYTES, "an armfer JSON file");
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new IOException(file + ": " + Excerpt.ofMessage(e.getMessage(), 400), e);
        }
    }
}
