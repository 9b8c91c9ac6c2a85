package org.armfer.zoo.transformer;

import org.armfer.layers.loss.LossPDLS;
import org.armfer.layers.resize.LearnableResizer;
import org.armfer.layers.resize.Resize2D;
import org.armfer.layers.resize.SubPixelUpscaler;
import org.armfer.layers.spatial.SpatialTransformer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Arrays;

/**
 * Seed 003's system: a vision transformer behind the neural resizer, trained with F-PDLS (Hwang et al., "Vision
 * Transformer Equipped with Neural Resizer on Facial Expression Recognition Task", ICASSP 2022; reference code
 * VT_with_NR_for_FER). The network takes the face at the dataset's native size (FER+ 48x48, RAF-DB 100x100) and
 * <ol>
 *   <li>super-resolves it by an integer factor r ({@code sr.*}): {@link Upscaling#LEARNED} (default) is a trainable
 *       sub-pixel network on top of bilinear up-scaling ({@link SubPixelUpscaler}), {@link Upscaling#BILINEAR} the
 *       paper's "Bi." baseline, {@link Upscaling#NONE} for images super-resolved offline (the reference runs the
 *       pretrained DIC face model offline, ×8 for FER+: 48 -> 384);</li>
 *   <li>optionally warps it with a spatial transformer ({@code stn.*}, {@link SpatialTransformer}, identity at
 *       the start), as the reference's best model (the paper's Table 2, row e);</li>
 *   <li>resizes it down to the transformer's input with the learnable resizer ({@code resizer.*},
 *       {@link LearnableResizer}: 16 filters, one residual block, bilinear skip, as the reference's Rescale.py, whose
 *       fixed factor 0.584 takes 384 to 224);</li>
 *   <li>runs the transformer trunk ({@link ViTConfig} or {@link SwinConfig}, torchvision's vertex names, so ImageNet
 *       weights load with {@code TorchWeights.loadBackbone});</li>
 *   <li>classifies with the reference's head ({@link Head#REFERENCE_MLP}: Linear(F, 512), BatchNorm1d, ReLU,
 *       Dropout 0.5, Linear(512, classes); vertices {@code head.0} .. {@code head.4}) or torchvision's linear one.</li>
 * </ol>
 * The default loss is F-PDLS with the reference's constants and prior ({@link LossPDLS#referenceFocal(int)}, labels in
 * armfer's canonical order) for 8 (FER+) or 7 classes; give {@code loss(...)} for other class counts. The reference's
 * optimiser and schedule are {@link org.armfer.zoo.ReferenceRecipes#VT_NR_FERPLUS} (armfer-train: {@code --recipe vt-nr-ferplus}).
 * <p>
 * Default super-resolution factor: the integer nearest {@code 384/side · size/224} (the reference's FER+ setting 48 ->
 * 384 -> 224; RAF-DB 100 -> 400 -> 224), at least 2.
 */
public class NeuralResizerTransformer extends TransformerZooModel {

    /** How the native-size face is up-scaled before the resizer. */
    public enum Upscaling {
        /** A trainable sub-pixel super-resolution network added to bilinear up-scaling ({@link SubPixelUpscaler}). */
        LEARNED,
        /** Bilinear up-scaling (PyTorch's, align_corners=False). */
        BILINEAR,
        /** None: the input is already super-resolved (offline, e.g. by DIC as the reference does). */
        NONE
    }

    /** The classifier after the trunk's pooled features. */
    public enum Head {
        /** The reference's: Linear(F, 512) -> BatchNorm1d -> ReLU -> Dropout(0.5) -> Linear(512, classes). */
        REFERENCE_MLP,
        /** torchvision's linear classifier ({@code heads.head} / {@code head}). */
        LINEAR
    }

    public static final String SR_PREFIX = "sr";
    public static final String STN_PREFIX = "stn";
    public static final String RESIZER_PREFIX = "resizer";
    public static final String HEAD_PREFIX = "head.";

    private final TransformerBackbone backbone;
    private final int transformerSize;
    private final Upscaling upscaling;
    private final int scaleSet;
    private int scale;
    private final boolean stn;
    private final int resizerFilters;
    private final int resizerBlocks;
    private final Head head;
    private final int headHidden;
    private final double headDropout;

    protected NeuralResizerTransformer(Builder b) {
        super(b, b.backbone.name() + "-nr" + (b.stn ? "-stn" : ""));
        this.backbone = b.backbone;
        this.transformerSize = b.transformerSize;
        this.upscaling = b.upscaling;
        this.scaleSet = b.scale;
        this.stn = b.stn;
        this.resizerFilters = b.resizerFilters;
        this.resizerBlocks = b.resizerBlocks;
        this.head = b.head;
        this.headHidden = b.headHidden;
        this.headDropout = b.headDropout;
        finish();
    }

