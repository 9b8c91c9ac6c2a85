package org.armfer.layers;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.enums.WeightsFormat;

import java.util.Map;
import java.util.Objects;

/**
 * ARM's De-albino (DA) kernel: one single-channel k x k kernel, no bias, no padding, stride s, applied to every
 * input channel separately with the <em>same</em> weights: {@code [N, C, H, W] -> [N, C, Ho, Wo]},
 * {@code Ho = floor((H - k) / s) + 1}. Defaults (the paper, after a 16x arrangement of ResNet-18's 512x7x7 map):
 * k = 32, s = 8, so 112 -> 11.
 * <p>
 * Without padding a value near the border is covered by fewer kernel positions than a central one (the paper's
 * Figure 4), which is how DA weakens the padding-eroded ("albino") values that FA moved to the outer ring.
 * Implemented as one convolution over {@code N·C} single-channel maps (a reshape, not a loop over channels).
 * The weight, parameter {@value #WEIGHT}, has PyTorch's layout {@code [1, 1, k, k]} and is initialised for a
 * k x k fan-in (fan-in = fan-out = k², DL4J's {@link WeightInit}, XAVIER by default: std 1/k).
 */
public class DeAlbino extends AbstractCnnSameDiffLayer {

    /** Parameter key of the shared kernel, shape [1, 1, k, k]. */
    public static final String WEIGHT = "W";

    private int kernelSize;
    private int stride;

    protected DeAlbino(Builder builder) {
        super(builder);
        this.kernelSize = builder.kernelSize;
        this.stride = builder.stride;
    }

    private DeAlbino() {
        // for JSON
    }

    @Override
    protected org.armfer.layers.impl.QuietSameDiffLayer createRuntimeLayer(org.deeplearning4j.nn.conf.NeuralNetConfiguration conf,
                                                                          org.nd4j.linalg.api.buffer.DataType networkDataType) {
        return new org.armfer.layers.impl.DeAlbinoRuntime(conf, networkDataType);
    }

    @Override
    public long[] outputShape(long channels, long height, long width) {
        try {
            return outputShape(channels, height, width, kernelSize, stride, "input map",
                    "input " + channels + "x" + height + "x" + width);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DeAlbino: " + e.getMessage(), e);
        }
    }

    /**
     * The output {@code [C, Ho, Wo]} of a k x k, stride s De-albino on a {@code [C, H, W]} map, checked (the one check
     * of DA's geometry, which {@link ArmGeometry} uses too): the kernel must fit the map.
     *
     * @param map     what the map is, for the message ("arranged feature map")
     * @param context where it comes from, for the message ("input 512x1x1, blockSize 16")
     */
    public static long[] outputShape(long channels, long height, long width, int kernelSize, int stride, String map,
                                     String context) {
        if (kernelSize > height || kernelSize > width) {
            throw new IllegalArgumentException("kernelSize " + kernelSize + " is larger than the " + map + " " + height + "x"
                    + width + " (" + context + "); allowed: 1 <= kernelSize <= " + Math.min(height, width));
        }
        return new long[]{channels, outSize(height, kernelSize, stride), outSize(width, kernelSize, stride)};
    }

    /** {@code floor((in - k) / s) + 1}, the output size of an unpadded convolution. */
    public static long outSize(long in, long k, long s) {
        return (in - k) / s + 1;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT, 1, 1, kernelSize, kernelSize);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        long fan = (long) kernelSize * kernelSize;
        WeightInit init = weightInit == null ? WeightInit.XAVIER : weightInit;
        initWeights((int) fan, (int) fan, init, params.get(WEIGHT));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> paramTable, SDVariable mask) {
        requireInputShape();
        long[] out = outputShape(inChannels, inHeight, inWidth);
        Conv2DConfig conf = Conv2DConfig.builder()
                .kH(kernelSize).kW(kernelSize).sH(stride).sW(stride).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID)
                .dataFormat(Conv2DConfig.NCHW)
                .weightsFormat(WeightsFormat.YXIO)
                .build();
        // [1, 1, k, k] (PyTorch's OIHW) and [k, k, 1, 1] (YXIO) hold the same values in the same order; YXIO because
        // ND4J M2.1's conv2d_bp rejects OIYX weights
        SDVariable kernel = paramTable.get(WEIGHT).reshape(kernelSize, kernelSize, 1, 1);
        // every channel of every example becomes one single-channel image, all convolved with the same kernel
        SDVariable single = input.reshape(-1, 1, inHeight, inWidth);
        SDVariable conv = sd.cnn().conv2d(single, kernel, conf);
        return conv.reshape(-1, inChannels, out[1], out[2]);
    }

    public int getKernelSize() {
        return kernelSize;
    }

    public int getStride() {
        return stride;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        DeAlbino that = (DeAlbino) o;
        return kernelSize == that.kernelSize && stride == that.stride;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), kernelSize, stride);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends AbstractCnnSameDiffLayer.Builder<Builder> {
        private int kernelSize = 32;
        private int stride = 8;

        /** Kernel size k ≥ 1 (the paper: 32). */
        public Builder kernelSize(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("DeAlbino: kernelSize must be >= 1, got " + k);
            }
            this.kernelSize = k;
            return this;
        }

        /** Stride s ≥ 1 (the paper: 8). */
        public Builder stride(int s) {
            if (s < 1) {
                throw new IllegalArgumentException("DeAlbino: stride must be >= 1, got " + s);
            }
            this.stride = s;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DeAlbino build() {
            return new DeAlbino(this);
        }
    }
}
