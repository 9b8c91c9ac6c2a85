package org.armfer.fast;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;

/** Reflection and backend checks shared by the fast layer configurations. */
final class Helpers {

    private Helpers() {
    }

    /** Whether ND4J runs on its CPU backend (where the fast helpers apply). */
    static boolean cpuBackend() {
        return Nd4j.getBackend().getClass().getName().contains("CpuBackend");
    }

    /** Wires a new runtime layer as DL4J's own {@code instantiate} methods do: listeners, index, parameter views. */
    static <L extends Layer> L wire(L layer, NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                    int index, INDArray paramsView, boolean initializeParams, ParamInitializer init) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(init.init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** Copies every instance field declared by {@code top} and its superclasses from {@code src} to {@code dst}. */
    static void copyFields(Object src, Object dst, Class<?> top) {
        for (Class<?> c = top; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(dst, f.get(src));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("Cannot copy field " + c.getName() + "." + f.getName()
                            + " of the layer configuration", e);
                }
            }
        }
    }

    /** Sets the (non-public) field {@code name} declared by {@code owner} on {@code target}. */
    static void setField(Object target, Class<?> owner, String name, Object value) {
        try {
            field(owner, name).set(target, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot set " + owner.getName() + "." + name, e);
        }
    }

    /** The (non-public) field {@code name} declared by {@code owner}, made accessible. */
    static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot access " + owner.getName() + "." + name
                    + " (DL4J version other than 1.0.0-M2.1?)", e);
        }
    }
}
