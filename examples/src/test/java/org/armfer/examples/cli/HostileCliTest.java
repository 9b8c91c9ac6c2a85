package org.armfer.examples.cli;

import org.armfer.io.OutputFolder;
import org.armfer.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21's command-line cases, each refused before a model is built or a file written: non-finite and out-of-range
 * values are usage errors (exit 2) naming the option and what is allowed; an output folder another run holds, a file
 * given as --out and a folder of someone else's files are refused and left untouched; a busy --ui-port is a one-line
 * error; a huge value is cut in the message.
 */
class HostileCliTest {

    @TempDir
    Path tmp;

    @org.junit.jupiter.api.BeforeEach
    void demoRoot() throws java.io.IOException {
        Files.createDirectories(tmp.resolve("demo"));
    }

    private String[] train(String... extra) {
        String[] head = {"train", "--dataset", "demo", "--root", tmp.resolve("demo").toString(), "--epochs", "1",
                "--max-batches", "1", "--batch", "4"};
        String[] all = java.util.Arrays.copyOf(head, head.length + extra.length);
        System.arraycopy(extra, 0, all, head.length, extra.length);
        return all;
    }

    private static void assertUsageError(CliRunner.Result r, String... mentions) {
        assertEquals(2, r.exitCode(), r.toString());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r);
        String message = r.err().lines().findFirst().orElse(""); // the usage text that follows names every option
        for (String m : mentions) {
            assertTrue(message.contains(m), "the message mentions '" + m + "': " + r);
        }
    }

    @Test
    void nonFiniteAndOutOfRangeValuesAreUsageErrorsNamingTheOptionAndTheAllowedValues() {
        assertUsageError(CliRunner.run(train("--lr", "Infinity")), "--lr", "finite");
        assertUsageError(CliRunner.run(train("--lr", "NaN")), "--lr", "finite");
        assertUsageError(CliRunner.run(train("--weight-decay", "-1")), "--weight-decay");
        assertUsageError(CliRunner.run(train("--kernel-size", "0")), "--kernel-size 0", "allowed");
        assertUsageError(CliRunner.run(train("--stride", "100")), "--stride 100", "allowed");
        assertUsageError(CliRunner.run(train("--lambda", "-1")), "--lambda -1", "allowed");
        assertUsageError(CliRunner.run(train("--lambda", "NaN")), "--lambda NaN", "allowed");
        assertUsageError(CliRunner.run(train("--input-size", "7")), "--input-size", "8 to 1024");
        CliRunner.Result huge = CliRunner.run(train("--input-size", "100000"));
        assertUsageError(huge, "--input-size", "8 to 1024");
        assertFalse(huge.err().contains("OutOfMemory"), huge.toString());
        assertUsageError(CliRunner.run(train("--ui", "--ui-port", "70000")), "--ui-port 70000", "1 to 65535");
        assertFalse(Files.exists(tmp.resolve("runs")), "nothing written");
    }

    @Test
    void anOutputFileOrAFolderOfOtherFilesIsRefusedAndLeftUntouched() throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "my notes");
        assertUsageError(CliRunner.run(train("--out", file.toString())), "--out", file.toString());
        assertEquals("my notes", Files.readString(file));

        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(photos.resolve("holiday.jpg"), "not really a jpeg");
        CliRunner.Result r = CliRunner.run(train("--out", photos.toString()));
        assertUsageError(r, "--out", "holiday.jpg");
        try (var s = Files.list(photos)) {
            assertEquals(1, s.count(), "nothing added to the folder: " + r);
        }
        assertEquals("not really a jpeg", Files.readString(photos.resolve("holiday.jpg")));
    }

    @Test
    void aSecondRunIntoAFolderAnotherRunHoldsStopsBeforeWritingAnything() throws Exception {
        Path out = tmp.resolve("run");
        try (OutputFolder held = OutputFolder.claim(out, TrainRun.KIND, TrainRun::isEarlierRun)) {
            CliRunner.Result second = CliRunner.run(train("--out", out.toString()));
            assertEquals(1, second.exitCode(), second.toString());
            assertTrue(second.err().contains("in use by another run"), second.toString());
            assertFalse(second.err().contains("\tat "), second.toString());
            assertFalse(Files.exists(out.resolve(TrainRun.MODEL)) || Files.exists(out.resolve(TrainRun.CONFIG)),
                    "the second run wrote nothing: " + second);
        }
    }

    @Test
    void aBusyUiPortIsAOneLineErrorBeforeTraining() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(0));
            int port = busy.getLocalPort();
            CliRunner.Result r = CliRunner.run(train("--ui", "--ui-port", Integer.toString(port), "--out",
                    tmp.resolve("ui").toString()));
            assertEquals(1, r.exitCode(), r.toString());
            assertTrue(r.err().contains("--ui-port " + port + ": the port is in use"), r.toString());
            assertFalse(r.err().contains("\tat "), r.toString());
            assertFalse(Files.exists(tmp.resolve("ui").resolve(TrainRun.MODEL)), r.toString());
        }
    }

    @Test
    void aHugeValueIsCutInTheMessage() {
        String big = "x".repeat(200_000);
        CliRunner.Result r = CliRunner.run(train("--dataset", big));
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().length() < 20_000, "the message is cut: " + r.err().length() + " characters");
    }

    @picocli.CommandLine.Command(name = "hungry")
    static final class Hungry implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Physical memory usage is too high: physicalBytes (17787M) > maxPhysicalBytes (16384M)");
        }
    }

    @Test
    void runningOutOfMemoryIsAOneLineErrorWithTheWaysOut() {
        picocli.CommandLine cl = org.armfer.examples.Main.commandLine().addSubcommand(new Hungry());
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err, true));
        assertEquals(1, org.armfer.examples.Main.execute(cl, "hungry"));
        String e = err.toString();
        assertTrue(e.startsWith("armfer hungry: out of memory (Physical memory usage is too high") && e.contains("lower --batch")
                && e.contains("--accumulate"), e);
        assertEquals(1, e.strip().lines().count(), "one line: " + e);
    }
}
