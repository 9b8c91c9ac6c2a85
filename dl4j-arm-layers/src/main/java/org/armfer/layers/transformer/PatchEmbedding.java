package org.armfer.layers.transformer;

import org.armfer.layers.impl.QuietSameDiffLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Patch embedding: a {@code p x p} convolution with stride p (PyTorch's {@code nn.Conv2d(C, D, kernel_size=p,
 * stride=p)}, ViT's {@code conv_proj}, Swin's {@code features.0.0}) from an NCHW image {@code [N, C, H, W]} to a token
 * grid {@code [N, H/p, W/p, D]} (NHWC, channels last: the layout the transformer layers read). Computed as what it
 * is, one matrix product of the non-overlapping patches with the flattened kernel; like the convolution, rows and
 * columns beyond the last whole patch are ignored (H/p and W/p round down).
 * <p>
 * Parameters: {@value #WEIGHT} {@code [D, C, p, p]} (PyTorch's {@code weight}, OIHW) and {@value #BIAS} {@code [D]}.
 * Initialisation ({@link Init}): torchvision's ViT (truncated normal, std {@code sqrt(1/fan_in)}, bias 0) by default,
 * or PyTorch's default convolution initialisation (Swin's).
 */
public class PatchEmbedding extends TokenLayer {

    public static final String WEIGHT = "W";
    public static final String BIAS = "b";

    /** How the parameters are initialised. */
    public enum Init {
        /** torchvision's ViT: trunc_normal_(std = sqrt(1 / (C·p·p))), bias 0. */
        VIT,
        /** PyTorch's default Conv2d initialisation (torchvision's Swin): weight and bias Uniform(±1/sqrt(C·p·p)). */
        TORCH_DEFAULT
    }

    private int patchSize;
    private long embedDim;
    private Init init;
    /** Input image channels, height and width; 0 until known. */
    private long inChannels;
    private long imageHeight;
    private long imageWidth;

    protected PatchEmbedding(Builder builder) {
        super(builder);
        this.patchSize = builder.patchSize;
        this.embedDim = builder.embedDim;
        this.init = builder.init;
    }

    private PatchEmbedding() {
        // for JSON
    }

    public int getPatchSize() {
        return patchSize;
    }

    public long getEmbedDim() {
        return embedDim;
    }

    public Init getInit() {
        return init;
    }

    public long getInChannels() {
        return inChannels;
    }

    /** The recorded input image height and width (0 until known). */
    public long getImageHeight() {
        return imageHeight;
    }

    public long getImageWidth() {
        return imageWidth;
    }

    /** Grid height H/p and width W/p for the recorded input. */
    public long gridHeight() {
        return imageHeight / patchSize;
    }

    public long gridWidth() {
        return imageWidth / patchSize;
    }

