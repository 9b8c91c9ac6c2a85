package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility shim for DL4J 1.0.0-M2.1 (not part of armfer's API). DL4J's oneDNN layer helpers
 * ({@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled()}) look up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()} by reflection, but ND4J M2.1 moved that
 * class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method
 * {@code isUseONEDNN()}. The lookup fails, and every oneDNN helper (convolution, batch norm, pooling) is dropped even
 * when the natives contain oneDNN: DL4J's ConvolutionLayer then runs at about a seventh of the speed of the same
 * native op. This class answers the old lookup with the new API; nothing else uses it.
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    /** The old {@code Nd4jCpu$Environment} as DL4J's helpers call it. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether the loaded CPU natives run with oneDNN (false on other backends). */
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
}
