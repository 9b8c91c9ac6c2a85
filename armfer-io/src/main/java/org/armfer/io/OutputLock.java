package org.armfer.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An exclusive lock on an output folder for as long as a run writes into it, so that two runs never write into the
 * same folder. The lock is the operating system's lock on the file {@value #FILE} in the folder: it is released when
 * the run closes it or when its process ends in any way (a kill included), so a lock left by a killed run is never
 * in the way. The file itself stays (it is tiny) and holds who took the lock last, for the message a second run gets.
 * <pre>{@code
 * try (OutputLock lock = OutputLock.acquire(outDir)) {
 *     ... write into outDir ...
 * }
 * }</pre>
 */
public final class OutputLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutputLock.class);

    /** The lock file inside the folder. */
    public static final String FILE = ".armfer.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created when missing) for this process, or fails with an IOException that names the folder
     * and the run holding it. Temporary files that an earlier, interrupted write left in the folder
     * ({@link AtomicFiles#removeLeftovers}) are removed once the lock is held.
     */
    public static OutputLock acquire(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is a file, not a folder; give an output folder (it is created when missing)");
        }
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new IOException(dir + " is in use by another run" + (holder.isEmpty() ? "" : " (" + holder + ")")
                    + "; wait for it to finish, or choose another output folder");
        }
        String previous = holder(channel);
        if (!previous.isEmpty()) {
            log.debug("Output folder {} was last locked by {} (that run has ended)", dir, previous);
        }
        String me = "pid " + ProcessHandle.current().pid() + " on " + hostName() + " since " + Instant.now();
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
        OutputLock out = new OutputLock(dir, channel, lock);
        AtomicFiles.removeLeftovers(dir);
        return out;
    }

    /** The folder this lock holds. */
    public Path dir() {
        return dir;
    }

    private static String holder(FileChannel channel) {
        try {
            long size = Math.min(channel.size(), 512);
            ByteBuffer b = ByteBuffer.allocate((int) size);
            channel.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
