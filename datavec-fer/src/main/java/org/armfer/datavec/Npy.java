package org.armfer.datavec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal reader of NumPy {@code .npy} files (format versions 1-3) for AffectNet's one-value annotation files
 * ({@code N_exp.npy}): integers ({@code i1/i2/i4/i8, u1/u2/u4/u8}), floats ({@code f4/f8}) and strings
 * ({@code |S}, {@code <U}; the expression is stored as a string in some copies). Only the first value is read.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]+)['\"]");
    private static final int MAX_FILE = 1 << 20;

    private Npy() {
    }

    /** The first value of {@code file} as an int; IllegalArgumentException naming the file when it is not one. */
    public static int readInt(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE) {
            throw new IllegalArgumentException(file + ": " + size + " bytes, too large for a one-value annotation");
        }
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10) {
            throw new IllegalArgumentException(file + ": not a .npy file (too short)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) throw new IllegalArgumentException(file + ": not a .npy file (no \\x93NUMPY magic)");
        }
        int major = b[6];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen, off;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            off = 10;
        } else if (major == 2 || major == 3) {
            headerLen = bb.getInt(8);
            off = 12;
        } else {
            throw new IllegalArgumentException(file + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || off + headerLen > b.length) {
            throw new IllegalArgumentException(file + ": .npy header length " + headerLen + " exceeds the file");
        }
        String header = new String(b, off, headerLen, StandardCharsets.ISO_8859_1);
        Matcher m = DESCR.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(file + ": .npy header has no descr: " + header.strip());
        }
        String descr = m.group(1);
        if (!descr.matches("[<>|=][iufSU][0-9]{1,4}")) {
            throw new IllegalArgumentException(file + ": unsupported .npy type '" + descr + "' (expected an integer, float or"
                    + " string type such as <i8, <f4, |S2, <U2)");
        }
        int data = off + headerLen;
        char order = descr.charAt(0);
        char kind = descr.charAt(1);
        int width = Integer.parseInt(descr.substring(2));
        ByteBuffer d = ByteBuffer.wrap(b, data, b.length - data).order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int need = kind == 'U' ? 4 * width : width;
        if (b.length - data < need) {
            throw new IllegalArgumentException(file + ": .npy holds no value of type " + descr);
        }
        switch (kind) {
            case 'i':
            case 'u':
                long v = switch (width) {
                    case 1 -> kind == 'u' ? d.get(data) & 0xFF : d.get(data);
                    case 2 -> kind == 'u' ? d.getShort(data) & 0xFFFF : d.getShort(data);
                    case 4 -> kind == 'u' ? d.getInt(data) & 0xFFFFFFFFL : d.getInt(data);
                    case 8 -> d.getLong(data);
                    default -> throw new IllegalArgumentException(file + ": unsupported integer type " + descr);
                };
                return Math.toIntExact(v);
            case 'f':
                double f = width == 4 ? d.getFloat(data) : width == 8 ? d.getDouble(data) : Double.NaN;
                if (Double.isNaN(f) || f != Math.rint(f)) {
                    throw new IllegalArgumentException(file + ": value " + f + " (" + descr + ") is not a whole number");
                }
                return (int) f;
            case 'S':
            case 'U':
                String s;
                if (kind == 'S') {
                    s = new String(b, data, width, StandardCharsets.US_ASCII);
                } else {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < width; i++) sb.appendCodePoint(d.getInt(data + 4 * i));
                    s = sb.toString();
                }
                s = s.replace("\0", "").strip();
                try {
                    return Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ": value '" + s + "' is not a number");
                }
            default:
                throw new IllegalArgumentException(file + ": unsupported .npy type " + descr);
        }
    }
}
