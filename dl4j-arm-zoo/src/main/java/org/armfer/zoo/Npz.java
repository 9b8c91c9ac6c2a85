package org.armfer.zoo;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A careful reader of NumPy {@code .npz} archives (what {@code numpy.savez} writes: a zip of {@code .npy} files) into
 * ND4J arrays. Every header is checked before anything is allocated: the header length is bounded, the shape's
 * element count must not overflow, and the data the header announces must fit both a Java array and the bytes the
 * zip entry actually holds, so a truncated, corrupt or absurdly sized file fails with a message naming the file and
 * the entry instead of allocating what it claims.
 */
public final class Npz {

    /** Largest header accepted (NumPy writes ~128 bytes; the format allows up to 4 GiB in version 2+). */
    static final int MAX_HEADER = 64 * 1024;
    /** Largest tensor accepted, in bytes. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npz() {
    }

    /** Reads every array of an {@code .npz} file, keyed by name (without ".npy"), in file order. */
    public static Map<String, INDArray> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No such .npz file: " + file);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName();
                if (!name.endsWith(".npy")) {
                    throw new IOException(file + ": entry '" + name + "' is not a .npy array; a state dict saved with"
                            + " numpy.savez holds only .npy entries");
                }
                String key = name.substring(0, name.length() - 4);
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(key, readNpy(in, e.getSize(), file + ":" + name));
                } catch (ZipException | EOFException ex) {
                    throw new IOException(file + ":" + name + ": truncated or corrupt entry (" + ex.getMessage() + ")", ex);
                }
            }
        } catch (ZipException e) {
            throw new IOException(file + " is not a valid .npz (zip) archive: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Writes arrays as an {@code .npz} archive (uncompressed, what {@code numpy.savez} writes), readable by
     * {@code numpy.load}. Supported types: float16/32/64, int32/64.
     */
    public static void write(Path file, Map<String, INDArray> arrays) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(tmp))) {
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(npyBytes(e.getValue(), e.getKey()));
                zip.closeEntry();
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** One array in .npy format version 1.0, little-endian, C order. */
    static byte[] npyBytes(INDArray a, String name) {
        String descr;
        int size;
        switch (a.dataType()) {
            case FLOAT: descr = "<f4"; size = 4; break;
            case DOUBLE: descr = "<f8"; size = 8; break;
            case HALF: descr = "<f2"; size = 2; break;
            case INT: descr = "<i4"; size = 4; break;
            case LONG: descr = "<i8"; size = 8; break;
            default: throw new IllegalArgumentException("Cannot write '" + name + "' of type " + a.dataType()
                    + " to .npy; supported: FLOAT, DOUBLE, HALF, INT, LONG");
        }
        StringBuilder shape = new StringBuilder("(");
        for (long d : a.shape()) {
            shape.append(d).append(", ");
        }
        if (a.rank() > 1) {
            shape.setLength(shape.length() - 2);
        } else if (a.rank() == 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        INDArray c = a.dup('c');
        long n = c.length();
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + (int) (n * size)).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        INDArray flat = c.reshape(n);
        for (long i = 0; i < n; i++) {
            switch (a.dataType()) {
                case FLOAT: buf.putFloat(flat.getFloat(i)); break;
                case DOUBLE: buf.putDouble(flat.getDouble(i)); break;
                case HALF: buf.putShort(Dtype.floatToHalf(flat.getFloat(i))); break;
                case INT: buf.putInt(flat.getInt((int) i)); break;
                default: buf.putLong(flat.getLong(i)); break;
            }
        }
        return buf.array();
    }

    /**
     * Reads one {@code .npy} stream. {@code size} is the uncompressed entry size when known (else -1); {@code where}
     * names it in messages.
     */
    static INDArray readNpy(InputStream raw, long size, String where) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        byte[] magic = new byte[6];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(where + ": not a .npy array (bad magic bytes)");
        }
        int major = in.readUnsignedByte();
        in.readUnsignedByte(); // minor
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            prefix = 10;
        } else if (major == 2 || major == 3) {
            headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            prefix = 12;
        } else {
            throw new IOException(where + ": unsupported .npy format version " + major + " (supported: 1, 2, 3)");
        }
        if (headerLen > MAX_HEADER) {
            throw new IOException(where + ": .npy header of " + headerLen + " bytes is larger than " + MAX_HEADER + "; corrupt file");
        }
        byte[] headerBytes = new byte[(int) headerLen];
        in.readFully(headerBytes);
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        String descr = group(DESCR, header, "descr", where);
        boolean fortran = "True".equals(group(FORTRAN, header, "fortran_order", where));
        long[] shape = parseShape(group(SHAPE, header, "shape", where), where);
        Dtype dtype = Dtype.parse(descr, where);

        long count = 1;
        for (long d : shape) {
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new IOException(where + ": shape " + Arrays.toString(shape) + " overflows");
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, dtype.size);
        } catch (ArithmeticException e) {
            throw new IOException(where + ": shape " + Arrays.toString(shape) + " overflows");
        }
        if (bytes > MAX_BYTES) {
            throw new IOException(where + ": shape " + Arrays.toString(shape) + " of " + descr + " needs " + bytes
                    + " bytes, more than the " + MAX_BYTES + " a tensor may have");
        }
        if (size >= 0 && size - prefix - headerLen != bytes) {
            throw new IOException(where + ": header announces " + Arrays.toString(shape) + " " + descr + " = " + bytes
                    + " bytes but the entry holds " + Math.max(0, size - prefix - headerLen) + " bytes of data; truncated or corrupt");
        }
        byte[] data = new byte[(int) bytes];
        in.readFully(data);
        if (in.read() != -1) {
            throw new IOException(where + ": more data than the header's shape " + Arrays.toString(shape) + " announces; corrupt");
        }
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return shape(dtype.flat(ByteBuffer.wrap(data).order(order), (int) count), shape, fortran);
    }

    private static String group(Pattern p, String header, String field, String where) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(where + ": .npy header has no '" + field + "': " + header.trim());
        }
        return m.group(1);
    }

    private static long[] parseShape(String s, String where) throws IOException {
        String t = s.trim();
        if (t.isEmpty()) {
            return new long[0];
        }
        String[] parts = t.split(",");
        int n = parts.length;
        if (parts[n - 1].trim().isEmpty()) {
            n--;
        }
        long[] shape = new long[n];
        for (int i = 0; i < n; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim().replace("L", ""));
            } catch (NumberFormatException e) {
                throw new IOException(where + ": bad shape (" + s + ")");
            }
            if (shape[i] < 0) {
                throw new IOException(where + ": negative dimension in shape (" + s + ")");
            }
        }
        return shape;
    }

    /** IEEE 754 binary16 to float (shared with {@link TorchPth}). */
    static float halfToFloat(short h) {
        return Dtype.halfToFloat(h);
    }

    /** The element types a PyTorch state dict holds. */
    private enum Dtype {
        F2(2), F4(4), F8(8), I1(1), U1(1), B1(1), I2(2), I4(4), I8(8);

        final int size;

        Dtype(int size) {
            this.size = size;
        }

        static Dtype parse(String descr, String where) throws IOException {
            if (descr.length() < 3 || "<>|=".indexOf(descr.charAt(0)) < 0) {
                throw new IOException(where + ": unsupported dtype '" + descr + "'");
            }
            switch (descr.substring(1)) {
                case "f2": return F2;
                case "f4": return F4;
                case "f8": return F8;
                case "i1": return I1;
                case "u1": return U1;
                case "b1": return B1;
                case "i2": return I2;
                case "i4": return I4;
                case "i8": return I8;
                default:
                    throw new IOException(where + ": unsupported dtype '" + descr
                            + "' (supported: float16/32/64, int8/16/32/64, uint8, bool)");
            }
        }

        /** A flat C-order vector of the values. */
        INDArray flat(ByteBuffer buf, int count) {
            switch (this) {
                case F4: {
                    float[] v = new float[count];
                    buf.asFloatBuffer().get(v);
                    return Nd4j.createFromArray(v);
                }
                case F8: {
                    double[] v = new double[count];
                    buf.asDoubleBuffer().get(v);
                    return Nd4j.createFromArray(v);
                }
                case F2: {
                    float[] v = new float[count];
                    for (int i = 0; i < count; i++) v[i] = halfToFloat(buf.getShort());
                    return Nd4j.createFromArray(v).castTo(DataType.HALF);
                }
                case I8: {
                    long[] v = new long[count];
                    buf.asLongBuffer().get(v);
                    return Nd4j.createFromArray(v);
                }
                case I4: {
                    int[] v = new int[count];
                    buf.asIntBuffer().get(v);
                    return Nd4j.createFromArray(v);
                }
                case I2: {
                    short[] v = new short[count];
                    buf.asShortBuffer().get(v);
                    return Nd4j.createFromArray(v);
                }
                case U1: {
                    int[] v = new int[count];
                    for (int i = 0; i < count; i++) v[i] = buf.get() & 0xFF;
                    return Nd4j.createFromArray(v);
                }
                case B1: {
                    boolean[] v = new boolean[count];
                    for (int i = 0; i < count; i++) v[i] = buf.get() != 0;
                    return Nd4j.createFromArray(v);
                }
                default: {
                    byte[] v = new byte[count];
                    buf.get(v);
                    return Nd4j.createFromArray(v);
                }
            }
        }

        /** float to IEEE 754 binary16, round to nearest even (Float.floatToFloat16 is Java 20+). */
        static short floatToHalf(float f) {
            int bits = Float.floatToIntBits(f);
            int sign = (bits >>> 16) & 0x8000;
            int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
            int mant = bits & 0x7FFFFF;
            if (((bits >>> 23) & 0xFF) == 0xFF) {
                return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
            }
            if (exp >= 0x1F) {
                return (short) (sign | 0x7C00);
            }
            if (exp <= 0) {
                if (exp < -10) {
                    return (short) sign;
                }
                mant |= 0x800000;
                int shift = 14 - exp;
                int half = mant >> shift;
                int rem = mant & ((1 << shift) - 1);
                int mid = 1 << (shift - 1);
                if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
                return (short) (sign | half);
            }
            int half = sign | (exp << 10) | (mant >> 13);
            int rem = mant & 0x1FFF;
            if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++;
            return (short) half;
        }

        /** IEEE 754 binary16 to float (Float.float16ToFloat is Java 20+). */
        static float halfToFloat(short h) {
            int bits = h & 0xFFFF;
            int sign = (bits >>> 15) << 31;
            int exp = (bits >>> 10) & 0x1F;
            int mant = bits & 0x3FF;
            if (exp == 0x1F) {
                return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
            }
            if (exp == 0) {
                float v = mant / 1024f * (float) Math.pow(2, -14);
                return sign != 0 ? -v : v;
            }
            return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
        }
    }

    /** Shapes a flat C-order vector read from a .npy payload; Fortran-ordered payloads are the transpose of C order. */
    static INDArray shape(INDArray flat, long[] shape, boolean fortran) {
        if (shape.length == 0) {
            return flat.reshape(new long[0]);
        }
        if (!fortran || shape.length == 1) {
            return flat.reshape('c', shape);
        }
        long[] reversed = new long[shape.length];
        int[] perm = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            reversed[i] = shape[shape.length - 1 - i];
            perm[i] = shape.length - 1 - i;
        }
        return flat.reshape('c', reversed).permute(perm).dup('c');
    }
}
