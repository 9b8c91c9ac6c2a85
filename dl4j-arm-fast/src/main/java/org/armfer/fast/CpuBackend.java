package org.armfer.fast;

import org.deeplearning4j.config.DL4JClassLoading;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Makes DL4J use the fast CPU kernels. Call {@link #configure()} once at start-up, before anything touches ND4J
 * (armfer's command line and test runs do). Three things keep DL4J 1.0.0-M2.1 on slow paths by default:
 * <ol>
 *   <li>its layer helpers (oneDNN convolution, batch norm, pooling) are disabled unless the system property
 *       {@value #HELPERS_PROPERTY} is "false";</li>
 *   <li>its check that the natives have oneDNN looks for a class that ND4J M2.1 moved (mended by giving DL4J a class
 *       loader that answers the old name, {@link HelperCheckClassLoader}; see {@link MklDnnEnvironment});</li>
 *   <li>the default {@code linux-x86_64} natives are built without oneDNN and for a baseline instruction set.</li>
 * </ol>
 * {@link #configure()} enables the helpers, installs that class loader (wrapping the one DL4J had; a later
 * {@code DL4JClassLoading.setDl4jClassloader} by other code undoes it) and selects, through JavaCPP's platform extension
 * ({@value #EXTENSION_PROPERTY}), the fastest natives on the classpath that this CPU can run:
 * {@code -onednn-avx512}, then {@code -onednn-avx2}, else the default build. A value the user set for either property
 * is kept.
 */
public final class CpuBackend {

    private static final Logger log = LoggerFactory.getLogger(CpuBackend.class);

    public static final String HELPERS_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    /** Natives variants in order of preference, with the CPU flags each needs. */
    static final List<String[]> VARIANTS = List.of(
            new String[]{"-onednn-avx512", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma"},
            new String[]{"-onednn-avx2", "avx2", "fma"});

    private static volatile String chosen;

    private CpuBackend() {
    }

    /** Configures the properties (once); returns the natives extension in use ("" = the default build). */
    public static synchronized String configure() {
        if (chosen != null) {
            return chosen;
        }
        if (System.getProperty(HELPERS_PROPERTY) == null) {
            System.setProperty(HELPERS_PROPERTY, "false");
        }
        ClassLoader dl4j = DL4JClassLoading.getDl4jClassloader();
        if (!(dl4j instanceof HelperCheckClassLoader)) {
            DL4JClassLoading.setDl4jClassloader(new HelperCheckClassLoader(dl4j));
        }
        String ext = System.getProperty(EXTENSION_PROPERTY);
        if (ext == null) {
            ext = choose(cpuFlags(), System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
            if (!ext.isEmpty()) {
                System.setProperty(EXTENSION_PROPERTY, ext);
            }
        }
        chosen = ext;
        log.debug("ND4J CPU natives: linux-x86_64{} (DL4J layer helpers {})", ext,
                "false".equals(System.getProperty(HELPERS_PROPERTY)) ? "enabled" : "disabled");
        return ext;
    }

    /** The best variant that is on the classpath and that the CPU's flags allow. */
    static String choose(Set<String> flags, String os, String arch) {
        if (!os.toLowerCase(Locale.ROOT).contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "";
        }
        for (String[] v : VARIANTS) {
            boolean cpuOk = flags.containsAll(Arrays.asList(v).subList(1, v.length));
            if (cpuOk && onClasspath(v[0])) {
                return v[0];
            }
        }
        return "";
    }

    static boolean onClasspath(String extension) {
        String lib = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64" + extension + "/libnd4jcpu.so";
        return CpuBackend.class.getClassLoader().getResource(lib) != null;
    }

    /** The CPU's feature flags from /proc/cpuinfo (empty where unavailable). */
    static Set<String> cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Cannot read CPU flags: {}", e.toString());
        }
        return new HashSet<>();
    }
}