    private InputType.InputTypeConvolutional image(InputType t) {
        if (!(t instanceof InputType.InputTypeConvolutional) || ((InputType.InputTypeConvolutional) t).getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(who() + " needs an NCHW image [N, C, H, W] (InputType.convolutional(H, W, C)),"
                    + " got " + (t == null ? "null" : t.getType() + " " + t));
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
        if (c.getHeight() < patchSize || c.getWidth() < patchSize) {
            throw new IllegalArgumentException(who() + ": the image " + c.getHeight() + "x" + c.getWidth()
                    + " is smaller than one patch (patchSize " + patchSize + "); allowed: height and width >= " + patchSize);
        }
        return c;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional c = image(inputType);
        if (override || inChannels <= 0) {
            inChannels = c.getChannels();
            imageHeight = c.getHeight();
            imageWidth = c.getWidth();
            inLayout = Layout.GRID;
            inHeight = gridHeight();
            inWidth = gridWidth();
            inTokens = inHeight * inWidth;
            inDim = embedDim;
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = image(inputType);
        return InputType.convolutional(c.getHeight() / patchSize, c.getWidth() / patchSize, embedDim, CNN2DFormat.NHWC);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        image(inputType);
        return null;
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != inChannels || input.size(2) != imageHeight || input.size(3) != imageWidth) {
            throw new IllegalArgumentException(who() + " expects an image [N, " + inChannels + ", " + imageHeight + ", "
                    + imageWidth + "], got " + Arrays.toString(input.shape()));
        }
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (inChannels <= 0) {
            throw new IllegalStateException(who() + ": input shape unknown; build the graph with setInputTypes(...)");
        }
        params.addWeightParam(WEIGHT, embedDim, inChannels, patchSize, patchSize);
        params.addBiasParam(BIAS, embedDim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        long fanIn = inChannels * patchSize * patchSize;
        if (init == Init.TORCH_DEFAULT) {
            TransformerMath.torchDefault(params.get(WEIGHT), fanIn);
            TransformerMath.torchDefault(params.get(BIAS), fanIn);
        } else {
            TransformerMath.truncNormal(params.get(WEIGHT), Math.sqrt(1.0 / fanIn));
            params.get(BIAS).assign(0.0);
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> p, SDVariable mask) {
        int ps = patchSize;
        long h = gridHeight(), w = gridWidth(), c = inChannels;
        SDVariable x = input;
        if (h * ps != imageHeight || w * ps != imageWidth) {
            x = x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0L, h * ps), SDIndex.interval(0L, w * ps));
        }
        SDVariable patches = x.reshape(-1, c, h, ps, w, ps).permute(0, 2, 4, 1, 3, 5).reshape(-1, c * ps * ps);
        SDVariable kernel = p.get(WEIGHT).reshape(embedDim, c * ps * ps);
        return SameDiffBlocks.linear(sd, patches, kernel, p.get(BIAS)).reshape(-1, h, w, embedDim);
    }

    @Override
    protected QuietSameDiffLayer createRuntimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Runtime(conf, networkDataType);
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) return false;
        PatchEmbedding that = (PatchEmbedding) o;
        return patchSize == that.patchSize && embedDim == that.embedDim && init == that.init && inChannels == that.inChannels
                && imageHeight == that.imageHeight && imageWidth == that.imageWidth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), patchSize, embedDim, init, inChannels, imageHeight, imageWidth);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends TokenLayer.Builder<Builder> {
        private int patchSize = 16;
        private long embedDim;
        private Init init = Init.VIT;

        /** Patch side p >= 1 (default 16, ViT-B/16; Swin: 4). */
        public Builder patchSize(int p) {
            if (p < 1) {
                throw new IllegalArgumentException("PatchEmbedding: patchSize must be >= 1, got " + p);
            }
            this.patchSize = p;
            return this;
        }

        /** Embedding width D >= 1 (required). */
        public Builder embedDim(long d) {
            if (d < 1) {
                throw new IllegalArgumentException("PatchEmbedding: embedDim must be >= 1, got " + d);
            }
            this.embedDim = d;
            return this;
        }

        public Builder init(Init init) {
            if (init == null) {
                throw new IllegalArgumentException("PatchEmbedding: init must be one of " + Arrays.toString(Init.values()) + ", got null");
            }
            this.init = init;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public PatchEmbedding build() {
            if (embedDim < 1) {
                throw new IllegalStateException("PatchEmbedding: embedDim not set; call embedDim(D)");
            }
            return new PatchEmbedding(this);
        }
    }

    /** The direct implementation: patches gathered by one strided copy, then one matrix product. */
    static final class Runtime extends TokenRuntime {
        private INDArray patches;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private PatchEmbedding pe() {
            return (PatchEmbedding) layerConf();
        }

        /** The input cut to whole patches (a view). */
        private INDArray cropped(INDArray x) {
            PatchEmbedding pe = pe();
            long hp = pe.gridHeight() * pe.patchSize, wp = pe.gridWidth() * pe.patchSize;
            if (hp == x.size(2) && wp == x.size(3)) {
                return x;
            }
            return x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, hp), NDArrayIndex.interval(0, wp));
        }

        @Override
        protected INDArray compute(boolean training, LayerWorkspaceMgr mgr) {
            PatchEmbedding pe = pe();
            long n = input.size(0), c = pe.inChannels, h = pe.gridHeight(), w = pe.gridWidth(), p = pe.patchSize;
            long cpp = c * p * p;
            patches = keep(training, mgr, n * h * w, cpp);
            // [N, C, h, p, w, p] -> [N, h, w, C, p, p]
            patches.reshape('c', n, h, w, c, p, p).assign(cropped(input).reshape('c', n, c, h, p, w, p).permute(0, 2, 4, 1, 3, 5));
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, h, w, pe.embedDim}, 'c');
            TransformerMath.linear(patches, getParam(WEIGHT).reshape('c', pe.embedDim, cpp), getParam(BIAS), rows(out, n * h * w, pe.embedDim));
            return out;
        }

        @Override
        protected INDArray backpropagate(INDArray epsilon, Gradient gradient, LayerWorkspaceMgr mgr) {
            PatchEmbedding pe = pe();
            long n = input.size(0), c = pe.inChannels, h = pe.gridHeight(), w = pe.gridWidth(), p = pe.patchSize;
            long cpp = c * p * p;
            INDArray dy = rows(epsilon, n * h * w, pe.embedDim);
            INDArray dPatches = bpWork(mgr, n * h * w, cpp);
            TransformerMath.linearBackward(dy, patches, getParam(WEIGHT).reshape('c', pe.embedDim, cpp),
                    grad(WEIGHT).reshape('c', pe.embedDim, cpp), grad(BIAS), dPatches);
            INDArray dx = mgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');  // zeros: cropped part
            INDArray dxCrop = cropped(dx);
            INDArray back = dPatches.reshape('c', n, h, w, c, p, p).permute(0, 3, 1, 4, 2, 5);
            if (dxCrop == dx) {
                dx.reshape('c', n, c, h, p, w, p).assign(back);
            } else {
                dxCrop.assign(back.reshape('c', n, c, h * p, w * p));
            }
            return dx;
        }

        @Override
        protected void release() {
            patches = null;
        }
    }
}
