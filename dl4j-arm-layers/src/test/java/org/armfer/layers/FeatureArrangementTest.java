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

class FeatureArrangementTest {

    /** out[n, c, h·r+i, w·r+j] = in[n, c·r² + i·r + j, h, w], element by element. */
    static INDArray pixelShuffleByHand(INDArray in, int r) {
        long n = in.size(0), cIn = in.size(1), h = in.size(2), w = in.size(3);
        long c = cIn / ((long) r * r);
        INDArray out = Nd4j.create(in.dataType(), n, c, h * r, w * r);
        for (long b = 0; b < n; b++)
            for (long ch = 0; ch < c; ch++)
                for (long y = 0; y < h; y++)
                    for (long x = 0; x < w; x++)
                        for (int i = 0; i < r; i++)
                            for (int j = 0; j < r; j++)
                                out.putScalar(new long[]{b, ch, y * r + i, x * r + j},
                                        in.getDouble(b, ch * r * r + (long) i * r + j, y, x));
        return out;
    }

    @ParameterizedTest(name = "r={0}, C={1}, H={2}, W={3}, N={4}")
    @CsvSource({"1,3,4,5,2", "2,8,3,3,2", "2,4,5,2,3", "3,18,2,4,1", "4,32,3,3,2", "16,512,2,2,1"})
    void matchesPixelShuffleFormula(int r, int c, int h, int w, int n) {
        String ctx = "r=" + r + ", C=" + c + ", H=" + h + ", W=" + w + ", N=" + n;
        ComputationGraph g = TestGraphs.single(FeatureArrangement.builder().blockSize(r).build(), c, h, w, DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, c, h, w);
        INDArray out = TestGraphs.forward(g, x);
        assertArrayEquals(new long[]{n, c / (r * r), h * r, w * r}, out.shape(), ctx);
        assertEquals(pixelShuffleByHand(x, r), out, ctx);
    }

    @Test
    void outputChannelsDerivesBlockSize() {
        FeatureArrangement fa = FeatureArrangement.builder().outputChannels(2).build();
        assertEquals(16, fa.blockSizeFor(512));
        InputType t = fa.getOutputType(0, InputType.convolutional(7, 7, 512));
        assertEquals(InputType.convolutional(112, 112, 2), t);
        // by default the block size comes from the channels: the paper's 2 output channels where C/2 is a square,
        // else the valid channel count nearest to 2 (1344 = 21·8²: 21 channels)
        FeatureArrangement auto = FeatureArrangement.builder().build();
        assertEquals(0, auto.getOutputChannels());
        assertEquals(16, auto.blockSizeFor(512));
        assertEquals(8, auto.blockSizeFor(1344));
        assertEquals(InputType.convolutional(24, 24, 21), auto.getOutputType(0, InputType.convolutional(3, 3, 1344)));
    }

    @Test
    void gradientIsTheInversePermutation() {
        int r = 2;
        ComputationGraph g = TestGraphs.single(FeatureArrangement.builder().blockSize(r).build(), 8, 3, 2, DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, 3, 2);
        INDArray eps = Nd4j.rand(DataType.FLOAT, 2, 2, 6, 4);
        INDArray dx = TestGraphs.inputGradient(g, x, eps);
        // backprop of a permutation routes each epsilon value back to where it came from
        assertEquals(eps, pixelShuffleByHand(dx, r));
    }

    @Test
    void rejectsChannelsNotDivisibleByBlockSizeSquared() {
        FeatureArrangement fa = FeatureArrangement.builder().blockSize(4).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fa.getOutputType(0, InputType.convolutional(7, 7, 40)));
        assertTrue(e.getMessage().contains("40") && e.getMessage().contains("blockSize"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> FeatureArrangement.builder().outputChannels(3).build().getOutputType(0, InputType.convolutional(7, 7, 512)));
        assertTrue(e2.getMessage().contains("512") && e2.getMessage().contains("outputChannels 3"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> FeatureArrangement.builder().outputChannels(4).build().getOutputType(0, InputType.convolutional(7, 7, 512)));
        assertTrue(e3.getMessage().contains("C / C' must be a square r²")
                && e3.getMessage().contains("allowed outputChannels for 512 channels: [2, 8, 32, 128, 512]"), e3.getMessage());
        assertTrue(e.getMessage().contains("allowed blockSize for 40 channels: [1, 2]"), e.getMessage());
    }

    @Test
    void rejectsBadBuilderValuesAndNonCnnInput() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeatureArrangement.builder().blockSize(0))
                .getMessage().contains("blockSize must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeatureArrangement.builder().outputChannels(-2))
                .getMessage().contains("outputChannels must be >= 1, got -2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureArrangement.builder().build().getOutputType(0, InputType.feedForward(512)));
        assertTrue(e.getMessage().contains("4-D CNN input"), e.getMessage());
    }
}
