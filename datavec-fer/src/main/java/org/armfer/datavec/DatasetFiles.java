package org.armfer.datavec;

import org.armfer.io.FileTooLargeException;
import org.armfer.io.LimitedFiles;
import org.armfer.io.LineReader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The files of one dataset root, read safely: the size limits of every kind of file datavec-fer reads, text files
 * through a size- and line-limited reader, and the check that an image (or annotation) named by a label file or found
 * in a folder is a regular file whose real path, links resolved, lies inside the dataset root.
 * <p>
 * A layout's own folders ({@code Image/aligned}, {@code Manually_Annotated_Images}, a split folder) may be links
 * themselves (a large image set moved to another disk and linked back): files below such a folder may lie in its real
 * folder too. A link below them that leaves both is refused, naming the link and where it leads.
 */
final class DatasetFiles {

    /** fer2013.csv is 301 MB, AffectNet's training.csv about 400 MB: three times the largest. */
    static final long MAX_CSV_BYTES = 1L << 30;
    /** list_patition_label.txt is 0.3 MB, fer2013new.csv 1.8 MB. */
    static final long MAX_LIST_BYTES = 64L << 20;
    /** A FER2013 row has at most 9,231 characters (2,304 values of up to 3 digits), an AffectNet row about 1,000. */
    static final int MAX_LINE_CHARS = 1 << 16;
    /** A one-value .npy file has 128 bytes. */
    static final long MAX_NPY_BYTES = 1 << 16;
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private final Path root;
    private final Path realRoot;
    private final Map<Path, Path> realDirs = new HashMap<>();

    DatasetFiles(Path root) {
        this.root = root;
        Path r;
        try {
            r = root.toRealPath();
        } catch (IOException e) {
            r = root.toAbsolutePath().normalize();
        }
        this.realRoot = r;
    }

    /** Lines of a text file of the dataset, at most {@code maxBytes} bytes, lines cut at {@link #MAX_LINE_CHARS}. */
    static LineReader lines(Path file, long maxBytes, String what) {
        try {
            return LimitedFiles.newLineReader(file, StandardCharsets.UTF_8, maxBytes, MAX_LINE_CHARS, what);
        } catch (IOException e) {
            throw DatasetFiles.cannotRead(file, e);
        }
    }

    /** The error for a text file that cannot be read: a file over its limit says so by itself. */
    static FerDataException cannotRead(Path file, IOException e) {
        return new FerDataException(e instanceof FileTooLargeException ? e.getMessage() : "Cannot read " + file + ": " + e.getMessage(), e);
    }

    /** Whether the file name ends in one of {@link #IMAGE_EXTENSIONS} (case-insensitive). */
    static boolean isImageName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot >= 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The entries of {@code dir} that {@code keep} accepts, hidden ones (".name") left out, in {@code order}. */
    static List<Path> list(Path dir, Predicate<Path> keep, Comparator<Path> order) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).filter(keep).sorted(order).toList();
        } catch (IOException e) {
            throw new FerDataException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The real path of {@code file} when it is a regular file inside the dataset root (or inside the real path of
     * {@code folder}, the layout folder it was found in; null for none); else null after telling {@code why} what is
     * wrong. {@code kind} names the file in the reason ("image", "annotation").
     */
    Path check(Path file, Path folder, String kind, Consumer<String> why) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            why.accept(kind + " file missing: " + file);
            return null;
        }
        Path real;
        try {
            real = a.isSymbolicLink() ? file.toRealPath() : realDir(file.toAbsolutePath().getParent()).resolve(file.getFileName());
        } catch (IOException e) {
            why.accept(kind + " file missing: " + file + " is a link to nothing");
            return null;
        }
        Path realFolder = folder == null ? null : realDirOrNull(folder);
        if (!real.startsWith(realRoot) && (realFolder == null || !real.startsWith(realFolder))) {
            why.accept(kind + " " + file + " resolves to " + real + ", outside the dataset root " + realRoot
                    + (realFolder != null && !realFolder.startsWith(realRoot) ? " and its folder " + realFolder : "")
                    + " (links must stay inside it)");
            return null;
        }
        boolean regular = a.isSymbolicLink() ? Files.isRegularFile(real) : a.isRegularFile();
        if (!regular) {
            why.accept(kind + " " + file + " is not a regular file");
            return null;
        }
        return real;
    }

    private Path realDir(Path dir) throws IOException {
        Path r = realDirs.get(dir);
        if (r == null) {
            r = dir.toRealPath();
            realDirs.put(dir, r);
        }
        return r;
    }

    private Path realDirOrNull(Path dir) {
        try {
            return realDir(dir.toAbsolutePath());
        } catch (IOException e) {
            return null;
        }
    }

    Path root() {
        return root;
    }
}
