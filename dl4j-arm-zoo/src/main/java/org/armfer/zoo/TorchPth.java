package org.armfer.zoo;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch {@code .pth} / {@code .pt} files written by {@code torch.save} into ND4J arrays, without Python.
 * Both formats are understood: the zip archive of torch 1.6 and later ({@code <archive>/data.pkl}, one
 * {@code <archive>/data/<key>} entry per storage, {@code version}, optionally {@code byteorder}) and the legacy
 * stream of {@code torch.save(..., _use_new_zipfile_serialization=False)} (magic number, protocol version, system
 * info, the object, the storage keys, then each storage's element count and bytes).
 * <p>
 * A {@code .pth} is a Python pickle, and unpickling may call any Python function the file names. This reader runs
 * no code: it interprets the pickle opcodes itself and accepts only the globals a state dict or a training checkpoint
 * of tensors is made of ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and its relatives,
 * the storage types, {@code torch.Size}, numpy scalars); any other global (say {@code os.system}, or a model class
 * pickled by {@code torch.save(model)}) is refused with its name and the file, before anything is built from it.
 * This is the allow-list idea of {@code torch.load(weights_only=True)}. What it reads is bounded too: the pickle
 * ({@link #MAX_PICKLE_BYTES}), each tensor ({@link #MAX_TENSOR_BYTES}), each storage against the bytes the file holds,
 * and a tensor's view (offset, size, stride) against its storage.
 * <p>
 * Tensors keep their values, shape and element type: float32/64, float16, bfloat16, int64/32/16, int8, uint8 (as
 * ND4J's UINT8) and bool; views that are not contiguous (a transposed weight, a slice, an expanded tensor) are
 * gathered into C order. {@link #readStateDict(Path)} returns a state dict of a plain {@code model.state_dict()} file
 * or the one a training checkpoint holds (under {@code model_state_dict}, {@code state_dict}, ...; see
 * {@link #STATE_DICT_KEYS}), which is what {@link TorchWeights#load} reads.
 */
public final class TorchPth {

    private static final Logger log = LoggerFactory.getLogger(TorchPth.class);

    /** Largest pickle read (a ResNet-18 state dict's is ~25 KB; checkpoints with optimizer state a few hundred KB). */
    public static final int MAX_PICKLE_BYTES = 64 << 20;
    /** Largest tensor or storage read, in bytes (one Java array). */
    public static final long MAX_TENSOR_BYTES = Npz.MAX_BYTES;
    /** Most dimensions a tensor may have. */
    static final int MAX_RANK = 32;
    /** Longest text line (protocol 0 opcodes) and most memo entries accepted. */
    private static final int MAX_LINE = 1 << 16;
    private static final int MAX_MEMO = 1 << 24;
    /** Deepest nesting of containers accepted (a state dict nests 3-5 deep; this bounds the reader's recursion). */
    static final int MAX_DEPTH = 256;

    /** Keys under which training checkpoints keep the model's state dict, tried in this order by {@link #readStateDict(Path)}. */
    public static final List<String> STATE_DICT_KEYS = List.of("model_state_dict", "state_dict", "model", "net", "network");

    /** torch's magic number at the start of a legacy (non-zip) file. */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final int LEGACY_PROTOCOL = 1001;

    private TorchPth() {
    }

    /** The file formats {@link #format(Path)} tells apart. */
    public enum Format {
        /** torch >= 1.6: a zip archive with data.pkl. */
        ZIP,
        /** torch.save(..., _use_new_zipfile_serialization=False): pickles and raw storages in one stream. */
        LEGACY,
        /** PyTorch < 0.4's tar archive: recognised, refused. */
        TAR,
        /** A TorchScript archive (torch.jit.save): recognised, refused. */
        TORCHSCRIPT,
        /** Not a PyTorch file. */
        NONE
    }

    /** Whether {@code file} is a PyTorch file (any {@link Format} but NONE), by its content. */
    public static boolean isTorchFile(Path file) throws IOException {
        return format(file) != Format.NONE;
    }

    /** The PyTorch format of {@code file}, from its first bytes (and, for a zip, its entry names). */
    public static Format format(Path file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                boolean pkl = false, code = false;
                for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    pkl |= name.endsWith("/data.pkl") || name.equals("data.pkl");
                    code |= name.endsWith("/constants.pkl") || name.contains("/code/");
                }
                return code ? Format.TORCHSCRIPT : pkl ? Format.ZIP : Format.NONE;
            } catch (ZipException e) {
                // a zip whose directory cannot be read: truncated or corrupt; a .pth by its name, else nothing we know
                String name = file.getFileName().toString();
                return name.endsWith(".pth") || name.endsWith(".pt") ? Format.ZIP : Format.NONE;
            }
        }
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return Format.LEGACY;
        }
        if (n >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            return Format.TAR;
        }
        return Format.NONE;
    }

    /**
     * The state dict of a {@code .pth}: the file's top-level dict when it is one (what {@code torch.save(model.state_dict())}
     * writes), or the dict under the first of {@link #STATE_DICT_KEYS} present (a training checkpoint such as
     * {@code {'epoch': 3, 'model_state_dict': ..., 'optimizer_state_dict': ...}}). Every key must be a string and every
     * value a tensor.
     */
    public static Map<String, INDArray> readStateDict(Path file) throws IOException {
        return readStateDict(file, null);
    }

    /**
     * The state dict stored under {@code key} of the file's top-level dict ({@code null}: as {@link #readStateDict(Path)}
     * finds it).
     */
    public static Map<String, INDArray> readStateDict(Path file, String key) throws IOException {
        Object top = read(file);
        Object sd = top;
        String where = file.toString();
        if (!(top instanceof Map)) {
            throw new IOException(file + " holds " + describe(top) + ", not a state dict (a dict of tensors, as"
                    + " torch.save(model.state_dict()) writes)");
        }
        Map<?, ?> topMap = (Map<?, ?>) top;
        if (key != null) {
            if (!topMap.containsKey(key)) {
                throw new IOException(file + " has no entry '" + key + "'; its top-level keys are " + keys(topMap));
            }
            sd = topMap.get(key);
            where = file + " ['" + key + "']";
        } else {
            for (String k : STATE_DICT_KEYS) {
                if (topMap.get(k) instanceof Map) {
                    sd = topMap.get(k);
                    where = file + " ['" + k + "']";
                    break;
                }
            }
        }
        if (!(sd instanceof Map)) {
            throw new IOException(where + " holds " + describe(sd) + ", not a state dict (a dict of tensors)");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) sd).entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new IOException(where + ": key " + e.getKey() + " (" + describe(e.getKey()) + ") is not a parameter name;"
                        + " a state dict maps names to tensors" + (sd == top ? hintWrapper(topMap) : ""));
            }
            if (!(e.getValue() instanceof INDArray)) {
                throw new IOException(where + ": '" + e.getKey() + "' holds " + describe(e.getValue()) + " where a state dict"
                        + " holds a tensor" + (sd == top ? hintWrapper(topMap) : ""));
            }
            out.put((String) e.getKey(), (INDArray) e.getValue());
        }
        log.debug("{}: state dict of {} tensors", where, out.size());
        return out;
    }

    private static String hintWrapper(Map<?, ?> top) {
        return " (the file's top-level keys are " + keys(top) + "; none of " + STATE_DICT_KEYS + " holds a dict; pass the key"
                + " of the state dict to TorchPth.readStateDict(file, key))";
    }

    private static String keys(Map<?, ?> m) {
        List<String> k = new ArrayList<>();
        for (Object o : m.keySet()) {
            k.add(o instanceof String ? "'" + o + "'" : String.valueOf(o));
            if (k.size() == 20) {
                k.add("...");
                break;
            }
        }
        return k.toString();
    }

    /**
     * Everything the file holds, as plain Java values: dicts as {@code LinkedHashMap} (insertion order kept), lists as
     * {@code List}, tuples (and {@code torch.Size}) as unmodifiable {@code List}, sets as {@code LinkedHashSet}, str as
     * {@code String}, bytes as {@code byte[]}, int as {@code Long} (or {@code BigInteger} beyond 64 bits), float as
     * {@code Double}, bool as {@code Boolean}, None as {@code null}, tensors as {@code INDArray}.
     */
    public static Object read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No such PyTorch file: " + file);
        }
        Format f = format(file);
        switch (f) {
            case ZIP: return readZip(file);
            case LEGACY: return readLegacy(file);
            case TAR:
                throw new IOException(file + " is in the tar format of PyTorch < 0.4, which armfer does not read; load it with"
                        + " an old torch and save it again with torch.save(model.state_dict(), path)");
            case TORCHSCRIPT:
                throw new IOException(file + " is a TorchScript archive (torch.jit.save): it holds code, not a state dict;"
                        + " save model.state_dict() with torch.save instead");
            default:
                throw new IOException(file + " is not a PyTorch file: neither a torch.save zip archive (with data.pkl) nor the"
                        + " legacy pickle stream");
        }
    }

    // ---------------------------------------------------------------- the two containers

    private static Object readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = null;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry z = e.nextElement();
                String n = z.getName();
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length() || n.equals("data.pkl")) {
                    if (pkl != null) {
                        throw new IOException(file + ": two data.pkl entries (" + pkl.getName() + ", " + n + "); corrupt archive");
                    }
                    pkl = z;
                }
            }
            if (pkl == null) {
                throw new IOException(file + ": zip archive without <archive>/data.pkl; not a torch.save file");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry version = zip.getEntry(prefix + "version");
            if (version != null) {
                String v = new String(readEntry(zip, version, 64, file), StandardCharsets.ISO_8859_1).trim();
                if (!v.matches("\\d{1,3}") || Integer.parseInt(v) > 10) {
                    throw new IOException(file + ": unsupported archive version '" + v + "' (torch writes 1 to 3)");
                }
            }
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String b = new String(readEntry(zip, bo, 64, file), StandardCharsets.ISO_8859_1).trim();
                if (b.equals("big")) {
                    order = ByteOrder.BIG_ENDIAN;
                } else if (!b.equals("little")) {
                    throw new IOException(file + ": byteorder '" + b + "' is neither 'little' nor 'big'");
                }
            }
            String where = file + ":" + pkl.getName();
            byte[] pickle = readEntry(zip, pkl, MAX_PICKLE_BYTES, file);
            Map<String, Storage> storages = new LinkedHashMap<>();
            Unpickler u = new Unpickler(new Input(new java.io.ByteArrayInputStream(pickle), MAX_PICKLE_BYTES, where), where,
                    pid -> storage(pid, storages, where, 5));
            Object top = u.load();
            for (Storage s : storages.values()) {
                ZipEntry data = zip.getEntry(prefix + "data/" + s.key);
                if (data == null) {
                    throw new IOException(file + ": storage '" + s.key + "' is referenced by data.pkl but the archive has no entry "
                            + prefix + "data/" + s.key + "; truncated or corrupt");
                }
                long bytes = s.bytes(where);
                if (data.getSize() >= 0 && data.getSize() != bytes) {
                    throw new IOException(file + ": entry " + data.getName() + " holds " + data.getSize() + " bytes but data.pkl"
                            + " announces " + s.numel + " " + s.type.torchName + " elements = " + bytes + " bytes; corrupt");
                }
                s.data = readEntry(zip, data, bytes, file);
                if (s.data.length != bytes) {
                    throw new IOException(file + ": entry " + data.getName() + " holds " + s.data.length + " bytes, " + bytes
                            + " expected; truncated");
                }
                s.order = order;
            }
            return resolve(top, where);
        } catch (ZipException e) {
            throw new IOException(file + " is not a readable zip archive (truncated or corrupt .pth): " + e.getMessage(), e);
        }
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, long limit, Path file) throws IOException {
        if (e.getSize() > limit) {
            throw new IOException(file + ": entry " + e.getName() + " of " + e.getSize() + " bytes is larger than the "
                    + limit + " accepted");
        }
        try (InputStream in = zip.getInputStream(e)) {
            // the size the directory announces when it has one (then the check below catches a lie), else up to the limit
            byte[] b = in.readNBytes((int) (e.getSize() >= 0 ? e.getSize() : Math.min(limit, Integer.MAX_VALUE - 16)));
            if (in.read() != -1) {
                throw new IOException(file + ": entry " + e.getName() + " is larger than the " + limit + " bytes accepted");
            }
            return b;
        } catch (ZipException | EOFException ex) {
            throw new IOException(file + ": entry " + e.getName() + " is truncated or corrupt (" + ex.getMessage() + ")", ex);
        }
    }

    private static Object readLegacy(Path file) throws IOException {
        String where = file.toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Object magic = new Unpickler(new Input(raw, 4096, where), where, null).load();
            if (!LEGACY_MAGIC.equals(asBig(magic))) {
                throw new IOException(file + " is a pickle but not a torch.save file (no torch magic number; got "
                        + describe(magic) + ")");
            }
            Object protocol = new Unpickler(new Input(raw, 4096, where), where, null).load();
            if (!(protocol instanceof Long) || (Long) protocol != LEGACY_PROTOCOL) {
                throw new IOException(file + ": legacy protocol " + protocol + " is not supported (torch writes " + LEGACY_PROTOCOL + ")");
            }
            Object sysInfo = new Unpickler(new Input(raw, 1 << 16, where), where, null).load();
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            if (sysInfo instanceof Map && Boolean.FALSE.equals(((Map<?, ?>) sysInfo).get("little_endian"))) {
                order = ByteOrder.BIG_ENDIAN;
            }
            Map<String, Storage> storages = new LinkedHashMap<>();
            Object top = new Unpickler(new Input(raw, MAX_PICKLE_BYTES, where), where,
                    pid -> storage(pid, storages, where, 6)).load();
            Object keys = new Unpickler(new Input(raw, MAX_PICKLE_BYTES, where), where, null).load();
            if (!(keys instanceof List)) {
                throw new IOException(file + ": the storage key list after the pickle is " + describe(keys) + "; corrupt");
            }
            for (Object k : (List<?>) keys) {
                Storage s = storages.get(String.valueOf(k));
                if (s == null) {
                    throw new IOException(file + ": storage '" + k + "' is listed but no tensor refers to it; corrupt");
                }
                byte[] count = raw.readNBytes(8);
                if (count.length < 8) {
                    throw new IOException(file + ": truncated before storage '" + k + "'");
                }
                long numel = ByteBuffer.wrap(count).order(order).getLong();
                if (numel != s.numel) {
                    throw new IOException(file + ": storage '" + k + "' holds " + numel + " elements but the pickle announces "
                            + s.numel + "; corrupt");
                }
                long bytes = s.bytes(where);
                s.data = raw.readNBytes((int) bytes);
                if (s.data.length != bytes) {
                    throw new IOException(file + ": storage '" + k + "' is truncated (" + s.data.length + " of " + bytes + " bytes)");
                }
                s.order = order;
            }
            for (Storage s : storages.values()) {
                if (s.data == null) {
                    throw new IOException(file + ": storage '" + s.key + "' is used by a tensor but missing from the file; corrupt");
                }
            }
            return resolve(top, where);
        }
    }

    private static BigInteger asBig(Object o) {
        if (o instanceof BigInteger) return (BigInteger) o;
        if (o instanceof Long) return BigInteger.valueOf((Long) o);
        return null;
    }

    /** A persistent id ('storage', type, key, location, numel[, view]) as a Storage, one per key. */
    private static Object storage(Object pid, Map<String, Storage> storages, String where, int maxItems) throws IOException {
        if (!(pid instanceof Tuple) || ((Tuple) pid).items.length < 5 || ((Tuple) pid).items.length > maxItems
                || !"storage".equals(((Tuple) pid).items[0])) {
            throw new IOException(where + ": unknown persistent id " + describe(pid) + " (expected ('storage', type, key, location, numel))");
        }
        Object[] t = ((Tuple) pid).items;
        if (!(t[1] instanceof StorageType)) {
            throw new IOException(where + ": persistent id names " + describe(t[1]) + " as its storage type");
        }
        if (!(t[4] instanceof Long) || (Long) t[4] < 0) {
            throw new IOException(where + ": storage element count " + describe(t[4]) + " is not a non-negative int");
        }
        if (t.length == 6 && t[5] != null) {
            throw new IOException(where + ": storage views (" + describe(t[5]) + ") of PyTorch < 0.4 files are not supported");
        }
        String key = String.valueOf(t[2]);
        StorageType type = (StorageType) t[1];
        Storage s = storages.get(key);
        if (s == null) {
            s = new Storage(key, type, (Long) t[4]);
            storages.put(key, s);
        } else if (s.type != type || s.numel != (Long) t[4]) {
            throw new IOException(where + ": storage '" + key + "' is referenced as " + s.numel + " " + s.type.torchName
                    + " and as " + t[4] + " " + type.torchName);
        }
        return s;
    }

    // ---------------------------------------------------------------- values

    /** The element types of torch storages. */
    enum StorageType {
        FLOAT("FloatStorage", DataType.FLOAT, 4),
        DOUBLE("DoubleStorage", DataType.DOUBLE, 8),
        HALF("HalfStorage", DataType.HALF, 2),
        BFLOAT16("BFloat16Storage", DataType.BFLOAT16, 2),
        LONG("LongStorage", DataType.LONG, 8),
        INT("IntStorage", DataType.INT, 4),
        SHORT("ShortStorage", DataType.SHORT, 2),
        INT8("CharStorage", DataType.BYTE, 1),
        UINT8("ByteStorage", DataType.UBYTE, 1),
        BOOL("BoolStorage", DataType.BOOL, 1);

        final String torchName;
        final DataType dataType;
        final int size;

        StorageType(String torchName, DataType dataType, int size) {
            this.torchName = torchName;
            this.dataType = dataType;
            this.size = size;
        }
    }

    /** One storage: its key in the file, element type and count, and (once read) its bytes. */
    private static final class Storage {
        final String key;
        final StorageType type;
        final long numel;
        byte[] data;
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        Storage(String key, StorageType type, long numel) {
            this.key = key;
            this.type = type;
            this.numel = numel;
        }

        long bytes(String where) throws IOException {
            if (numel > MAX_TENSOR_BYTES / type.size) {
                throw new IOException(where + ": storage '" + key + "' of " + numel + " " + type.torchName + " elements is"
                        + " larger than the " + MAX_TENSOR_BYTES + " bytes accepted");
            }
            return numel * type.size;
        }
    }

    /** A tensor as {@code _rebuild_tensor_v2} describes it: a view (offset, size, stride) of a storage. */
    private static final class TensorRef {
        final Storage storage;
        final long offset;
        final long[] size;
        final long[] stride;

        TensorRef(Storage storage, long offset, long[] size, long[] stride) {
            this.storage = storage;
            this.offset = offset;
            this.size = size;
            this.stride = stride;
        }
    }

    /** A Python tuple while unpickling (immutable; a List once resolved). */
    private static final class Tuple {
        final Object[] items;
        /** How deeply tuples nest in this one (hashing a tuple recurses that deep). */
        final int depth;

        Tuple(Object[] items) {
            this.items = items;
            int d = 0;
            for (Object o : items) if (o instanceof Tuple) d = Math.max(d, ((Tuple) o).depth);
            this.depth = d + 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tuple && Arrays.equals(items, ((Tuple) o).items);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(items);
        }
    }

    /** A numpy dtype (for numpy scalars in checkpoints, such as a best accuracy stored as np.float64). */
    private static final class NpDtype {
        final char kind;
        final int size;
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        NpDtype(char kind, int size) {
            this.kind = kind;
            this.size = size;
        }

        @Override
        public String toString() {
            return "numpy.dtype('" + kind + size + "')";
        }
    }

    /** The Python callables a state dict or checkpoint may name, and nothing else. */
    private enum Global {
        ORDERED_DICT("collections", "OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
        REBUILD_TENSOR("torch._utils", "_rebuild_tensor"),
        REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils", "_rebuild_parameter_with_state"),
        TORCH_SIZE("torch", "Size"),
        CODECS_ENCODE("_codecs", "encode"),
        NUMPY_SCALAR("numpy.core.multiarray", "scalar"),
        NUMPY2_SCALAR("numpy._core.multiarray", "scalar"),
        NUMPY_DTYPE("numpy", "dtype");

        final String module;
        final String name;

        Global(String module, String name) {
            this.module = module;
            this.name = name;
        }

        String qualified() {
            return module + "." + name;
        }
    }

    private static final Map<String, Object> GLOBALS = new HashMap<>();

    static {
        for (Global g : Global.values()) GLOBALS.put(g.qualified(), g);
        for (StorageType t : StorageType.values()) GLOBALS.put("torch." + t.torchName, t);
    }

    /** The allowed globals, sorted, for messages. */
    static Set<String> allowedGlobals() {
        return new TreeSet<>(GLOBALS.keySet());
    }

    private static Object global(String module, String name, String where) throws IOException {
        Object g = GLOBALS.get(module + "." + name);
        if (g == null) {
            throw new IOException(where + " refers to the Python global '" + module + "." + name + "', which armfer does not load:"
                    + " a .pth is a pickle that could run it, and armfer reads only state dicts and checkpoints of tensors"
                    + " (allowed globals: " + allowedGlobals() + "). If the file holds a whole model (torch.save(model)),"
                    + " save model.state_dict() instead.");
        }
        return g;
    }

    // ---------------------------------------------------------------- resolution: TensorRef -> INDArray, Tuple -> List

    private static Object resolve(Object top, String where) throws IOException {
        return new Resolver(where).resolve(top);
    }

    private static final class Resolver {
        final String where;
        final IdentityHashMap<Object, Object> done = new IdentityHashMap<>();

        Resolver(String where) {
            this.where = where;
        }

        int depth;

        Object resolve(Object o) throws IOException {
            if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof byte[]) {
                return o;
            }
            if (++depth > MAX_DEPTH) {
                throw new IOException(where + ": values nested deeper than " + MAX_DEPTH + "; not a state dict");
            }
            try {
                return resolveNested(o);
            } finally {
                depth--;
            }
        }

        private Object resolveNested(Object o) throws IOException {
            Object d = done.get(o);
            if (d != null) {
                return d;
            }
            if (o instanceof TensorRef) {
                INDArray a = toArray((TensorRef) o, where);
                done.put(o, a);
                return a;
            }
            if (o instanceof Map) {
                Map<Object, Object> m = new LinkedHashMap<>();
                done.put(o, m);
                for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                    m.put(resolve(e.getKey()), resolve(e.getValue()));
                }
                return m;
            }
            if (o instanceof Set) {
                Set<Object> s = new LinkedHashSet<>();
                done.put(o, s);
                for (Object e : (Set<?>) o) s.add(resolve(e));
                return s;
            }
            if (o instanceof List) {
                List<Object> l = new ArrayList<>();
                done.put(o, l);
                for (Object e : (List<?>) o) l.add(resolve(e));
                return l;
            }
            if (o instanceof Tuple) {
                List<Object> l = new ArrayList<>();
                List<Object> view = Collections.unmodifiableList(l);
                done.put(o, view);
                for (Object e : ((Tuple) o).items) l.add(resolve(e));
                return view;
            }
            if (o instanceof NpDtype) {
                return o.toString();
            }
            if (o instanceof Storage) {
                throw new IOException(where + ": holds a bare storage '" + ((Storage) o).key + "' outside a tensor; not supported");
            }
            throw new IOException(where + ": holds " + describe(o) + ", which is not data");
        }
    }

    /** The tensor's values in C order, after checking its view against its storage. */
    static INDArray toArray(TensorRef t, String where) throws IOException {
        Storage s = t.storage;
        int rank = t.size.length;
        long n = 1;
        for (int i = 0; i < rank; i++) {
            if (t.size[i] < 0 || t.stride[i] < 0) {
                throw new IOException(where + ": tensor of storage '" + s.key + "' has size " + Arrays.toString(t.size)
                        + " and stride " + Arrays.toString(t.stride) + "; negative values are not valid");
            }
            try {
                n = Math.multiplyExact(n, t.size[i]);
            } catch (ArithmeticException e) {
                throw new IOException(where + ": tensor size " + Arrays.toString(t.size) + " overflows");
            }
        }
        int es = s.type.size;
        if (n > MAX_TENSOR_BYTES / es) {
            throw new IOException(where + ": tensor " + Arrays.toString(t.size) + " of " + s.type.torchName + " is larger than"
                    + " the " + MAX_TENSOR_BYTES + " bytes accepted");
        }
        if (n > 0) {
            long last = t.offset;
            for (int i = 0; i < rank; i++) {
                last += (t.size[i] - 1) * t.stride[i];
            }
            if (t.offset < 0 || last >= s.numel || last < 0) {
                throw new IOException(where + ": tensor view (offset " + t.offset + ", size " + Arrays.toString(t.size) + ", stride "
                        + Arrays.toString(t.stride) + ") reaches element " + last + " of storage '" + s.key + "', which holds "
                        + s.numel + "; corrupt");
            }
        }
        ByteBuffer values;
        if (isContiguous(t.size, t.stride)) {
            values = ByteBuffer.wrap(s.data, (int) (t.offset * es), (int) (n * es)).slice();
        } else {
            byte[] out = new byte[(int) (n * es)];
            gather(s.data, es, t.offset, t.size, t.stride, out);
            values = ByteBuffer.wrap(out);
        }
        values.order(s.order);
        INDArray flat = flat(values, s.type, (int) n);
        if (rank == 0) {
            return flat.reshape(new long[0]);
        }
        return n == 0 ? Nd4j.create(s.type.dataType, t.size) : flat.reshape('c', t.size);
    }

    /** Whether a view with these strides is C-contiguous (dimensions of size 1 may have any stride). */
    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }

    /** Copies the elements of a strided view into C order. */
    private static void gather(byte[] data, int es, long offset, long[] size, long[] stride, byte[] out) {
        int rank = size.length;
        long[] idx = new long[rank];
        long n = out.length / es;
        long inner = size[rank - 1], innerStride = stride[rank - 1];
        long pos = offset;
        int o = 0;
        for (long done = 0; done < n; done += inner) {
            long p = pos;
            for (long j = 0; j < inner; j++, p += innerStride) {
                System.arraycopy(data, (int) (p * es), out, o, es);
                o += es;
            }
            // odometer over the outer dimensions
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                pos -= idx[d] * stride[d];
                idx[d] = 0;
            }
        }
    }

    private static INDArray flat(ByteBuffer buf, StorageType type, int count) {
        switch (type) {
            case FLOAT: {
                float[] v = new float[count];
                buf.asFloatBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case DOUBLE: {
                double[] v = new double[count];
                buf.asDoubleBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case HALF: {
                float[] v = new float[count];
                for (int i = 0; i < count; i++) v[i] = Npz.halfToFloat(buf.getShort());
                return Nd4j.createFromArray(v).castTo(DataType.HALF);
            }
            case BFLOAT16: {
                // bfloat16 is the upper half of a float32: exact in both directions
                float[] v = new float[count];
                for (int i = 0; i < count; i++) v[i] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                return Nd4j.createFromArray(v).castTo(DataType.BFLOAT16);
            }
            case LONG: {
                long[] v = new long[count];
                buf.asLongBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case INT: {
                int[] v = new int[count];
                buf.asIntBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case SHORT: {
                short[] v = new short[count];
                buf.asShortBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case INT8: {
                byte[] v = new byte[count];
                buf.get(v);
                return Nd4j.createFromArray(v);
            }
            case UINT8: {
                int[] v = new int[count];
                for (int i = 0; i < count; i++) v[i] = buf.get() & 0xFF;
                return Nd4j.createFromArray(v).castTo(DataType.UBYTE);
            }
            default: {
                boolean[] v = new boolean[count];
                for (int i = 0; i < count; i++) v[i] = buf.get() != 0;
                return Nd4j.createFromArray(v);
            }
        }
    }

    /** A short description of a value for messages: its Python type, and its value when short. */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String) {
            String s = (String) o;
            return "a str ('" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "')";
        }
        if (o instanceof Long || o instanceof BigInteger) return "an int (" + o + ")";
        if (o instanceof Double) return "a float (" + o + ")";
        if (o instanceof Boolean) return "a bool (" + o + ")";
        if (o instanceof byte[]) return "bytes (" + ((byte[]) o).length + ")";
        if (o instanceof INDArray) return "a tensor " + Arrays.toString(((INDArray) o).shape());
        if (o instanceof TensorRef) return "a tensor " + Arrays.toString(((TensorRef) o).size);
        if (o instanceof Map) return "a dict of " + ((Map<?, ?>) o).size();
        if (o instanceof Tuple) return "a tuple of " + ((Tuple) o).items.length;
        if (o instanceof List) return "a list of " + ((List<?>) o).size();
        if (o instanceof Set) return "a set of " + ((Set<?>) o).size();
        if (o instanceof Global) return "the function " + ((Global) o).qualified();
        if (o instanceof StorageType) return "the type torch." + ((StorageType) o).torchName;
        return "a " + o.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- the pickle machine

    /** Bytes of one pickle, bounded. */
    private static final class Input {
        final InputStream in;
        final long limit;
        final String where;
        long read;

        Input(InputStream in, long limit, String where) {
            this.in = in;
            this.limit = limit;
            this.where = where;
        }

        private void count(long n) throws IOException {
            read += n;
            if (read > limit) {
                throw new IOException(where + ": pickle is longer than the " + limit + " bytes accepted");
            }
        }

        int u8() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new IOException(where + ": pickle ends unexpectedly after " + read + " bytes; truncated");
            }
            count(1);
            return b;
        }

        byte[] bytes(long n) throws IOException {
            if (n < 0 || n > limit - read) {
                throw new IOException(where + ": pickle announces " + n + " bytes at byte " + read + ", more than the "
                        + (limit - read) + " it may still hold; corrupt or truncated");
            }
            byte[] b = in.readNBytes((int) n);
            if (b.length != n) {
                throw new IOException(where + ": pickle ends unexpectedly after " + (read + b.length) + " bytes; truncated");
            }
            count(n);
            return b;
        }

        ByteBuffer le(int n) throws IOException {
            return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = u8();
                if (b == '\n') {
                    return sb.toString();
                }
                if (sb.length() >= MAX_LINE) {
                    throw new IOException(where + ": text line longer than " + MAX_LINE + " bytes in the pickle; corrupt");
                }
                sb.append((char) b);
            }
        }
    }

    @FunctionalInterface
    private interface PersistentLoad {
        Object load(Object pid) throws IOException;
    }

    private static final Object MARK = new Object();

    /** A pickle interpreter that builds data only (protocols 0 to 5, without the opcodes that create class instances). */
    private static final class Unpickler {
        final Input in;
        final String where;
        final PersistentLoad persistent;
        final ArrayList<Object> stack = new ArrayList<>();
        final ArrayList<Integer> marks = new ArrayList<>();
        final HashMap<Long, Object> memo = new HashMap<>();

        Unpickler(Input in, String where, PersistentLoad persistent) {
            this.in = in;
            this.where = where;
            this.persistent = persistent;
        }

        IOException bad(String what) {
            return new IOException(where + ": " + what + " (at pickle byte " + in.read + ")");
        }

        Object pop() throws IOException {
            if (stack.isEmpty() || (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size())) {
                throw bad("stack underflow; corrupt pickle");
            }
            return stack.remove(stack.size() - 1);
        }

        Object peek() throws IOException {
            if (stack.isEmpty()) {
                throw bad("stack underflow; corrupt pickle");
            }
            return stack.get(stack.size() - 1);
        }

        /** The items above the last mark, removed together with the mark. */
        List<Object> popMark() throws IOException {
            if (marks.isEmpty()) {
                throw bad("no MARK on the stack; corrupt pickle");
            }
            int m = marks.remove(marks.size() - 1);
            List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
            stack.subList(m, stack.size()).clear();
            return items;
        }

        void push(Object o) throws IOException {
            if (o instanceof Tuple && ((Tuple) o).depth > MAX_DEPTH) {
                throw bad("tuples nested deeper than " + MAX_DEPTH + "; not a state dict");
            }
            stack.add(o);
        }

        void memoPut(long index, Object o) throws IOException {
            if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
                throw bad("more than " + MAX_MEMO + " memo entries");
            }
            memo.put(index, o);
        }

        Object memoGet(long index) throws IOException {
            if (!memo.containsKey(index)) {
                throw bad("memo entry " + index + " read before it was written; corrupt pickle");
            }
            return memo.get(index);
        }

        @SuppressWarnings("unchecked")
        Object load() throws IOException {
            while (true) {
                int op = in.u8();
                switch (op) {
                    case 0x80: { // PROTO
                        int p = in.u8();
                        if (p > 5) throw bad("pickle protocol " + p + " is newer than 5");
                        break;
                    }
                    case 0x95: in.bytes(8); break; // FRAME: length only, the bytes follow inline
                    case '.': { // STOP
                        Object r = pop();
                        if (!stack.isEmpty() || !marks.isEmpty()) throw bad("values left on the stack at STOP; corrupt pickle");
                        return r;
                    }
                    case '(': marks.add(stack.size()); break;
                    case ')': push(new Tuple(new Object[0])); break;
                    case ']': push(new ArrayList<>()); break;
                    case '}': push(new LinkedHashMap<>()); break;
                    case 0x8f: push(new LinkedHashSet<>()); break; // EMPTY_SET
                    case 'N': push(null); break;
                    case 0x88: push(Boolean.TRUE); break;
                    case 0x89: push(Boolean.FALSE); break;
                    case 'K': push((long) in.u8()); break;
                    case 'M': push((long) (in.le(2).getShort() & 0xFFFF)); break;
                    case 'J': push((long) in.le(4).getInt()); break;
                    case 0x8a: push(longFrom(in.bytes(in.u8()))); break; // LONG1
                    case 0x8b: { // LONG4
                        int n = in.le(4).getInt();
                        if (n < 0 || n > 4096) throw bad("LONG4 of " + n + " bytes");
                        push(longFrom(in.bytes(n)));
                        break;
                    }
                    case 'I': { // INT (protocol 0)
                        String s = in.line().trim();
                        if (s.equals("01")) push(Boolean.TRUE);
                        else if (s.equals("00")) push(Boolean.FALSE);
                        else push(parseInt(s));
                        break;
                    }
                    case 'L': { // LONG (protocol 0)
                        String s = in.line().trim();
                        push(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                        break;
                    }
                    case 'F': {
                        String s = in.line().trim();
                        try {
                            push(Double.parseDouble(s));
                        } catch (NumberFormatException e) {
                            throw bad("bad float '" + s + "'");
                        }
                        break;
                    }
                    case 'G': push(ByteBuffer.wrap(in.bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); break;
                    case 'X': push(utf8(in.bytes(Integer.toUnsignedLong(in.le(4).getInt())))); break;
                    case 0x8c: push(utf8(in.bytes(in.u8()))); break; // SHORT_BINUNICODE
                    case 0x8d: push(utf8(in.bytes(in.le(8).getLong()))); break; // BINUNICODE8
                    case 'V': push(rawUnicodeEscape(in.line())); break; // UNICODE (protocol 0)
                    case 'S': push(pythonStringLiteral(in.line())); break; // STRING (protocol 0)
                    case 'T': push(new String(in.bytes(in.le(4).getInt()), StandardCharsets.UTF_8)); break; // BINSTRING
                    case 'U': push(new String(in.bytes(in.u8()), StandardCharsets.UTF_8)); break; // SHORT_BINSTRING
                    case 'B': push(in.bytes(Integer.toUnsignedLong(in.le(4).getInt()))); break; // BINBYTES
                    case 'C': push(in.bytes(in.u8())); break; // SHORT_BINBYTES
                    case 0x8e: case 0x96: push(in.bytes(in.le(8).getLong())); break; // BINBYTES8, BYTEARRAY8
                    case 't': push(new Tuple(popMark().toArray())); break;
                    case 0x85: push(new Tuple(new Object[]{pop()})); break;
                    case 0x86: {
                        Object b = pop(), a = pop();
                        push(new Tuple(new Object[]{a, b}));
                        break;
                    }
                    case 0x87: {
                        Object c = pop(), b = pop(), a = pop();
                        push(new Tuple(new Object[]{a, b, c}));
                        break;
                    }
                    case 'l': push(new ArrayList<>(popMark())); break;
                    case 'd': {
                        List<Object> items = popMark();
                        Map<Object, Object> m = new LinkedHashMap<>();
                        if (items.size() % 2 != 0) throw bad("DICT with an odd number of items");
                        for (int i = 0; i < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                        push(m);
                        break;
                    }
                    case 'a': {
                        Object v = pop();
                        list(peek()).add(v);
                        break;
                    }
                    case 'e': {
                        List<Object> items = popMark();
                        list(peek()).addAll(items);
                        break;
                    }
                    case 's': {
                        Object v = pop(), k = pop();
                        dict(peek()).put(hashable(k), v);
                        break;
                    }
                    case 'u': {
                        List<Object> items = popMark();
                        Map<Object, Object> m = dict(peek());
                        if (items.size() % 2 != 0) throw bad("SETITEMS with an odd number of items");
                        for (int i = 0; i < items.size(); i += 2) m.put(hashable(items.get(i)), items.get(i + 1));
                        break;
                    }
                    case 0x90: { // ADDITEMS
                        List<Object> items = popMark();
                        Object s = peek();
                        if (!(s instanceof Set)) throw bad("ADDITEMS on " + describe(s));
                        for (Object o : items) ((Set<Object>) s).add(hashable(o));
                        break;
                    }
                    case 0x91: push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark()))); break; // FROZENSET
                    case 'p': memoPut(parseIndex(in.line()), peek()); break;
                    case 'q': memoPut(in.u8(), peek()); break;
                    case 'r': memoPut(Integer.toUnsignedLong(in.le(4).getInt()), peek()); break;
                    case 0x94: memoPut(memo.size(), peek()); break; // MEMOIZE
                    case 'g': push(memoGet(parseIndex(in.line()))); break;
                    case 'h': push(memoGet(in.u8())); break;
                    case 'j': push(memoGet(Integer.toUnsignedLong(in.le(4).getInt()))); break;
                    case '0': pop(); break;
                    case '1': popMark(); break;
                    case '2': push(peek()); break;
                    case 'c': {
                        String module = in.line(), name = in.line();
                        push(global(module, name, where));
                        break;
                    }
                    case 0x93: { // STACK_GLOBAL
                        Object name = pop(), module = pop();
                        if (!(name instanceof String) || !(module instanceof String)) throw bad("STACK_GLOBAL of non-strings");
                        push(global((String) module, (String) name, where));
                        break;
                    }
                    case 'R': {
                        Object args = pop(), f = pop();
                        push(call(f, args));
                        break;
                    }
                    case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
                        Object args = pop(), cls = pop();
                        push(call(cls, args));
                        break;
                    }
                    case 0x92: { // NEWOBJ_EX
                        Object kwargs = pop(), args = pop(), cls = pop();
                        if (!(kwargs instanceof Map) || !((Map<?, ?>) kwargs).isEmpty()) throw bad("NEWOBJ_EX with keyword arguments");
                        push(call(cls, args));
                        break;
                    }
                    case 'b': { // BUILD
                        Object state = pop();
                        build(peek(), state);
                        break;
                    }
                    case 'P': {
                        if (persistent == null) throw bad("persistent id where none is expected");
                        push(persistent.load(in.line()));
                        break;
                    }
                    case 'Q': {
                        if (persistent == null) throw bad("persistent id where none is expected");
                        push(persistent.load(pop()));
                        break;
                    }
                    case 'i': case 'o': case 0x82: case 0x83: case 0x84:
                        throw bad("opcode '" + opName(op) + "' creates class instances, which a state dict does not hold");
                    case 0x97: case 0x98:
                        throw bad("opcode '" + opName(op) + "' (out-of-band buffers) is not used by torch.save");
                    default:
                        throw bad(String.format("unknown pickle opcode 0x%02x; not a pickle, or corrupt", op));
                }
            }
        }

        private String opName(int op) {
            switch (op) {
                case 'i': return "INST";
                case 'o': return "OBJ";
                case 0x82: return "EXT1";
                case 0x83: return "EXT2";
                case 0x84: return "EXT4";
                case 0x97: return "NEXT_BUFFER";
                default: return "READONLY_BUFFER";
            }
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object o) throws IOException {
            if (!(o instanceof List)) throw bad("APPEND to " + describe(o));
            return (List<Object>) o;
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object o) throws IOException {
            if (!(o instanceof Map)) throw bad("SETITEM on " + describe(o));
            return (Map<Object, Object>) o;
        }

        private Object hashable(Object k) throws IOException {
            if (k instanceof List || k instanceof Map) {
                throw bad("unhashable dict key " + describe(k));
            }
            return k;
        }

        private long parseIndex(String s) throws IOException {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw bad("bad memo index '" + s + "'");
            }
        }

        private Object parseInt(String s) throws IOException {
            try {
                BigInteger b = new BigInteger(s);
                return b.bitLength() < 64 ? (Object) b.longValue() : b;
            } catch (NumberFormatException e) {
                throw bad("bad int '" + s + "'");
            }
        }

        /** Calls an allowed global with its arguments. */
        private Object call(Object f, Object argsObj) throws IOException {
            if (!(argsObj instanceof Tuple)) {
                throw bad("arguments " + describe(argsObj) + " are not a tuple");
            }
            Object[] a = ((Tuple) argsObj).items;
            if (!(f instanceof Global)) {
                throw bad("call of " + describe(f) + ", which is not a function a state dict uses");
            }
            Global g = (Global) f;
            switch (g) {
                case ORDERED_DICT: {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    if (a.length == 1 && a[0] instanceof List) {
                        for (Object pair : (List<?>) a[0]) {
                            if (!(pair instanceof Tuple) || ((Tuple) pair).items.length != 2) throw bad("OrderedDict of " + describe(pair));
                            m.put(hashable(((Tuple) pair).items[0]), ((Tuple) pair).items[1]);
                        }
                    } else if (a.length != 0) {
                        throw bad("OrderedDict" + describe(argsObj));
                    }
                    return m;
                }
                case REBUILD_TENSOR_V2:
                case REBUILD_TENSOR: {
                    int min = g == Global.REBUILD_TENSOR ? 4 : 6;
                    if (a.length < min || a.length > 7) {
                        throw bad(g.qualified() + " with " + a.length + " arguments");
                    }
                    if (!(a[0] instanceof Storage)) {
                        throw bad(g.qualified() + " of " + describe(a[0]) + " instead of a storage");
                    }
                    long offset = asLong(a[1], "storage offset");
                    long[] size = longs(a[2], "size");
                    long[] stride = longs(a[3], "stride");
                    if (size.length != stride.length || size.length > MAX_RANK) {
                        throw bad("tensor with size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride));
                    }
                    return new TensorRef((Storage) a[0], offset, size, stride);
                }
                case REBUILD_PARAMETER:
                case REBUILD_PARAMETER_WITH_STATE: {
                    if (a.length < 3 || !(a[0] instanceof TensorRef)) {
                        throw bad(g.qualified() + " of " + describe(a.length > 0 ? a[0] : null));
                    }
                    return a[0];
                }
                case TORCH_SIZE: {
                    if (a.length == 0) return new Tuple(new Object[0]);
                    if (a.length != 1 || !(a[0] instanceof Tuple)) throw bad("torch.Size" + describe(argsObj));
                    return a[0];
                }
                case CODECS_ENCODE: {
                    if (a.length < 1 || !(a[0] instanceof String)) throw bad("_codecs.encode of " + describe(a.length > 0 ? a[0] : null));
                    String enc = a.length > 1 ? String.valueOf(a[1]).toLowerCase(java.util.Locale.ROOT) : "utf-8";
                    if (enc.equals("latin1") || enc.equals("latin-1") || enc.equals("iso-8859-1")) {
                        return ((String) a[0]).getBytes(StandardCharsets.ISO_8859_1);
                    }
                    if (enc.equals("utf-8") || enc.equals("utf8")) {
                        return ((String) a[0]).getBytes(StandardCharsets.UTF_8);
                    }
                    throw bad("_codecs.encode with encoding '" + enc + "'");
                }
                case NUMPY_DTYPE: {
                    if (a.length < 1 || !(a[0] instanceof String)) throw bad("numpy.dtype of " + describe(a.length > 0 ? a[0] : null));
                    String d = (String) a[0];
                    if (!d.matches("[fiub][1248]")) {
                        throw bad("numpy.dtype('" + d + "') (numpy scalars of types f2/f4/f8, i1-i8, u1-u8, b1 are read)");
                    }
                    return new NpDtype(d.charAt(0), d.charAt(1) - '0');
                }
                case NUMPY_SCALAR:
                case NUMPY2_SCALAR: {
                    if (a.length != 2 || !(a[0] instanceof NpDtype) || !(a[1] instanceof byte[])) {
                        throw bad("numpy scalar of " + describe(argsObj));
                    }
                    return npScalar((NpDtype) a[0], (byte[]) a[1]);
                }
                default:
                    throw bad("call of " + g.qualified());
            }
        }

        private void build(Object target, Object state) throws IOException {
            if (target instanceof Map) {
                // an OrderedDict's attributes (state_dict()._metadata: module versions); not part of the data
                return;
            }
            if (target instanceof NpDtype) {
                if (state instanceof Tuple && ((Tuple) state).items.length > 1) {
                    Object bo = ((Tuple) state).items[1];
                    if (">".equals(bo)) ((NpDtype) target).order = ByteOrder.BIG_ENDIAN;
                }
                return;
            }
            throw bad("BUILD (set state) of " + describe(target));
        }

        private Object npScalar(NpDtype t, byte[] b) throws IOException {
            if (b.length != t.size) throw bad(t + " scalar of " + b.length + " bytes");
            ByteBuffer bb = ByteBuffer.wrap(b).order(t.order);
            switch (t.kind) {
                case 'f':
                    return t.size == 8 ? bb.getDouble() : t.size == 4 ? (double) bb.getFloat() : (double) Npz.halfToFloat(bb.getShort());
                case 'b':
                    return b[0] != 0;
                case 'u':
                    return t.size == 8 ? (Object) new BigInteger(1, reverseIfLittle(b, t.order)).longValue()
                            : t.size == 4 ? Integer.toUnsignedLong(bb.getInt()) : t.size == 2 ? (long) (bb.getShort() & 0xFFFF) : (long) (b[0] & 0xFF);
                default:
                    return t.size == 8 ? bb.getLong() : t.size == 4 ? (long) bb.getInt() : t.size == 2 ? (long) bb.getShort() : (long) b[0];
            }
        }

        private long asLong(Object o, String what) throws IOException {
            if (!(o instanceof Long)) throw bad("tensor " + what + " is " + describe(o) + ", not an int");
            return (Long) o;
        }

        private long[] longs(Object o, String what) throws IOException {
            if (!(o instanceof Tuple)) throw bad("tensor " + what + " is " + describe(o) + ", not a tuple");
            Object[] items = ((Tuple) o).items;
            long[] r = new long[items.length];
            for (int i = 0; i < items.length; i++) r[i] = asLong(items[i], what);
            return r;
        }
    }

    private static byte[] reverseIfLittle(byte[] b, ByteOrder order) {
        if (order == ByteOrder.BIG_ENDIAN) return b;
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
        return r;
    }

    /** A little-endian two's-complement integer (LONG1/LONG4). */
    private static Object longFrom(byte[] le) {
        if (le.length == 0) return 0L;
        BigInteger b = new BigInteger(reverseIfLittle(le, ByteOrder.LITTLE_ENDIAN));
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Protocol 0's UNICODE argument: raw-unicode-escape (\\uXXXX escapes, other bytes latin-1). */
    private static String rawUnicodeEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 6 <= s.length() && s.charAt(i + 1) == 'u') {
                try {
                    sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                    i += 5;
                    continue;
                } catch (NumberFormatException ignored) {
                    // not an escape
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** Protocol 0's STRING argument: a quoted Python literal with backslash escapes. */
    private static String pythonStringLiteral(String s) throws IOException {
        String t = s.trim();
        if (t.length() < 2 || t.charAt(0) != t.charAt(t.length() - 1) || (t.charAt(0) != '\'' && t.charAt(0) != '"')) {
            throw new IOException("bad STRING literal in pickle: " + t);
        }
        t = t.substring(1, t.length() - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c != '\\' || i + 1 == t.length()) {
                sb.append(c);
                continue;
            }
            char n = t.charAt(++i);
            switch (n) {
                case 'n': sb.append('\n'); break;
                case 't': sb.append('\t'); break;
                case 'r': sb.append('\r'); break;
                case '0': sb.append('\0'); break;
                case 'x':
                    if (i + 3 <= t.length()) {
                        sb.append((char) Integer.parseInt(t.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    break;
                default: sb.append(n);
            }
        }
        return sb.toString();
    }
}
