package org.armfer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputLockTest {

    @Test
    void aSecondRunInTheSameFolderIsRefusedUntilTheFirstCloses(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        try (OutputLock first = OutputLock.acquire(out)) {
            assertTrue(Files.isDirectory(out), "the folder is created");
            IOException e = assertThrows(IOException.class, () -> OutputLock.acquire(out));
            assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("in use by another run")
                    && e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        try (OutputLock again = OutputLock.acquire(out)) {
            assertEquals(out, again.dir(), "released on close");
        }
    }

    @Test
    void anotherProcessHoldsTheLockUntilItIsKilled(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                out.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("locked")) {
                // the child's log lines
            }
            assertTrue(line != null, "the child process took the lock");
            IOException e = assertThrows(IOException.class, () -> OutputLock.acquire(out));
            assertTrue(e.getMessage().contains("pid " + child.pid()), "names the holder: " + e.getMessage());
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child ended");
        }
        // the operating system released the killed process's lock: the folder is usable again
        try (OutputLock lock = OutputLock.acquire(out)) {
            assertEquals(out, lock.dir());
        }
    }

    @Test
    void leftoversOfInterruptedWritesAreRemovedOnceLocked(@TempDir Path dir) throws IOException {
        Path partial = Files.writeString(dir.resolve(".checkpoint.zip4711.tmp"), "half a checkpoint");
        Path userFile = Files.writeString(dir.resolve("notes.tmp"), "not ours");
        Path model = Files.writeString(dir.resolve("model.zip"), "kept");
        try (OutputLock lock = OutputLock.acquire(dir)) {
            assertFalse(Files.exists(partial), "partial write removed");
            assertTrue(Files.exists(userFile) && Files.exists(model), "other files kept");
        }
        assertEquals(List.of(), AtomicFiles.removeLeftovers(dir), "nothing left to remove");
    }

    @Test
    void aFileIsNotAnOutputFolder(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("existing.txt"), "x");
        IOException e = assertThrows(IOException.class, () -> OutputLock.acquire(file));
        assertTrue(e.getMessage().contains(file + " is a file, not a folder"), e.getMessage());
    }
}
