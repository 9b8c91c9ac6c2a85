package org.armfer.datavec;

import org.armfer.io.Excerpt;
import org.armfer.io.LimitedFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader of NumPy {@code .npy} files (format versions 1-3) that hold one value, such as AffectNet's annotation files
 * ({@code N_exp.npy}): integers ({@code i1/i2/i4/i8, u1/u2/u4/u8}), floats ({@code f4/f8}, whole numbers only) and
 * strings ({@code |S}, {@code <U}; some copies store the expression as text).
 * <p>
 * Checked, each failing with an {@link IllegalArgumentException} naming the file: the magic and version, the header's
 * {@code descr} (one of the types above), its {@code shape} (one value: {@code ()}, {@code (1,)} or all ones; a shape
 * such as {@code (2,)} is refused, not read as its first element), the data length (exactly one value, nothing after
 * it), and the value's range ({@link #readInt} refuses an int64 of 2^40 instead of overflowing). Files over 64 KiB are
 * refused before they are read (a one-value file has 128 bytes).
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
    private static final Pattern TYPE = Pattern.compile("[<>|=]([iu][1248]|f[48]|[SU][0-9]{1,3})");
    private static final String TYPES = "<i1 <i2 <i4 <i8 <u1 ... <u8, <f4, <f8, |S<n>, <U<n> (either byte order)";

    private Npy() {
    }

    /** The one value of {@code file} as an int; IllegalArgumentException naming the file when it is not one. */
    public static int readInt(Path file) throws IOException {
        long v = readLong(file);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": value " + v + " does not fit an int (" + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE + ")");
        }
        return (int) v;
    }

    /** The one value of {@code file} as a long; IllegalArgumentException naming the file when it is not one. */
    public static long readLong(Path file) throws IOException {
        return readLong(file, file);
    }

    /** {@link #readLong(Path)} of {@code source}, naming it {@code named} in errors (the path the dataset gave). */
    static long readLong(Path source, Path named) throws IOException {
        byte[] b = LimitedFiles.readAllBytes(source, DatasetFiles.MAX_NPY_BYTES, "a one-value .npy file");
        Header h = header(b, named);
        ByteBuffer d = ByteBuffer.wrap(b, h.data, b.length - h.data).order(h.order);
        int at = h.data;
        return switch (h.kind) {
            case 'i' -> switch (h.width) {
                case 1 -> d.get(at);
                case 2 -> d.getShort(at);
                case 4 -> d.getInt(at);
                default -> d.getLong(at);
            };
            case 'u' -> switch (h.width) {
                case 1 -> d.get(at) & 0xFFL;
                case 2 -> d.getShort(at) & 0xFFFFL;
                case 4 -> d.getInt(at) & 0xFFFFFFFFL;
                default -> {
                    long v = d.getLong(at);
                    if (v < 0) {
                        throw new IllegalArgumentException(named + ": value " + Long.toUnsignedString(v) + " (" + h.descr
                                + ") is larger than a long");
                    }
                    yield v;
                }
            };
            case 'f' -> {
                double f = h.width == 4 ? d.getFloat(at) : d.getDouble(at);
                if (!Double.isFinite(f) || f != Math.rint(f) || Math.abs(f) > 0x1p53) {
                    throw new IllegalArgumentException(named + ": value " + f + " (" + h.descr + ") is not a whole number");
                }
                yield (long) f;
            }
            default -> parse(text(b, h, named), named);
        };
    }

    private static String text(byte[] b, Header h, Path named) {
        if (h.kind == 'S') {
            return new String(b, h.data, h.width, StandardCharsets.US_ASCII);
        }
        ByteBuffer d = ByteBuffer.wrap(b).order(h.order);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < h.width; i++) {
            int cp = d.getInt(h.data + 4 * i);
            if (!Character.isValidCodePoint(cp)) {
                throw new IllegalArgumentException(named + ": character " + i + " (" + cp + ") of the " + h.descr
                        + " value is not a Unicode code point");
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static long parse(String s, Path named) {
        String v = s.replace("\0", "").strip();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(named + ": value '" + Excerpt.of(v) + "' is not a whole number");
        }
    }

    /** The parsed header: type, byte order, value width in bytes of storage units, offset of the data. */
    private record Header(String descr, char kind, int width, ByteOrder order, int data) {
    }

    private static Header header(byte[] b, Path file) {
        if (b.length < 10) {
            throw new IllegalArgumentException(file + ": not a .npy file (" + b.length + " bytes, too short)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) throw new IllegalArgumentException(file + ": not a .npy file (no \\x93NUMPY magic)");
        }
        int major = b[6];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int off;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            off = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) throw new IllegalArgumentException(file + ": not a .npy file (too short)");
            headerLen = bb.getInt(8) & 0xFFFFFFFFL;
            off = 12;
        } else {
            throw new IllegalArgumentException(file + ": unsupported .npy version " + major + " (1, 2 and 3 are read)");
        }
        if (off + headerLen > b.length) {
            throw new IllegalArgumentException(file + ": .npy header length " + headerLen + " exceeds the file (" + b.length + " bytes)");
        }
        String header = new String(b, off, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher m = DESCR.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(file + ": .npy header has no descr: " + Excerpt.of(header.strip()));
        }
        String descr = m.group(1);
        if (!TYPE.matcher(descr).matches()) {
            throw new IllegalArgumentException(file + ": unsupported .npy type '" + Excerpt.of(descr) + "'; allowed: " + TYPES);
        }
        List<Long> shape = shape(header, file);
        if (shape.stream().anyMatch(n -> n != 1)) {
            String count;
            try {
                count = String.valueOf(shape.stream().reduce(1L, Math::multiplyExact));
            } catch (ArithmeticException e) {
                count = "more than 2^63";
            }
            throw new IllegalArgumentException(file + ": shape " + shapeText(shape) + " holds " + count
                    + " values; a label file must hold one (shape (), (1,) or (1, 1))");
        }
        char kind = descr.charAt(1);
        int width = Integer.parseInt(descr.substring(2));
        if (width == 0) {
            throw new IllegalArgumentException(file + ": .npy type '" + descr + "' holds no characters");
        }
        int bytes = kind == 'U' ? 4 * width : width;
        int data = off + (int) headerLen;
        if (b.length - data != bytes) {
            throw new IllegalArgumentException(file + ": " + (b.length - data) + " data bytes after the .npy header; one "
                    + descr + " value has " + bytes + (b.length - data < bytes ? " (the file is cut short)" : ""));
        }
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN
                : descr.charAt(0) == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        return new Header(descr, kind, width, order, data);
    }

    /** The header's shape tuple: {@code ()}, {@code (1,)}, {@code (2, 2)}, ... */
    private static List<Long> shape(String header, Path file) {
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(file + ": .npy header has no shape: " + Excerpt.of(header.strip()));
        }
        List<Long> dims = new ArrayList<>();
        for (String part : m.group(1).split(",")) {
            String p = part.strip().replaceFirst("[lL]$", ""); // Python 2 wrote (1L,)
            if (p.isEmpty()) continue;
            try {
                long n = Long.parseLong(p);
                if (n < 0) throw new NumberFormatException();
                dims.add(n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": .npy shape (" + Excerpt.of(m.group(1)) + ") is not a tuple of sizes");
            }
        }
        return dims;
    }

    private static String shapeText(List<Long> shape) {
        if (shape.size() == 1) return "(" + shape.get(0) + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.size(); i++) sb.append(i > 0 ? ", " : "").append(shape.get(i));
        return sb.append(')').toString();
    }
}
