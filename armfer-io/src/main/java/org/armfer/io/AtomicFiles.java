package org.armfer.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes files so that an interrupted run never leaves half a file under the final name: the content goes to a
 * temporary file in the same folder, which is then renamed over the target (atomically where the file system can;
 * a plain replacing move where it cannot). The temporary file is removed when writing fails.
 */
public final class AtomicFiles {

    /** Writes the content of a file to a stream; may throw. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes the content of a file given its (temporary) path, for APIs that take a file, not a stream. */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path tmp) throws IOException;
    }

    /** Temporary files are named {@code .<final name>.<random>.tmp}, hidden beside the final file. */
    static final String PREFIX = ".";
    static final String SUFFIX = ".tmp";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** Whether {@code file} is named as the temporary file of an atomic write. */
    public static boolean isTemporary(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX) && name.length() > PREFIX.length() + SUFFIX.length();
    }

    /**
     * Deletes the temporary files that interrupted atomic writes (a killed process cannot remove its own) left
     * directly in {@code dir}; returns them. Call it only where no other process writes into {@code dir}, e.g. while
     * holding its {@link OutputLock}.
     */
    public static List<Path> removeLeftovers(Path dir) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (isTemporary(f) && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(f);
                    removed.add(f);
                }
            }
        }
        return removed;
    }

    /** {@code text} as UTF-8. */
    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /** The bytes {@code writer} writes to a stream. */
    public static void write(Path file, Writer writer) throws IOException {
        writeFile(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
        });
    }

    /**
     * The file {@code writer} writes at the temporary path it is given (created empty, in the target's folder, which
     * is created when missing), then moved over {@code file}.
     */
    public static void writeFile(Path file, FileWriter writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = newTemporary(dir, file.getFileName().toString());
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A new empty file beside the target. Created with the default permissions (the user's umask), not
     * {@link Files#createTempFile}'s owner-only ones, so that the renamed file has the permissions a plain write
     * would have given it.
     */
    private static Path newTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve(PREFIX + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + SUFFIX);
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) throw e;
            }
        }
    }
}
