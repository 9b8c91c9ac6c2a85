package org.armfer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {

    private static long filesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void writesAndReplacesAndCreatesTheFolder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/deeper/a.txt");
        AtomicFiles.write(file, "first");
        assertEquals("first", Files.readString(file));
        AtomicFiles.write(file, "second, longer than the first");
        assertEquals("second, longer than the first", Files.readString(file));
        AtomicFiles.write(file, new byte[]{1, 2, 3});
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(file));
        assertEquals(1, filesIn(file.getParent()), "no temporary file left beside " + file);
    }

    @Test
    void aFailedWriteKeepsTheOldContentAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.zip");
        AtomicFiles.write(file, "good");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("good", Files.readString(file), "the old content survives a failed write");
        assertEquals(1, filesIn(dir), "the temporary file is removed after a failure");
    }

    @Test
    void fileWritersGetAnEmptyTemporaryFileInTheTargetFolder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.bin");
        AtomicFiles.writeFile(file, tmp -> {
            assertEquals(dir.toAbsolutePath(), tmp.toAbsolutePath().getParent(), "same folder, so the move is a rename");
            assertEquals(0, Files.size(tmp));
            Files.write(tmp, new byte[]{7});
        });
        assertArrayEquals(new byte[]{7}, Files.readAllBytes(file));
    }
}