    /** Checks the input against the pipeline and works out the super-resolution factor for it. */
    @Override
    protected void resolve() {
        int[] s = getInputShape();
        if (s[1] != s[2]) {
            throw new IllegalArgumentException(modelName() + " takes square faces, got " + s[1] + "x" + s[2]);
        }
        int r = upscaling == Upscaling.NONE ? 1 : scaleSet > 0 ? scaleSet : defaultScale(s[1], transformerSize);
        if (upscaling != Upscaling.NONE && r < 2) {
            throw new IllegalArgumentException("superResolutionScale must be >= 2 with " + upscaling + " up-scaling, got " + r
                    + "; use Upscaling.NONE for images super-resolved offline");
        }
        backbone.checkInput(s[0], transformerSize, transformerSize);
        if (stn && SpatialTransformer.localisationSide(s[1] * r) < 1) {
            throw new IllegalArgumentException("The spatial transformer needs images of at least 20x20 after up-scaling, got "
                    + s[1] * r);
        }
        this.scale = r;
        super.resolve();
    }

    /** The integer nearest {@code 384/side · transformerSize/224}, at least 2. */
    public static int defaultScale(int side, int transformerSize) {
        return (int) Math.max(2, Math.round(384.0 * transformerSize / 224.0 / side));
    }

    public static Builder builder() {
        return new Builder();
    }

    public TransformerBackbone getBackbone() {
        return backbone;
    }

    /** The side of the transformer's input (the resizer's output). */
    public int getTransformerSize() {
        return transformerSize;
    }

    public Upscaling getUpscaling() {
        return upscaling;
    }

    /** The super-resolution factor r (1 without up-scaling). */
    public int getScale() {
        return scale;
    }

    public boolean hasSpatialTransformer() {
        return stn;
    }

    public Head getHead() {
        return head;
    }

    /** Side of the super-resolved image (the resizer's input). */
    public int superResolvedSide() {
        return getInputShape()[1] * scale;
    }

    /** The learnable resizer: from the super-resolved side down to the transformer's input. */
    public LearnableResizer resizer() {
        return LearnableResizer.builder().outputSize(transformerSize, transformerSize).filters(resizerFilters)
                .residualBlocks(resizerBlocks).build();
    }

    @Override
    protected String addBody(ComputationGraphConfiguration.GraphBuilder g, String input) {
        String last = input;
        int side = superResolvedSide();
        if (upscaling == Upscaling.LEARNED) {
            last = SubPixelUpscaler.builder().scale(scale).build().addTo(g, last, SR_PREFIX);
        } else if (upscaling == Upscaling.BILINEAR) {
            g.addLayer(SR_PREFIX + ".out", Resize2D.builder().outputSize(side, side).build(), last);
            last = SR_PREFIX + ".out";
        }
        if (stn) {
            last = SpatialTransformer.builder().build().addTo(g, last, STN_PREFIX);
        }
        last = resizer().addTo(g, last, RESIZER_PREFIX);
        return backbone.addTrunk(g, last, getInputShape()[0], transformerSize, transformerSize);
    }

    @Override
    protected String addHead(ComputationGraphConfiguration.GraphBuilder g, String features) {
        if (head == Head.LINEAR) {
            boolean vit = backbone instanceof ViTConfig;
            OutputLayer.Builder out = new OutputLayer.Builder(getLoss()).nIn(backbone.numFeatures()).nOut(getNumClasses())
                    .activation(Activation.SOFTMAX).biasInit(0.0);
            out = vit ? out.weightInit(WeightInit.ZERO) : out.weightInit(new NormalDistribution(0, 0.02));
            g.addLayer(backbone.headName(), out.build(), features);
            return backbone.headName();
        }
        // the reference's head (PyTorch Linear default initialisation ~ DL4J's Xavier-uniform scale)
        g.addLayer(HEAD_PREFIX + "0", new DenseLayer.Builder().nIn(backbone.numFeatures()).nOut(headHidden)
                .activation(Activation.IDENTITY).build(), features);
        g.addLayer(HEAD_PREFIX + "1", new BatchNormalization.Builder().decay(0.9).eps(1e-5).useLogStd(false).build(), HEAD_PREFIX + "0");
        g.addLayer(HEAD_PREFIX + "2", new ActivationLayer.Builder().activation(Activation.RELU).build(), HEAD_PREFIX + "1");
        // DL4J's dropout argument is the probability of keeping a value: 1 - PyTorch's p
        g.addLayer(HEAD_PREFIX + "3", new DropoutLayer.Builder(1 - headDropout).build(), HEAD_PREFIX + "2");
        g.addLayer(HEAD_PREFIX + "4", new OutputLayer.Builder(getLoss()).nIn(headHidden).nOut(getNumClasses())
                .activation(Activation.SOFTMAX).build(), HEAD_PREFIX + "3");
        return HEAD_PREFIX + "4";
    }

