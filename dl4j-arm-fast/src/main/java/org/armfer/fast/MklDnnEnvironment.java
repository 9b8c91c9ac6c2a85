package org.armfer.fast;

import java.lang.reflect.Method;

/**
 * Not API: the answer to DL4J 1.0.0-M2.1's oneDNN helper check ({@code BaseMKLDNNHelper.mklDnnEnabled()}), which
 * looks up {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()} by reflection. ND4J M2.1 moved
 * that class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method
 * {@code isUseONEDNN()}, so the lookup fails and DL4J drops every oneDNN helper (convolution, batch norm, pooling,
 * LRN) even with oneDNN natives: its ConvolutionLayer then runs at about a seventh of the speed of the same op.
 * {@link CpuBackend#configure()} makes the old name resolve, through DL4J's own class-loading hook, to an empty
 * subclass of this class defined at run time ({@link HelperCheckClassLoader}); no class of ND4J's packages is shipped.
 */
public class MklDnnEnvironment {

    private static final MklDnnEnvironment INSTANCE = new MklDnnEnvironment();

    MklDnnEnvironment() {
    }

    /** What DL4J's check calls first (a static method: found on the subclass too). */
    public static MklDnnEnvironment getInstance() {
        return INSTANCE;
    }

    /** Whether the loaded CPU natives run with oneDNN (false on other backends, or before ND4J's natives load). */
    public boolean isUseMKLDNN() {
        try {
            Class<?> env = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
            Object instance = env.getMethod("getInstance").invoke(null);
            Method m = env.getMethod("isUseONEDNN");
            return (boolean) m.invoke(instance);
        } catch (ReflectiveOperationException | LinkageError e) {
            return false;
        }
    }
}
