package org.armfer.train;

import org.armfer.io.AtomicFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * armfer's model files: DL4J {@link ModelSerializer} zips with armfer's JSON documents (the {@link ModelCard}, a
 * checkpoint's training state) as plain UTF-8 entries beside DL4J's own, every write atomic ({@link AtomicFiles}).
 * <p>
 * Reading is defensive. A JSON entry is read only up to {@value #MAX_JSON_BYTES} bytes. Files written before the
 * card became a plain entry hold it as a Java-serialized {@code String} under {@code objects/<name>} (DL4J's
 * {@code ModelSerializer.addObjectToFile}); those are read through an {@link ObjectInputFilter} that admits no class
 * at all (a {@code String} needs none) within small depth, reference and size limits, so a hostile entry is refused at
 * its first class descriptor, before anything is instantiated. Before DL4J reads a model file ({@link #load}), every
 * entry is checked: DL4J's {@code ModelSerializer} reads all entries of the zip into memory and deserializes a
 * {@code preprocessor.bin} entry with a plain {@link ObjectInputStream} (any class on the classpath), so a file with
 * that entry is refused unread, and the entries' uncompressed bytes, counted while decompressing (a zip's announced
 * sizes can lie), must stay within {@value #MAX_MODEL_BYTES} bytes. And models saved before the fast layers moved from
 * {@code org.armfer.layers.fast} to {@code org.armfer.fast} (module {@code dl4j-arm-fast}) name the old classes in their
 * configuration: {@link #load} maps them to the new ones.
 */
public final class ModelFiles {

    /** The model card entry. */
    public static final String CARD = "armfer-card.json";
    /** A checkpoint's training state entry (the epoch history). */
    public static final String STATE = "armfer-state.json";
    /** The most bytes a JSON entry may have. */
    public static final int MAX_JSON_BYTES = 4 << 20;
    /** The most bytes DL4J's {@code configuration.json} entry may have (ResNet-34-ARM's is ~150 KB). */
    public static final long MAX_CONFIGURATION_BYTES = 64L << 20;
    /**
     * The most uncompressed bytes all entries of a model file together may have: DL4J holds them all in memory while
     * it loads (ResNet-34 with Adam's state, the largest zoo checkpoint, has ~260 MB).
     */
    public static final long MAX_MODEL_BYTES = 2L << 30;
    /** DL4J's entry of a Java-serialized data preprocessor, which {@code ModelSerializer} deserializes unfiltered. */
    static final String SERIALIZED_PREPROCESSOR = "preprocessor.bin";
    /** Where {@code ModelSerializer.addObjectToFile} keeps its Java-serialized objects (the old cards). */
    static final String LEGACY_OBJECTS = "objects/";
    /** The package of the fast layers before they moved to {@value #FAST_PACKAGE}. */
    static final String OLD_FAST_PACKAGE = "org.armfer.layers.fast.";
    static final String FAST_PACKAGE = "org.armfer.fast.";

    private ModelFiles() {
    }

    /**
     * Writes {@code model} (with its updater state when {@code withUpdater}: a checkpoint needs it to resume) and the
     * given JSON documents, entry name to text, to {@code file}: the previous file or the new one, never half of one.
     */
    public static void save(ComputationGraph model, Path file, boolean withUpdater, Map<String, String> json) throws IOException {
        AtomicFiles.writeFile(file, tmp -> {
            ModelSerializer.writeModel(model, tmp.toFile(), withUpdater);
            if (json.isEmpty()) {
                return;
            }
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + tmp.toUri()), Map.of())) {
                for (Map.Entry<String, String> e : json.entrySet()) {
                    Files.write(zip.getPath(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
                }
            }
        });
    }

    /** A model with the card that says how to feed it. */
    public record Loaded(ComputationGraph model, ModelCard card) {
    }

    /**
     * The model of a model file written by the training library ({@code armfer train}, {@code armfer-spark}) and its
     * card, for evaluation and prediction.
     *
     * @throws IOException when the file is not a model, or has no card
     */
    public static Loaded loadWithCard(Path file) throws IOException {
        ComputationGraph model = load(file);
        ModelCard card = ModelCard.readFrom(file);
        if (card == null) {
            throw new IOException(file + " has no armfer model card (" + CARD + "): it was not written by armfer's training"
                    + " library ('armfer train', 'armfer-spark'); for a PyTorch checkpoint of the ARM reference use --weights");
        }
        return new Loaded(model, card);
    }

    /** The model in {@code file} without its updater state (for evaluation and prediction). */
    public static ComputationGraph load(Path file) throws IOException {
        return load(file, false);
    }

    /**
     * The ComputationGraph in {@code file}, with its updater state when asked (to resume training). A configuration
     * that names the fast layers' old package is read with the new names.
     */
    public static ComputationGraph load(Path file, boolean withUpdater) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No model file " + file);
        }
        String config;
        try (ZipFile zf = new ZipFile(file.toFile())) {
            ZipEntry e = zf.getEntry(ModelSerializer.CONFIGURATION_JSON);
            if (e == null) {
                throw new IOException(file + " is not a DL4J model: it has no " + ModelSerializer.CONFIGURATION_JSON);
            }
            checkEntries(zf, file, MAX_MODEL_BYTES);
            config = new String(readLimited(zf, e, MAX_CONFIGURATION_BYTES, file), StandardCharsets.UTF_8);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + " is not a DL4J model (not a zip file: " + e.getMessage() + ")", e);
        }
        Path source = file;
        Path renamed = null;
        if (config.contains(OLD_FAST_PACKAGE)) {
            renamed = Files.createTempFile("armfer-model", ".zip");
            Files.copy(file, renamed, StandardCopyOption.REPLACE_EXISTING);
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + renamed.toUri()), Map.of())) {
                Files.writeString(zip.getPath(ModelSerializer.CONFIGURATION_JSON), config.replace(OLD_FAST_PACKAGE, FAST_PACKAGE));
            }
            source = renamed;
        }
        try {
            return ModelSerializer.restoreComputationGraph(source.toFile(), withUpdater);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a DL4J ComputationGraph model: " + e.getMessage(), e);
        } finally {
            if (renamed != null) {
                Files.deleteIfExists(renamed);
            }
        }
    }

    /**
     * The JSON document {@code name} of {@code file}: its plain entry, else the old Java-serialized one; null when the
     * file has neither.
     *
     * @throws IOException when the entry is larger than {@value #MAX_JSON_BYTES} bytes, or the old entry holds
     *                     anything but a String
     */
    public static String readJson(Path file, String name) throws IOException {
        try (ZipFile zf = new ZipFile(file.toFile())) {
            ZipEntry plain = zf.getEntry(name);
            if (plain != null) {
                return new String(readLimited(zf, plain, MAX_JSON_BYTES, file), StandardCharsets.UTF_8);
            }
            ZipEntry legacy = zf.getEntry(LEGACY_OBJECTS + name);
            return legacy == null ? null : readLegacyString(zf, legacy, file);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + " is not a model file (not a zip file: " + e.getMessage() + ")", e);
        }
    }

    /**
     * Refuses what DL4J would read unsafely: a Java-serialized {@value #SERIALIZED_PREPROCESSOR}, and entries whose
     * uncompressed bytes, counted while decompressing, exceed {@value #MAX_MODEL_BYTES} in all.
     */
    static void checkEntries(ZipFile zf, Path file, long maxBytes) throws IOException {
        long total = 0;
        byte[] buf = new byte[1 << 16];
        for (var it = zf.entries(); it.hasMoreElements(); ) {
            ZipEntry e = it.nextElement();
            if (e.getName().equals(SERIALIZED_PREPROCESSOR)) {
                throw new IOException(file + ": entry " + SERIALIZED_PREPROCESSOR + " holds a Java-serialized object, which"
                        + " armfer does not read (DL4J would deserialize it unfiltered); armfer never writes it, so this"
                        + " model file was not written by armfer");
            }
            if (e.isDirectory()) {
                continue;
            }
            try (InputStream in = zf.getInputStream(e)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > maxBytes) {
                        throw new IOException(file + ": its entries hold more than the " + maxBytes + " bytes a model"
                                + " file may have uncompressed (at " + e.getName() + "); not a model armfer loads");
                    }
                }
            }
        }
    }

    /**
     * Deletes what an interrupted {@link #save} left in {@code dir}: the JDK's zip file system writes a model file's
     * JSON entries through a temporary {@code zipfstmp<number>.tmp} beside it, which a killed process cannot remove
     * (the model file itself is written by {@link AtomicFiles}, whose leftovers {@link org.armfer.io.OutputLock}
     * removes). Call it only on a folder this run holds; returns what was removed.
     */
    public static java.util.List<Path> removeLeftovers(Path dir) throws IOException {
        java.util.List<Path> removed = new java.util.ArrayList<>(AtomicFiles.removeLeftovers(dir));
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (ZIPFS_TEMP.matcher(n).matches() && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(f);
                    removed.add(f);
                }
            }
        }
        return removed;
    }

    /** {@code Files.createTempFile(dir, "zipfstmp", null)}: the zip file system's temporary file. */
    private static final java.util.regex.Pattern ZIPFS_TEMP = java.util.regex.Pattern.compile("zipfstmp-?\\d+\\.tmp");

    private static byte[] readLimited(ZipFile zf, ZipEntry e, long limit, Path file) throws IOException {
        if (e.getSize() > limit) {
            throw new IOException(file + ": entry " + e.getName() + " has " + e.getSize() + " bytes; more than the "
                    + limit + " allowed");
        }
        try (InputStream in = zf.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (b.length > limit) {
                throw new IOException(file + ": entry " + e.getName() + " is larger than the " + limit + " bytes allowed");
            }
            return b;
        }
    }

    /**
     * Admits a Java-serialized String (which needs no class descriptor) and nothing else: any class, array or proxy is
     * rejected before it is loaded, and depth, references and bytes are bounded.
     */
    static final ObjectInputFilter STRING_ONLY = info -> {
        if (info.depth() > 2 || info.references() > 4 || info.streamBytes() > MAX_JSON_BYTES + 1024L) {
            return ObjectInputFilter.Status.REJECTED;
        }
        if (info.serialClass() != null || info.arrayLength() >= 0) {
            return ObjectInputFilter.Status.REJECTED;
        }
        return ObjectInputFilter.Status.UNDECIDED;
    };

    private static String readLegacyString(ZipFile zf, ZipEntry e, Path file) throws IOException {
        Object o;
        try (InputStream raw = zf.getInputStream(e);
             ObjectInputStream in = new ObjectInputStream(new java.io.BufferedInputStream(limited(raw, MAX_JSON_BYTES + 1024L)))) {
            in.setObjectInputFilter(STRING_ONLY);
            o = in.readObject();
        } catch (InvalidClassException | ClassNotFoundException | ClassCastException | java.io.StreamCorruptedException ex) {
            throw new IOException(file + ": the old-format entry " + e.getName() + " is not a plain JSON string (it holds "
                    + "serialized objects, refused unread: " + ex.getMessage() + "); not an armfer model card", ex);
        }
        if (!(o instanceof String s)) {
            throw new IOException(file + ": the old-format entry " + e.getName() + " holds " + (o == null ? "null"
                    : o.getClass().getName()) + ", not a JSON string");
        }
        return s;
    }

    /** At most {@code limit} bytes of {@code in}; reading past them fails. */
    private static InputStream limited(InputStream in, long limit) {
        return new InputStream() {
            private long left = limit;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    throw new IOException("more than " + limit + " bytes");
                }
                int b = in.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (left <= 0) {
                    throw new IOException("more than " + limit + " bytes");
                }
                int n = in.read(buf, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }
}
