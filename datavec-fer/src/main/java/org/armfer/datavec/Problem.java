package org.armfer.datavec;

import java.nio.file.Path;

/**
 * One bad row or image: the file, the 1-based line (0 when the problem is not a line of a text file) and why.
 */
public record Problem(Path file, long line, String reason) {

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + reason;
    }
}
