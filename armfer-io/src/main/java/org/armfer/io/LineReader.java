package org.armfer.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;

/**
 * Lines of a text file with a length limit: a line longer than the limit is returned cut to it, and
 * {@link #lastLineCut()} / {@link #lastLineLength()} say so, so that one 50 MB line costs no more memory than the
 * limit and the caller can report it as one bad line and go on. Line ends are {@code \n}, {@code \r\n} or {@code \r}
 * (as {@link java.io.BufferedReader#readLine()}); a byte order mark at the start of the file is dropped, as CSV readers
 * do.
 */
public final class LineReader implements Closeable {

    private static final char BOM = '\uFEFF';

    private final Reader in;
    private final int maxChars;
    private final char[] buf = new char[8192];
    private int pos;
    private int end;
    private boolean skipLf;
    private boolean eof;
    private long lineNumber;
    private long lastLength;

    /** Lines of {@code in} decoded as {@code charset} (malformed bytes read as U+FFFD), cut at {@code maxChars}. */
    public LineReader(InputStream in, Charset charset, int maxChars) {
        this(new InputStreamReader(in, charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)), maxChars);
    }

    /** Lines of {@code in}, cut at {@code maxChars}. */
    public LineReader(Reader in, int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be >= 1; got " + maxChars);
        }
        this.in = in;
        this.maxChars = maxChars;
    }

    private boolean fill() throws IOException {
        if (pos < end) return true;
        if (eof) return false;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            eof = true;
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }

    /** The next line without its line end (at most the limit's characters), or null at the end of the file. */
    public String readLine() throws IOException {
        StringBuilder sb = null;
        long length = 0;
        boolean any = false;
        while (fill()) {
            if (skipLf) {
                skipLf = false;
                if (buf[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            any = true;
            int i = pos;
            while (i < end && buf[i] != '\n' && buf[i] != '\r') i++;
            int n = i - pos;
            int room = (int) Math.max(0, maxChars - length);
            if (room > 0 && n > 0) {
                if (sb == null) sb = new StringBuilder(Math.min(Math.max(n, 80), maxChars));
                sb.append(buf, pos, Math.min(n, room));
            }
            length += n;
            pos = i;
            if (i < end) {
                skipLf = buf[i] == '\r';
                pos++;
                break;
            }
        }
        if (!any) {
            return null;
        }
        lineNumber++;
        String line = sb == null ? "" : sb.toString();
        if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == BOM) {
            line = line.substring(1);
            length--;
        }
        lastLength = length;
        return line;
    }

    /** The 1-based number of the line {@link #readLine()} returned last (0 before the first). */
    public long lineNumber() {
        return lineNumber;
    }

    /** Whether the last line was longer than the limit (and returned cut to it). */
    public boolean lastLineCut() {
        return lastLength > maxChars;
    }

    /** The full length in characters of the last line, also when it was cut. */
    public long lastLineLength() {
        return lastLength;
    }

    public int maxChars() {
        return maxChars;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
