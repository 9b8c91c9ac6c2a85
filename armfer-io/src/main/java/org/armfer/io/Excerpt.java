package org.armfer.io;

/**
 * A value from a file, shown in a message at a readable length: a bad CSV field of 50 MB is shown as its first 80
 * characters and its length, and control characters (a terminal escape sequence in a file name, say) are shown as
 * {@code \x1b}-style escapes instead of being printed.
 */
public final class Excerpt {

    /** How many characters of a value messages show. */
    public static final int DEFAULT_LENGTH = 80;

    private Excerpt() {
    }

    /** {@code value} itself when it is at most 80 characters, else its first 80 and {@code "... (N chars)"}. */
    public static String of(String value) {
        return of(value, DEFAULT_LENGTH);
    }

    /** As {@link #of(String)}, cut at {@code max} characters. */
    public static String of(String value, int max) {
        return cut(value, max, false);
    }

    /**
     * A whole message (an exception's, which may quote values from files or the command line) at a readable length:
     * as {@link #of(String, int)}, but line breaks and tabs are kept, so a message of several lines stays readable.
     */
    public static String ofMessage(String message, int max) {
        return cut(message, max, true);
    }

    private static String cut(String value, int max, boolean keepLines) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1; got " + max);
        }
        if (value == null) {
            return "null";
        }
        int n = value.length();
        int shown = Math.min(n, max);
        if (shown < n && Character.isHighSurrogate(value.charAt(shown - 1))) {
            shown--; // never split a surrogate pair
        }
        StringBuilder sb = new StringBuilder(shown + 24);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            boolean kept = keepLines && (c == '\n' || c == '\t');
            if (!kept && (c < 0x20 || (c >= 0x7F && c < 0xA0))) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (shown < n) {
            sb.append("... (").append(n).append(" chars)");
        }
        return sb.toString();
    }
}
