package org.armfer.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeAlbinoTest {

    /** Direct convolution, every channel with the same k x k kernel, no padding, stride s. */
    static INDArray convolveByHand(INDArray in, INDArray kernel, int s) {
        long n = in.size(0), c = in.size(1), h = in.size(2), w = in.size(3);
        int k = (int) kernel.size(2);
        long ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        INDArray out = Nd4j.create(DataType.DOUBLE, n, c, ho, wo);
        for (long b = 0; b < n; b++)
            for (long ch = 0; ch < c; ch++)
                for (long y = 0; y < ho; y++)
                    for (long x = 0; x < wo; x++) {
                        double sum = 0;
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                                sum += in.getDouble(b, ch, y * s + i, x * s + j) * kernel.getDouble(0, 0, i, j);
                        out.putScalar(new long[]{b, ch, y, x}, sum);
                    }
        return out;
    }

    @ParameterizedTest(name = "k={0}, s={1}, C={2}, H={3}, W={4}")
    @CsvSource({"3,1,2,7,7", "3,2,3,8,6", "1,1,2,4,4", "4,3,2,11,9", "5,5,1,5,5", "32,8,2,112,112"})
    void matchesDirectConvolutionWithSharedKernel(int k, int s, int c, int h, int w) {
        String ctx = "k=" + k + ", s=" + s + ", C=" + c + ", H=" + h + ", W=" + w;
        ComputationGraph g = TestGraphs.single(DeAlbino.builder().kernelSize(k).stride(s).build(), c, h, w, DataType.DOUBLE);
        INDArray kernel = g.getLayer("l").getParam(DeAlbino.WEIGHT);
        assertArrayEquals(new long[]{1, 1, k, k}, kernel.shape(), ctx);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, c, h, w).subi(0.5);
        INDArray out = TestGraphs.forward(g, x);
        assertArrayEquals(new long[]{2, c, (h - k) / s + 1, (w - k) / s + 1}, out.shape(), ctx);
        INDArray expected = convolveByHand(x, kernel, s);
        assertTrue(expected.equalsWithEps(out, 1e-10), ctx + "\nexpected " + expected + "\ngot " + out);
    }

    @Test
    void paperGeometryAndDefaults() {
        DeAlbino da = DeAlbino.builder().build();
        assertEquals(32, da.getKernelSize());
        assertEquals(8, da.getStride());
        assertEquals(InputType.convolutional(11, 11, 2), da.getOutputType(0, InputType.convolutional(112, 112, 2)));
    }

    @Test
    void initialisationIsScaledForTheKernelFanIn() {
        // XAVIER with fan-in = fan-out = k²: std 1/k
        ComputationGraph g = TestGraphs.single(DeAlbino.builder().kernelSize(32).stride(8).build(), 2, 112, 112, DataType.DOUBLE);
        double std = g.getLayer("l").getParam(DeAlbino.WEIGHT).stdNumber().doubleValue();
        assertEquals(1.0 / 32, std, 0.15 / 32, "std of 1024 initial weights");
    }

    /**
     * The paper's Figure 4: with an all-ones 3x3 kernel, stride 1, on a 7x7 map, the number of kernel positions that
     * see each pixel, i.e. the gradient of the output sum with respect to the input.
     */
    @Test
    void figure4CoverageTable() {
        ComputationGraph g = TestGraphs.single(DeAlbino.builder().kernelSize(3).stride(1).build(), 1, 7, 7, DataType.DOUBLE);
        g.getLayer("l").getParam(DeAlbino.WEIGHT).assign(1.0);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 1, 7, 7);
        INDArray dx = TestGraphs.inputGradient(g, x, Nd4j.ones(DataType.DOUBLE, 1, 1, 5, 5));
        double[][] expected = {
                {1, 2, 3, 3, 3, 2, 1},
                {2, 4, 6, 6, 6, 4, 2},
                {3, 6, 9, 9, 9, 6, 3},
                {3, 6, 9, 9, 9, 6, 3},
                {3, 6, 9, 9, 9, 6, 3},
                {2, 4, 6, 6, 6, 4, 2},
                {1, 2, 3, 3, 3, 2, 1}};
        assertEquals(Nd4j.create(expected).reshape(1, 1, 7, 7), dx);
    }

    @Test
    void rejectsBadParameters() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeAlbino.builder().stride(0))
                .getMessage().contains("stride must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeAlbino.builder().kernelSize(0))
                .getMessage().contains("kernelSize must be >= 1, got 0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeAlbino.builder().kernelSize(8).build().getOutputType(0, InputType.convolutional(7, 7, 512)));
        assertTrue(e.getMessage().contains("kernelSize 8 is larger than the input map 7x7"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DeAlbino.builder().build().getOutputType(0, InputType.recurrent(3, 5))).getMessage().contains("4-D CNN"));
    }

    @Test
    void rejectsInputOfTheWrongShapeAtRunTime() {
        ComputationGraph g = TestGraphs.single(DeAlbino.builder().kernelSize(3).stride(1).build(), 2, 7, 7, DataType.FLOAT);
        Exception e = assertThrows(Exception.class, () -> g.output(Nd4j.rand(DataType.FLOAT, 1, 3, 7, 7)));
        String msg = e.getMessage() + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(msg.contains("expects input [N, 2, 7, 7]"), msg);
    }
}
