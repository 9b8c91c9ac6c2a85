package org.armfer.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file larger than the limit its reader set: the message names the file, its size (or "more than") and the limit. */
public class FileTooLargeException extends IOException {

    private final transient Path file;
    private final long limit;

    /** {@code size}: the file's size, or -1 when it is not known (the limit was reached while reading). */
    public FileTooLargeException(Path file, long size, long limit, String what) {
        super(file + ": " + (size >= 0 ? size + " bytes, " : "") + "more than the " + limit + " bytes allowed for " + what);
        this.file = file;
        this.limit = limit;
    }

    public Path file() {
        return file;
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }
}
