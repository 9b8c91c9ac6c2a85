package org.armfer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputFolderTest {

    @Test
    void aNewFolderIsCreatedMarkedAndLockedAndTakenAgainByTheSameKind(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("a/run");
        try (OutputFolder out = OutputFolder.claim(dir, "train", null)) {
            assertTrue(out.wasEmpty());
            assertEquals("train", OutputFolder.markerKind(dir));
            IOException second = assertThrows(IOException.class, () -> OutputFolder.claim(dir, "train", null));
            assertFalse(second instanceof OutputFolder.Refused, "locked, not refused: " + second);
            assertTrue(second.getMessage().contains("in use by another run")
                    && second.getMessage().contains("pid " + ProcessHandle.current().pid()), second.getMessage());
            Files.writeString(dir.resolve("model.zip"), "written by the run");
        }
        try (OutputFolder again = OutputFolder.claim(dir, "train", null)) {
            assertFalse(again.wasEmpty(), "holds the earlier run");
            assertEquals("written by the run", Files.readString(dir.resolve("model.zip")), "nothing removed");
        }
    }

    @Test
    void aRunThatWroteNothingLeavesNothingBehind(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("a/new");
        try (OutputFolder out = OutputFolder.claim(dir, "predict", null)) {
            assertTrue(Files.isDirectory(dir) && out.wasEmpty());
        }
        assertFalse(Files.exists(dir), "the folder the claim created is gone");
        assertFalse(Files.exists(tmp.resolve("a")), "and the parent it created");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        try (OutputFolder out = OutputFolder.claim(empty, "predict", null)) {
            assertTrue(out.wasEmpty());
        }
        try (var s = Files.list(empty)) {
            assertEquals(0, s.count(), "the user's empty folder stays, empty");
        }
        try (OutputFolder out = OutputFolder.claim(empty, "predict", null)) {
            Files.writeString(empty.resolve("predictions.json"), "{}");
        }
        assertEquals("predict", OutputFolder.markerKind(empty), "a folder the run wrote into keeps its marker");
    }

    @Test
    void aFolderOfSomeoneElsesFilesIsRefusedUntouched(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(dir.resolve("holiday.jpg"), "a photo");
        Path hidden = Files.writeString(dir.resolve(".notes.txt.x1.tmp"), "looks like an atomic write's leftover");
        OutputFolder.Refused e = assertThrows(OutputFolder.Refused.class, () -> OutputFolder.claim(dir, "predict", null));
        assertTrue(e.getMessage().contains(dir + " holds files armfer did not write") && e.getMessage().contains("holiday.jpg")
                && e.getMessage().contains("predict writes into a new or empty folder"), e.getMessage());
        assertTrue(Files.exists(hidden), "nothing deleted");
        assertFalse(Files.exists(dir.resolve(OutputLock.FILE)) || Files.exists(dir.resolve(OutputFolder.MARKER)), "nothing written");
    }

    @Test
    void anotherKindOfRunAndAFileAreRefused(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        try (OutputFolder o = OutputFolder.claim(run, "train", null)) {
            Files.writeString(run.resolve("epochs.csv"), "epoch\n");
        }
        OutputFolder.Refused e = assertThrows(OutputFolder.Refused.class, () -> OutputFolder.claim(run, "evaluate", null));
        assertTrue(e.getMessage().contains("holds an armfer train run, not a evaluate run"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("existing.txt"), "x");
        OutputFolder.Refused f = assertThrows(OutputFolder.Refused.class, () -> OutputFolder.claim(file, "train", null));
        assertTrue(f.getMessage().contains(file + " is a file, not an output folder; train writes into a new or empty folder"),
                f.getMessage());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void aRunFromBeforeMarkersIsRecognisedByTheCallersTest(@TempDir Path tmp) throws IOException {
        Path old = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(old.resolve("config.json"), "{}");
        Files.writeString(old.resolve("checkpoint.zip"), "zip");
        assertTrue(OutputFolder.refusal(old, "train", null).contains("config.json"), "without the test: foreign");
        assertNull(OutputFolder.refusal(old, "train", d -> Files.exists(d.resolve("checkpoint.zip"))));
        try (OutputFolder out = OutputFolder.claim(old, "train", d -> Files.exists(d.resolve("checkpoint.zip")))) {
            assertEquals("train", OutputFolder.markerKind(old), "marked from now on");
        }
    }

    @Test
    void leftoversOfInterruptedWritesInAClaimedFolderAreRemoved(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run");
        Path partial = dir.resolve(".checkpoint.zip.k3j2.tmp");
        try (OutputFolder o = OutputFolder.claim(dir, "train", null)) {
            Files.writeString(partial, "half a checkpoint"); // what a run killed while saving leaves
        }
        assertTrue(Files.exists(partial));
        try (OutputFolder out = OutputFolder.claim(dir, "train", null)) {
            assertFalse(Files.exists(partial));
        }
    }
}
