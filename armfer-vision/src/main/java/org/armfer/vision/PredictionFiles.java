package org.armfer.vision;

import org.nd4j.shade.jackson.core.JsonEncoding;
import org.nd4j.shade.jackson.core.JsonFactory;
import org.nd4j.shade.jackson.core.JsonGenerator;
import org.nd4j.shade.jackson.core.util.DefaultPrettyPrinter;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Per-face results as JSON and CSV, written as they come (a video's frames one by one) into temporary files that
 * {@link #close} moves into place, so a reader never sees half a file. Probabilities carry 6 decimals, boxes are
 * whole pixels, a missing detector score is {@code null} / empty; NaN is never written (the predictor refuses it).
 * <p>
 * JSON: the header fields given to {@link #open}, then {@code "images"} (or {@code "frames"} for a video) with per
 * entry the image path (or frame index and time), its size, the annotated copy, and {@code "faces"}: each with
 * {@code box} {x, y, width, height}, {@code score}, {@code landmarks} when the detector gives them, {@code crop} (the
 * square the model saw), {@code top} (the top-k labels with probabilities) and {@code probabilities} (every label),
 * then the summary fields given to {@link #close(Map)}.
 * <p>
 * CSV: one row per face: {@code image} (or {@code frame,time_s}), {@code face} (1-based; empty for an image without
 * faces), {@code x,y,width,height,score}, {@code top1,p1,...,topK,pK}, then {@code p_<label>} for every label.
 */
public final class PredictionFiles implements Closeable {

    /** Whether rows are images or video frames. */
    public enum Kind { IMAGES, VIDEO }

    private final Kind kind;
    private final List<String> labels;
    private final int topK;
    private final Path json;
    private final Path csv;
    private final Path jsonTmp;
    private final Path csvTmp;
    private final JsonGenerator gen;
    private final Writer csvOut;
    private boolean closed;

    private PredictionFiles(Kind kind, Path json, Path csv, Map<String, ?> header, List<String> labels, int topK) throws IOException {
        if (json == null && csv == null) {
            throw new IllegalArgumentException("give a JSON or a CSV file (or both)");
        }
        if (topK < 1 || topK > labels.size()) {
            throw new IllegalArgumentException("topK must be between 1 and " + labels.size() + "; got " + topK);
        }
        this.kind = kind;
        this.labels = List.copyOf(labels);
        this.topK = topK;
        this.json = json;
        this.csv = csv;
        this.jsonTmp = json == null ? null : temp(json);
        this.csvTmp = csv == null ? null : temp(csv);
        if (json != null) {
            gen = new JsonFactory().createGenerator(jsonTmp.toFile(), JsonEncoding.UTF8);
            gen.enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
            gen.setPrettyPrinter(new DefaultPrettyPrinter());
            gen.writeStartObject();
            for (Map.Entry<String, ?> e : header.entrySet()) {
                gen.writeFieldName(e.getKey());
                value(e.getValue());
            }
            gen.writeArrayFieldStart(kind == Kind.IMAGES ? "images" : "frames");
        } else {
            gen = null;
        }
        if (csv != null) {
            csvOut = Files.newBufferedWriter(csvTmp, StandardCharsets.UTF_8);
            StringBuilder h = new StringBuilder(kind == Kind.IMAGES ? "image" : "frame,time_s");
            h.append(",face,x,y,width,height,score");
            for (int k = 1; k <= topK; k++) h.append(",top").append(k).append(",p").append(k);
            for (String l : labels) h.append(',').append(csvField("p_" + l));
            csvOut.write(h.append('\n').toString());
        } else {
            csvOut = null;
        }
    }

    /** A new file beside {@code target}, created with the usual permissions (createTempFile's are owner-only). */
    static Path temp(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW).close();
        return tmp;
    }

    /**
     * Opens the files ({@code json} or {@code csv} may be null); {@code header} holds the JSON's leading fields (model,
     * detector, labels, ...).
     */
    public static PredictionFiles open(Kind kind, Path json, Path csv, Map<String, ?> header, List<String> labels, int topK)
            throws IOException {
        return new PredictionFiles(kind, json, csv, header, labels, topK);
    }

    /** One image's faces; {@code annotated} is the annotated copy's path (null: none written). */
    public void addImage(String image, ImagePrediction p, String annotated) throws IOException {
        if (kind != Kind.IMAGES) throw new IllegalStateException("these files hold video frames");
        if (gen != null) {
            gen.writeStartObject();
            gen.writeStringField("image", image);
            entry(p, annotated);
        }
        rows(csvField(image), p);
    }

    /** One video frame's faces: {@code frame} its index from 0, {@code seconds} its time in the video. */
    public void addFrame(long frame, double seconds, ImagePrediction p) throws IOException {
        if (kind != Kind.VIDEO) throw new IllegalStateException("these files hold images");
        if (gen != null) {
            gen.writeStartObject();
            gen.writeNumberField("frame", frame);
            gen.writeFieldName("time");
            gen.writeNumber(round(seconds, 3));
            entry(p, null);
        }
        rows(frame + "," + round(seconds, 3).toPlainString(), p);
        if (csvOut != null) {
            csvOut.flush();
        }
    }

    private void entry(ImagePrediction p, String annotated) throws IOException {
        gen.writeNumberField("width", p.width());
        gen.writeNumberField("height", p.height());
        if (annotated != null) {
            gen.writeStringField("annotated", annotated);
        }
        gen.writeArrayFieldStart("faces");
        for (FacePrediction f : p.faces()) {
            gen.writeStartObject();
            FaceBox b = f.box();
            gen.writeObjectFieldStart("box");
            gen.writeNumberField("x", b.x());
            gen.writeNumberField("y", b.y());
            gen.writeNumberField("width", b.width());
            gen.writeNumberField("height", b.height());
            gen.writeEndObject();
            gen.writeFieldName("score");
            if (Double.isNaN(b.score())) gen.writeNull();
            else gen.writeNumber(round(b.score(), 4));
            if (b.landmarks().length > 0) {
                gen.writeArrayFieldStart("landmarks");
                float[] l = b.landmarks();
                for (int i = 0; i + 1 < l.length; i += 2) {
                    gen.writeStartArray();
                    gen.writeNumber(round(l[i], 1));
                    gen.writeNumber(round(l[i + 1], 1));
                    gen.writeEndArray();
                }
                gen.writeEndArray();
            }
            gen.writeObjectFieldStart("crop");
            gen.writeNumberField("x", f.crop().x);
            gen.writeNumberField("y", f.crop().y);
            gen.writeNumberField("width", f.crop().width);
            gen.writeNumberField("height", f.crop().height);
            gen.writeEndObject();
            gen.writeArrayFieldStart("top");
            for (FacePrediction.Label l : f.top(topK)) {
                gen.writeStartObject();
                gen.writeStringField("label", l.label());
                gen.writeFieldName("probability");
                gen.writeNumber(round(l.probability(), 6));
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeObjectFieldStart("probabilities");
            double[] pr = f.probabilities();
            for (int i = 0; i < labels.size(); i++) {
                gen.writeFieldName(labels.get(i));
                gen.writeNumber(round(pr[i], 6));
            }
            gen.writeEndObject();
            gen.writeEndObject();
        }
        gen.writeEndArray();
        gen.writeEndObject();
    }

    private void rows(String lead, ImagePrediction p) throws IOException {
        if (csvOut == null) {
            return;
        }
        if (p.faces().isEmpty()) {
            StringBuilder r = new StringBuilder(lead).append(",,,,,,");
            r.append(",".repeat(2 * topK + labels.size()));
            csvOut.write(r.append('\n').toString());
            return;
        }
        int n = 0;
        for (FacePrediction f : p.faces()) {
            FaceBox b = f.box();
            StringBuilder r = new StringBuilder(lead).append(',').append(++n).append(',').append(b.x()).append(',').append(b.y())
                    .append(',').append(b.width()).append(',').append(b.height()).append(',')
                    .append(Double.isNaN(b.score()) ? "" : round(b.score(), 4).toPlainString());
            for (FacePrediction.Label l : f.top(topK)) {
                r.append(',').append(csvField(l.label())).append(',').append(round(l.probability(), 6).toPlainString());
            }
            for (double v : f.probabilities()) r.append(',').append(round(v, 6).toPlainString());
            csvOut.write(r.append('\n').toString());
        }
    }

    /** Finishes the files without summary fields. */
    @Override
    public void close() throws IOException {
        close(Map.of());
    }

    /** Finishes the files, the JSON with {@code summary}'s fields after the images or frames, and moves them into place. */
    public void close(Map<String, ?> summary) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (gen != null) {
                gen.writeEndArray();
                for (Map.Entry<String, ?> e : summary.entrySet()) {
                    gen.writeFieldName(e.getKey());
                    value(e.getValue());
                }
                gen.writeEndObject();
                gen.close();
                Files.move(jsonTmp, json, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            if (csvOut != null) {
                csvOut.close();
                Files.move(csvTmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            if (jsonTmp != null) Files.deleteIfExists(jsonTmp);
            if (csvTmp != null) Files.deleteIfExists(csvTmp);
        }
    }

    /** Discards the files (after a failure): the temporary files are deleted, nothing is moved into place. */
    public void abort() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (gen != null) gen.close();
        } catch (IOException | RuntimeException ignored) {
            // the file is deleted anyway
        }
        try {
            if (csvOut != null) csvOut.close();
        } catch (IOException ignored) {
            // the file is deleted anyway
        }
        for (Path p : new Path[]{jsonTmp, csvTmp}) {
            try {
                if (p != null) Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private void value(Object v) throws IOException {
        if (v == null) {
            gen.writeNull();
        } else if (v instanceof String s) {
            gen.writeString(s);
        } else if (v instanceof Boolean b) {
            gen.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long) {
            gen.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isFinite(d)) gen.writeNumber(round(d, 6));
            else gen.writeNull();
        } else if (v instanceof Map<?, ?> m) {
            gen.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                gen.writeFieldName(String.valueOf(e.getKey()));
                value(e.getValue());
            }
            gen.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            gen.writeStartArray();
            for (Object o : c) value(o);
            gen.writeEndArray();
        } else {
            gen.writeString(v.toString());
        }
    }

    /** {@code v} rounded to {@code decimals}, in plain notation, trailing zeros dropped. */
    static BigDecimal round(double v, int decimals) {
        BigDecimal b = BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return b.signum() == 0 ? BigDecimal.ZERO : b;
    }

    static String csvField(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
