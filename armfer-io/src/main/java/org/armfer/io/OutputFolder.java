package org.armfer.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An output folder that one armfer run owns while it writes into it: never a folder of someone else's files, never a
 * folder another run is writing into. {@link #claim} accepts a folder that does not exist yet (it is created), an empty
 * one, or one that an earlier armfer run of the same kind wrote (its marker file {@value #MARKER} says so; runs from
 * before the marker existed are recognised by the caller's {@code earlierRun} test, e.g. a training run's
 * {@code config.json} beside its {@code checkpoint.zip}). Anything else is refused with a {@link Refused} exception
 * that names the folder and what is expected, before anything is written or deleted. Then it holds the folder's
 * {@link OutputLock} until {@link #close()}, so a second run into the same folder fails at once naming the first.
 * <pre>{@code
 * try (OutputFolder out = OutputFolder.claim(dir, "train", d -> Files.exists(d.resolve("config.json")))) {
 *     ... write into dir ...
 * }
 * }</pre>
 */
public final class OutputFolder implements AutoCloseable {

    /** The marker file that says which kind of armfer run wrote the folder. */
    public static final String MARKER = ".armfer-run";
    private static final String MARKER_PREFIX = "armfer ";
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    /** How many of a foreign folder's entries a refusal names. */
    private static final int NAMED = 3;

    /** A folder that cannot take the run: a file, a folder of other files, or another kind of armfer run. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private final Path dir;
    private final String kind;
    private final OutputLock lock;
    private final boolean fresh;
    /** The topmost folder the claim created (the run's folder or a parent of it), or null when the folder existed. */
    private final Path created;

    private OutputFolder(Path dir, String kind, OutputLock lock, boolean fresh, Path created) {
        this.dir = dir;
        this.kind = kind;
        this.lock = lock;
        this.fresh = fresh;
        this.created = created;
    }

    /**
     * Why {@code dir} cannot hold a run of {@code kind}, or null when it can; reads the folder and changes nothing.
     *
     * @param kind       the run's kind, lower case ({@code train}, {@code search}, ...): what the marker holds
     * @param earlierRun whether a folder without a marker holds a run of this kind written before markers existed
     *                   (null: none did)
     */
    public static String refusal(Path dir, String kind, Predicate<Path> earlierRun) throws IOException {
        checkKind(kind);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(dir)) {
            return null;
        }
        if (!Files.isDirectory(dir)) {
            return dir + (Files.isRegularFile(dir) ? " is a file" : " is not a folder") + ", not an output folder; "
                    + expected(kind);
        }
        String marked = markerKind(dir);
        if (marked != null) {
            return marked.equals(kind) ? null : dir + " holds an armfer " + marked + " run, not a " + kind + " run; "
                    + expected(kind);
        }
        List<String> foreign = new ArrayList<>();
        long count;
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> entries = s.filter(p -> !isOurs(p)).sorted().toList();
            count = entries.size();
            for (Path p : entries) {
                if (foreign.size() == NAMED) break;
                foreign.add(Excerpt.of(p.getFileName().toString(), 40));
            }
        }
        if (count == 0 || (earlierRun != null && earlierRun.test(dir))) {
            return null;
        }
        return dir + " holds files armfer did not write (" + String.join(", ", foreign) + (count > NAMED ? " and "
                + (count - NAMED) + " more" : "") + "); " + expected(kind) + ", so that nothing of yours is overwritten";
    }

    /**
     * Claims {@code dir} for a run of {@code kind}: refuses it as {@link #refusal} says ({@link Refused}), then takes
     * its {@link OutputLock} (an IOException naming the run that holds it; temporary files of interrupted writes are
     * removed once it is held), then writes the marker.
     */
    public static OutputFolder claim(Path dir, String kind, Predicate<Path> earlierRun) throws IOException {
        Objects.requireNonNull(dir, "dir");
        String why = refusal(dir, kind, earlierRun);
        if (why != null) {
            throw new Refused(why);
        }
        Path created = null;
        for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
            created = p;
        }
        boolean fresh = created != null || isEmpty(dir);
        OutputLock lock = OutputLock.acquire(dir);
        try {
            // again, now that no other armfer run can write here: a run that ended meanwhile may have marked it
            why = refusal(dir, kind, earlierRun);
            if (why != null) {
                throw new Refused(why);
            }
            if (!kind.equals(markerKind(dir))) {
                AtomicFiles.write(dir.resolve(MARKER), MARKER_PREFIX + kind + "\n");
            }
            return new OutputFolder(dir, kind, lock, fresh, created);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The kind of run the folder holds. */
    public String kind() {
        return kind;
    }

    /** Whether the folder was new or empty when it was claimed (else it held an earlier run of this kind). */
    public boolean wasEmpty() {
        return fresh;
    }

    /**
     * Releases the lock; the marker stays. A run that wrote nothing into a folder that was new or empty (it failed
     * before its first file) leaves nothing behind: the marker and the lock file are removed, and the folder too when
     * the claim created it (with the parents it created).
     */
    @Override
    public void close() throws IOException {
        boolean untouched = fresh && onlyOurs();
        if (untouched) {
            Files.deleteIfExists(dir.resolve(MARKER));
        }
        lock.close();
        if (untouched) {
            Files.deleteIfExists(dir.resolve(OutputLock.FILE));
            // the folder and the parents the claim created, as long as they are empty
            for (Path p = dir.toAbsolutePath().normalize(); created != null && p != null && p.startsWith(created)
                    && isEmpty(p); p = p.getParent()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Whether the folder holds nothing but the marker and the lock file. */
    private boolean onlyOurs() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> {
                String n = p.getFileName().toString();
                return n.equals(MARKER) || n.equals(OutputLock.FILE);
            });
        }
    }

    /** The kind an armfer marker in {@code dir} names, or null when there is no (readable) marker. */
    public static String markerKind(Path dir) {
        Path m = dir.resolve(MARKER);
        if (!Files.isRegularFile(m, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            String text = new String(LimitedFiles.readAllBytes(m, 256, "an armfer run marker"), StandardCharsets.UTF_8).strip();
            if (!text.startsWith(MARKER_PREFIX)) {
                return null;
            }
            String k = text.substring(MARKER_PREFIX.length()).strip();
            return KIND.matcher(k).matches() ? k : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isOurs(Path p) {
        String n = p.getFileName().toString();
        return n.equals(MARKER) || n.equals(OutputLock.FILE);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(OutputFolder::isOurs);
        }
    }

    private static String expected(String kind) {
        return kind + " writes into a new or empty folder, or one an earlier armfer " + kind + " wrote";
    }

    private static void checkKind(String kind) {
        if (kind == null || !KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("a run kind is a lower-case word such as 'train'; got " + kind);
        }
    }
}
