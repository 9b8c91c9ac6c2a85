package org.armfer.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads files with a size limit, so that a file far larger than its kind can be (a 2 GB "label file", a link to
 * {@code /dev/zero}) fails with a clear {@link FileTooLargeException} instead of filling the memory. The size is
 * checked before reading and the bytes are counted while reading, so a file that grows, or a device that has no size,
 * stops at the limit too.
 */
public final class LimitedFiles {

    private LimitedFiles() {
    }

    /**
     * The whole file; {@link FileTooLargeException} when it holds more than {@code maxBytes}. {@code what} says what
     * the file is for the message ("a .npy label file").
     */
    public static byte[] readAllBytes(Path file, long maxBytes, String what) throws IOException {
        checkLimit(maxBytes);
        long size = sizeOf(file);
        if (size > maxBytes) {
            throw new FileTooLargeException(file, size, maxBytes, what);
        }
        try (InputStream in = newInputStream(file, maxBytes, what)) {
            return in.readAllBytes();
        }
    }

    /** A stream over the file that throws {@link FileTooLargeException} once more than {@code maxBytes} are read. */
    public static InputStream newInputStream(Path file, long maxBytes, String what) throws IOException {
        checkLimit(maxBytes);
        long size = sizeOf(file);
        if (size > maxBytes) {
            throw new FileTooLargeException(file, size, maxBytes, what);
        }
        return new Counting(Files.newInputStream(file), file, maxBytes, what);
    }

    /**
     * Text lines of the file (see {@link LineReader}): at most {@code maxBytes} bytes in all, lines cut at
     * {@code maxLineChars} characters; malformed bytes of {@code charset} are read as U+FFFD, so a bad line fails on
     * its own instead of ending the file.
     */
    public static LineReader newLineReader(Path file, Charset charset, long maxBytes, int maxLineChars, String what)
            throws IOException {
        return new LineReader(newInputStream(file, maxBytes, what), charset, maxLineChars);
    }

    /** The size of a regular file; -1 for something else (a device, a pipe), whose bytes are only counted. */
    private static long sizeOf(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.size(file) : -1;
    }

    private static void checkLimit(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0; got " + maxBytes);
        }
    }

    /** Counts the bytes read and fails past the limit. */
    private static final class Counting extends FilterInputStream {
        private final Path file;
        private final long max;
        private final String what;
        private long count;

        Counting(InputStream in, Path file, long max, String what) {
            super(in);
            this.file = file;
            this.max = max;
            this.what = what;
        }

        private int counted(int n) throws IOException {
            if (n > 0) {
                count += n;
                if (count > max) {
                    throw new FileTooLargeException(file, -1, max, what);
                }
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) counted(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return counted(super.read(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            if (s > 0) {
                count += s;
                if (count > max) throw new FileTooLargeException(file, -1, max, what);
            }
            return s;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