    /** The trunk's pooled features: what the first layer of the head reads. */
    @Override
    public long classifierInputs() {
        return backbone.numFeatures();
    }

    @Override
    public String toString() {
        return modelName() + "{classes=" + getNumClasses() + ", input=" + Arrays.toString(getInputShape()) + ", " + upscaling
                + " x" + scale + " -> " + superResolvedSide() + (stn ? ", STN" : "") + ", resizer -> " + transformerSize
                + ", " + backbone.name() + ", " + head + ", loss " + getLoss() + "}";
    }

    /**
     * Builder: Swin-B (the reference's backbone), 8 classes (FER+), 3x48x48 input, learned ×8 super-resolution, no
     * STN, resizer to 224 (16 filters, 1 residual block), the reference's head and F-PDLS, Adam(1e-4).
     */
    public static class Builder extends Base<Builder> {
        private TransformerBackbone backbone = SwinConfig.B;
        private int transformerSize = 224;
        private Upscaling upscaling = Upscaling.LEARNED;
        private int scale;
        private boolean stn;
        private int resizerFilters = 16;
        private int resizerBlocks = 1;
        private Head head = Head.REFERENCE_MLP;
        private int headHidden = 512;
        private double headDropout = 0.5;
        private boolean lossSet;
        private int classes = 8;

        protected Builder() {
            super(48);
            numClasses(8);
        }

        /** The transformer trunk: a {@link ViTConfig} or {@link SwinConfig}. */
        public Builder backbone(TransformerBackbone backbone) {
            if (backbone == null) {
                throw new IllegalArgumentException("backbone must be a ViTConfig or SwinConfig, got null");
            }
            this.backbone = backbone;
            return this;
        }

        /** Side of the transformer's input, the resizer's output (default 224, the ImageNet weights' size). */
        public Builder transformerSize(int side) {
            if (side < 1) {
                throw new IllegalArgumentException("transformerSize must be >= 1, got " + side);
            }
            this.transformerSize = side;
            return this;
        }

        public Builder upscaling(Upscaling upscaling) {
            if (upscaling == null) {
                throw new IllegalArgumentException("upscaling must be one of " + Arrays.toString(Upscaling.values()) + ", got null");
            }
            this.upscaling = upscaling;
            return this;
        }

        /** The super-resolution factor r >= 2 (default: see the class comment). */
        public Builder superResolutionScale(int r) {
            if (r < 2) {
                throw new IllegalArgumentException("superResolutionScale must be an integer >= 2, got " + r);
            }
            this.scale = r;
            return this;
        }

        /** Whether a spatial transformer warps the super-resolved image (default false; the paper's best model has one). */
        public Builder spatialTransformer(boolean stn) {
            this.stn = stn;
            return this;
        }

        /** The resizer's filters (default 16) and residual blocks (default 1). */
        public Builder resizer(int filters, int residualBlocks) {
            if (filters < 1 || residualBlocks < 0) {
                throw new IllegalArgumentException("resizer needs filters >= 1 and residualBlocks >= 0, got " + filters + ", "
                        + residualBlocks);
            }
            this.resizerFilters = filters;
            this.resizerBlocks = residualBlocks;
            return this;
        }

        public Builder head(Head head) {
            if (head == null) {
                throw new IllegalArgumentException("head must be one of " + Arrays.toString(Head.values()) + ", got null");
            }
            this.head = head;
            return this;
        }

        /** The reference head's hidden width (default 512) and dropout probability (default 0.5, in [0, 1)). */
        public Builder headShape(int hidden, double dropout) {
            if (hidden < 1 || !(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("headShape needs hidden >= 1 and 0 <= dropout < 1, got " + hidden + ", " + dropout);
            }
            this.headHidden = hidden;
            this.headDropout = dropout;
            return this;
        }

        @Override
        public Builder loss(ILossFunction loss) {
            super.loss(loss);
            this.lossSet = true;
            return this;
        }

        @Override
        public Builder numClasses(int numClasses) {
            this.classes = numClasses;
            return super.numClasses(numClasses);
        }

        public NeuralResizerTransformer build() {
            if (!lossSet) {
                if (classes != 7 && classes != 8) {
                    throw new IllegalArgumentException("The default loss is the reference's F-PDLS, whose prior is for 8 (FER+) or"
                            + " 7 classes; numClasses is " + classes + ": give loss(...) (e.g. LossPDLS.focal(prior))");
                }
                super.loss(LossPDLS.referenceFocal(classes));
            }
            return new NeuralResizerTransformer(this);
        }
    }
}
