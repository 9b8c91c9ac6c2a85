package org.armfer.fast;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The class loader {@link CpuBackend#configure()} gives DL4J ({@code DL4JClassLoading.setDl4jClassloader}): it loads
 * everything through the loader DL4J had, except {@value #ENVIRONMENT} when that loader does not know it (ND4J M2.1
 * moved it; see {@link MklDnnEnvironment}). That name is answered with a class defined here, at run time: an empty
 * public subclass of {@link MklDnnEnvironment}, whose inherited {@code getInstance()} and {@code isUseMKLDNN()} are
 * what DL4J's check calls. It lives in this loader's own runtime package, so armfer's jar has no class in ND4J's
 * package {@code org.nd4j.nativeblas} (no split package on the class path or the module path).
 */
final class HelperCheckClassLoader extends ClassLoader {

    static final String ENVIRONMENT = "org.nd4j.nativeblas.Nd4jCpu$Environment";

    HelperCheckClassLoader(ClassLoader parent) {
        super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!ENVIRONMENT.equals(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = getParent().loadClass(name); // a DL4J/ND4J pair that still has the class: theirs
                } catch (ClassNotFoundException e) {
                    byte[] b = emptySubclass(name.replace('.', '/'), MklDnnEnvironment.class.getName().replace('.', '/'));
                    c = defineClass(name, b, 0, b.length, MklDnnEnvironment.class.getProtectionDomain());
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    /**
     * The class file of {@code public class <name> extends <superName> {}} without methods (it is never
     * instantiated): magic, version 52, four constants (two names, two class entries), flags, this, super.
     */
    static byte[] emptySubclass(String name, String superName) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream o = new DataOutputStream(bytes)) {
            o.writeInt(0xCAFEBABE);
            o.writeShort(0);            // minor version
            o.writeShort(52);           // major version: Java 8
            o.writeShort(5);            // constant pool count: entries 1-4
            o.writeByte(1);             // #1 Utf8: this class's internal name (writeUTF = the class file's Utf8 form)
            o.writeUTF(name);
            o.writeByte(7);             // #2 Class #1
            o.writeShort(1);
            o.writeByte(1);             // #3 Utf8: the superclass's internal name
            o.writeUTF(superName);
            o.writeByte(7);             // #4 Class #3
            o.writeShort(3);
            o.writeShort(0x0021);       // ACC_PUBLIC | ACC_SUPER
            o.writeShort(2);            // this class
            o.writeShort(4);            // super class
            o.writeShort(0);            // interfaces
            o.writeShort(0);            // fields
            o.writeShort(0);            // methods
            o.writeShort(0);            // attributes
            o.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
