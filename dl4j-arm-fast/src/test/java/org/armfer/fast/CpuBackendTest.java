package org.armfer.fast;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuBackendTest {

    @Test
    void theHelperCheckLoaderDefinesOnlyTheOldNameAndDelegatesTheRest() throws Exception {
        HelperCheckClassLoader l = new HelperCheckClassLoader(getClass().getClassLoader());
        Class<?> env = Class.forName(HelperCheckClassLoader.ENVIRONMENT, false, l);
        assertEquals(HelperCheckClassLoader.ENVIRONMENT, env.getName());
        assertEquals(MklDnnEnvironment.class, env.getSuperclass(), "the subclass of the class path's MklDnnEnvironment");
        assertEquals(l, env.getClassLoader());
        assertEquals(env, Class.forName(HelperCheckClassLoader.ENVIRONMENT, false, l), "defined once");
        assertEquals(CpuBackend.class, l.loadClass(CpuBackend.class.getName()), "everything else from the parent");
        assertEquals(MklDnnEnvironment.class, env.getMethod("getInstance").getDeclaringClass());
        org.junit.jupiter.api.Assertions.assertThrows(ClassNotFoundException.class,
                () -> l.loadClass("org.nd4j.nativeblas.NoSuchClass"));
    }

    @Test
    void choosesTheBestVariantTheCpuRuns() {
        Set<String> avx512 = Set.of("fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq");
        Set<String> avx2 = Set.of("fma", "avx2");
        assertEquals("-onednn-avx512", CpuBackend.choose(avx512, "Linux", "amd64"));
        assertEquals("-onednn-avx2", CpuBackend.choose(avx2, "Linux", "amd64"));
        assertEquals("", CpuBackend.choose(Set.of("sse4_2"), "Linux", "amd64"), "no AVX2: the default build");
        assertEquals("", CpuBackend.choose(avx512, "Mac OS X", "aarch64"), "other platforms: the default build");
        assertTrue(CpuBackend.onClasspath("-onednn-avx512") && CpuBackend.onClasspath("-onednn-avx2"),
                "the build puts both oneDNN natives on the classpath");
    }

    @Test
    void dl4jConvolutionUsesItsOneDnnHelperWithoutAClassInNd4jsPackage() throws Exception {
        String ext = CpuBackend.configure();
        org.junit.jupiter.api.Assumptions.assumeTrue(ext.contains("onednn"), "this CPU runs the default natives: " + ext);
        assertEquals(null, CpuBackendTest.class.getClassLoader().getResource("org/nd4j/nativeblas/Nd4jCpu$Environment.class"),
                "no class of ND4J's package on the class path");
        Class<?> env = Class.forName(HelperCheckClassLoader.ENVIRONMENT, true,
                org.deeplearning4j.config.DL4JClassLoading.getDl4jClassloader());
        assertTrue(MklDnnEnvironment.class.isAssignableFrom(env), env.getName());
        Object instance = env.getMethod("getInstance").invoke(null);
        assertEquals(true, env.getMethod("isUseMKLDNN").invoke(instance), "natives with oneDNN loaded");
        assertTrue(org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled(), "DL4J's own check passes");
        ClassLoader loader = org.deeplearning4j.config.DL4JClassLoading.getDl4jClassloader();
        assertTrue(loader instanceof HelperCheckClassLoader && !(loader.getParent() instanceof HelperCheckClassLoader),
                "installed once: " + loader);
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("out", new CnnLossLayer.Builder().build(), "c").setOutputs("out").build());
        g.init();
        assertNotNull(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) g.getLayer("c")).getHelper(),
                "DL4J's MKLDNNConvHelper is active");
    }
}
