package org.armfer.fast.onednn;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JavaCPP's oneDNN presets ({@code org.bytedeco:dnnl}), loaded once, with the CPU engine and stream every plan uses.
 * <p>
 * ND4J's CPU natives are loaded first, on purpose: both libnd4jcpu and the presets' libdnnl link GNU OpenMP
 * ({@code libgomp.so.1}) and both jars bundle a copy. JavaCPP skips a bundled library whose name it has loaded already,
 * and the dynamic linker resolves libdnnl's {@code libgomp.so.1} to the one in memory, so the process ends up with one
 * OpenMP runtime: oneDNN's parallel regions run on the same worker threads as ND4J's (one pool per calling thread,
 * as many threads as ND4J uses), and the two never oversubscribe the cores while called in turn. Loaded the other way
 * round, libnd4jcpu would bind to the presets' older libgomp.
 */
final class Dnnl {

    private static final Logger log = LoggerFactory.getLogger(Dnnl.class);

    private static Dnnl instance;
    private static String unavailable;

    final engine engine;
    final stream stream;

    private Dnnl() {
        this.engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
        this.stream = new stream(engine);
    }

    /** The loaded library, or {@link Unsupported} saying why it cannot be used here. */
    static synchronized Dnnl get() throws Unsupported {
        if (instance != null) {
            return instance;
        }
        if (unavailable != null) {
            throw new Unsupported(unavailable);
        }
        try {
            String backend = Nd4j.getBackend().getClass().getName();
            if (!backend.contains("CpuBackend")) {
                unavailable = "ND4J runs on " + backend + ", not its CPU backend";
                throw new Unsupported(unavailable);
            }
            Nd4j.create(1).addi(1); // ND4J's natives (and its OpenMP runtime) first: see the class comment
            Loader.load(dnnl.class);
            instance = new Dnnl();
            org.bytedeco.dnnl.dnnl_version_t v = dnnl.dnnl_version();
            log.debug("oneDNN {}.{}.{} loaded (JavaCPP presets), CPU ISA {}", v.major(), v.minor(), v.patch(),
                    dnnl.get_effective_cpu_isa());
            return instance;
        } catch (Unsupported e) {
            throw e;
        } catch (Throwable e) {
            unavailable = "oneDNN natives (org.bytedeco:dnnl for this platform) cannot be loaded: " + e;
            throw new Unsupported(unavailable);
        }
    }

    static memory.desc md(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    static memory.desc strided(long[] dims, long[] strides) {
        return new memory.desc(dims, memory.data_type.f32, strides);
    }

    /** The plain c-order layout of a logical shape: x, nc, nchw (or nhwc when {@code channelsLast}), abcde. */
    static memory.desc plain(long[] dims, boolean channelsLast) {
        switch (dims.length) {
            case 1:
                return md(dims, memory.format_tag.x);
            case 2:
                return md(dims, memory.format_tag.nc);
            case 4:
                return md(dims, channelsLast ? memory.format_tag.nhwc : memory.format_tag.nchw);
            case 5:
                return md(dims, memory.format_tag.abcde);
            default:
                throw new IllegalArgumentException("rank " + dims.length);
        }
    }

    /** {@code dims} of a memory descriptor. */
    static long[] dims(memory.desc md) {
        int n = md.data().ndims();
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            d[i] = md.data().dims().get(i);
        }
        return d;
    }
}
