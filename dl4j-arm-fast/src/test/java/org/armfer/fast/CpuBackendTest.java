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
    void dl4jConvolutionUsesItsOneDnnHelperWithTheShim() {
        String ext = CpuBackend.configure();
        org.junit.jupiter.api.Assumptions.assumeTrue(ext.contains("onednn"), "this CPU runs the default natives: " + ext);
        assertTrue(org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN(), "natives with oneDNN loaded");
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("out", new CnnLossLayer.Builder().build(), "c").setOutputs("out").build());
        g.init();
        assertNotNull(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) g.getLayer("c")).getHelper(),
                "DL4J's MKLDNNConvHelper is active");
    }
}
