package org.armfer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Size-limited reads, the line reader's limits and line ends, and excerpts of values for messages. */
class LimitedFilesTest {

    @TempDir
    Path tmp;

    @Test
    void aFileOverTheLimitFailsNamingItsSizeTheLimitAndWhatItIs() throws IOException {
        Path f = Files.write(tmp.resolve("label.npy"), new byte[1001]);
        assertEquals(1001, LimitedFiles.readAllBytes(f, 1001, "a label").length);
        FileTooLargeException e = assertThrows(FileTooLargeException.class, () -> LimitedFiles.readAllBytes(f, 1000, "a .npy label file"));
        assertEquals(f + ": 1001 bytes, more than the 1000 bytes allowed for a .npy label file", e.getMessage());
        assertEquals(f, e.file());
        assertEquals(1000, e.limit());
        assertThrows(FileTooLargeException.class, () -> LimitedFiles.newInputStream(f, 10, "x"));
        assertThrows(IllegalArgumentException.class, () -> LimitedFiles.readAllBytes(f, -1, "x"));
    }

    @Test
    void aDeviceWithoutASizeIsStoppedAtTheLimitWhileReading() throws IOException {
        // /dev/zero is what a link in a dataset could point at: no size, endless bytes
        Path zero = Path.of("/dev/zero");
        FileTooLargeException e = assertThrows(FileTooLargeException.class, () -> LimitedFiles.readAllBytes(zero, 1 << 16, "a label file"));
        assertTrue(e.getMessage().contains("/dev/zero") && e.getMessage().contains("65536"), e.getMessage());
        try (LineReader r = LimitedFiles.newLineReader(zero, StandardCharsets.UTF_8, 1 << 20, 100, "a CSV file")) {
            IOException lines = assertThrows(FileTooLargeException.class, r::readLine);
            assertTrue(lines.getMessage().contains("a CSV file"), lines.getMessage());
        }
    }

    private static List<String> lines(String text, int max) throws IOException {
        List<String> out = new ArrayList<>();
        try (LineReader r = new LineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8, max)) {
            for (String l; (l = r.readLine()) != null; ) out.add(l);
        }
        return out;
    }

    @Test
    void lineEndsAsBufferedReaderAndAByteOrderMarkDropped() throws IOException {
        String text = "\uFEFFa,b\r\nc\rd\n\ne\r\n";
        assertEquals(new java.io.BufferedReader(new java.io.StringReader(text.substring(1))).lines().toList(), lines(text, 100));
        assertEquals(List.of("a", "\uFEFFb"), lines("a\n\uFEFFb", 100), "only a mark at the start of the file is dropped");
        assertEquals(List.of(), lines("", 100));
        assertEquals(List.of("x"), lines("x", 100), "last line without a line end");
        // a line end split across the reader's 8192-char buffer
        String split = "y".repeat(8191) + "\r\nz";
        assertEquals(List.of("y".repeat(8191), "z"), lines(split, 10_000));
    }

    @Test
    void aLongLineIsCutAndCountedAndTheNextLineReadsNormally() throws IOException {
        String longLine = "0," + "1 ".repeat(3_000_000) + ",Training";
        byte[] bytes = ("emotion,pixels,Usage\n" + longLine + "\n3,ok,Training\n").getBytes(StandardCharsets.US_ASCII);
        try (LineReader r = new LineReader(new ByteArrayInputStream(bytes), StandardCharsets.US_ASCII, 1000)) {
            assertEquals("emotion,pixels,Usage", r.readLine());
            assertFalse(r.lastLineCut());
            String cut = r.readLine();
            assertEquals(1000, cut.length());
            assertEquals(longLine.substring(0, 1000), cut);
            assertTrue(r.lastLineCut());
            assertEquals(longLine.length(), r.lastLineLength());
            assertEquals(2, r.lineNumber());
            assertEquals("3,ok,Training", r.readLine());
            assertFalse(r.lastLineCut());
            assertEquals(3, r.lineNumber());
            assertNull(r.readLine());
        }
    }

    @Test
    void malformedBytesBecomeReplacementCharactersInsteadOfEndingTheFile() throws IOException {
        byte[] latin1 = "caf\u00e9\nnext\n".getBytes(StandardCharsets.ISO_8859_1);
        try (InputStream in = new ByteArrayInputStream(latin1); LineReader r = new LineReader(in, StandardCharsets.UTF_8, 100)) {
            assertEquals("caf\uFFFD", r.readLine());
            assertEquals("next", r.readLine());
        }
    }

    @Test
    void excerptsCutLongValuesAndEscapeControlCharacters() {
        assertEquals("short", Excerpt.of("short"));
        String big = "7".repeat(50_000_000);
        String e = Excerpt.of(big);
        assertEquals("7".repeat(80) + "... (50000000 chars)", e);
        assertEquals("x".repeat(80), Excerpt.of("x".repeat(80)), "exactly the limit is not cut");
        assertEquals("a\\x1b[31mb\\x0a", Excerpt.of("a\u001b[31mb\n"));
        assertEquals("ab... (5 chars)", Excerpt.of("abcde", 2));
        // a surrogate pair is never split
        assertEquals("a... (3 chars)", Excerpt.of("a\uD83D\uDE00", 2));
        assertEquals("null", Excerpt.of(null));
        assertThrows(IllegalArgumentException.class, () -> Excerpt.of("x", 0));
    }

    @Test
    void messagesKeepTheirLinesButNotTheirLengthOrEscapes() {
        assertEquals("two\n\tlines", Excerpt.ofMessage("two\n\tlines", 100));
        assertEquals("bad value 'a\\x1b[2J'", Excerpt.ofMessage("bad value 'a\u001b[2J'", 100));
        String m = Excerpt.ofMessage("value " + "9".repeat(50_000_000), 1000);
        assertEquals(1000 + "... (50000006 chars)".length(), m.length(), "cut at the limit");
        assertTrue(m.endsWith("... (50000006 chars)"), m.substring(990));
    }

    @Test
    void atomicWritesGetTheDefaultPermissionsOfAPlainWrite() throws IOException {
        Path plain = Files.write(tmp.resolve("plain.csv"), new byte[]{1});
        Path atomic = tmp.resolve("atomic.csv");
        AtomicFiles.write(atomic, new byte[]{1});
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic),
                "not the owner-only permissions of Files.createTempFile");
        assertArrayEquals(new byte[]{1}, Files.readAllBytes(atomic));
    }
}
