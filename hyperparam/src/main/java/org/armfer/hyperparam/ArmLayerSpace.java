package org.armfer.hyperparam;

import org.armfer.layers.ArmBlock;
import org.armfer.layers.ArmModule;
import org.deeplearning4j.arbiter.optimize.api.AbstractParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.BooleanSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.util.LeafUtils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Arbiter parameter space over ARM's settings: the DA kernel size k, the DA stride s (absolute, or as a ratio of the
 * kernel: the paper's "about half"), SA's λ (a value range, learnable or not, or both tried) and optionally FA's output
 * channels C'. Every other setting (blocks, BatchNorm, GAR mode, ...) comes from a base {@link ArmModule}, the paper's
 * configuration unless {@link Builder#base(ArmModule)} says otherwise.
 * <pre>{@code
 * ArmLayerSpace space = ArmLayerSpace.builder()
 *         .kernelSize(8, 48)            // IntegerParameterSpace
 *         .strideRatio(0.25, 0.5)       // s = round(ratio · k)
 *         .lambda(0.0, 2.0)             // ContinuousParameterSpace
 *         .learnableLambdaOnOff()       // BooleanSpace
 *         .build();
 * }</pre>
 * It is a node of Arbiter's {@link ParameterSpace} tree, built the way Arbiter's {@code LayerSpace} is: the searched
 * settings are leaf spaces ({@link IntegerParameterSpace}, {@link ContinuousParameterSpace}, {@link BooleanSpace},
 * {@link DiscreteParameterSpace}, {@link FixedValue}) found by reflection, and a candidate generator numbers them. It
 * yields an {@link ArmModule} and not a DL4J {@code Layer} (so it is not an Arbiter {@code LayerSpace}) because ARM is
 * four layers (FA, DA, BN, SA); {@link ArmGraphSpace} puts it into a whole network. Give a candidate generator the
 * {@link ArmGraphSpace}, not this space: Arbiter beta7 Java-serializes every candidate's value (its {@code Candidate}
 * keeps it in a {@code SerializedSupplier}), and {@link ArmModule} is not {@code Serializable}, so a generator drawing
 * ArmModules directly fails with "Error serializing object - must be serializable" outside its own error handling.
 * <p>
 * Not every point of the space is a possible ARM: {@link #sample(double[])} gives the drawn values,
 * {@link #validate(ArmHyperparameters, long, long, long)} says why they cannot fit a feature map (kernel larger than the
 * arranged map, stride below 1, C' that does not divide the channels into a square block), and
 * {@link #getValue(double[])} throws {@link IllegalArgumentException} with that message.
 */
public final class ArmLayerSpace extends AbstractParameterSpace<ArmModule> {

    // Field order is the order of getNestedSpaces(): Arbiter numbers the leaves in this order.
    private final ParameterSpace<Integer> kernelSize;
    private final ParameterSpace<Integer> stride;          // null when strideRatio is used
    private final ParameterSpace<Double> strideRatio;      // null when stride is used
    private final ParameterSpace<Double> lambda;
    private final ParameterSpace<Boolean> learnableLambda;
    private final ParameterSpace<Integer> outputChannels;  // null: the base's FA setting
    private final ArmModule base;                          // not a ParameterSpace: reflection skips it

    private ArmLayerSpace(Builder b) {
        this.base = b.base;
        // a setting the base leaves AUTO (derived from the feature map) stays AUTO (0) unless searched
        this.kernelSize = b.kernelSize != null ? b.kernelSize : new FixedValue<>(b.base.getKernelSize());
        if (b.strideRatio != null && b.kernelSize == null && b.base.getKernelSize() == ArmModule.AUTO) {
            throw new IllegalArgumentException("strideRatio needs a kernel size to multiply: set kernelSize(...) in the space"
                    + " or the base (the base's kernel size is derived from the feature map)");
        }
        if (b.strideRatio != null) {
            this.stride = null;
            this.strideRatio = b.strideRatio;
        } else {
            this.stride = b.stride != null ? b.stride : new FixedValue<>(b.base.getStride());
            this.strideRatio = null;
        }
        this.lambda = b.lambda != null ? b.lambda : new FixedValue<>(b.base.getLambda());
        this.learnableLambda = b.learnableLambda != null ? b.learnableLambda : new FixedValue<>(b.base.isLearnableLambda());
        this.outputChannels = b.outputChannels;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The ARM whose settings are kept where this space searches nothing. */
    public ArmModule base() {
        return base;
    }

    // ------------------------------------------------------------------------------------------------ values

    /**
     * The values drawn for {@code parameterValues} (each in [0, 1], indexed as the generator numbered the leaves),
     * unchecked.
     */
    public ArmHyperparameters sample(double[] parameterValues) {
        int k = kernelSize.getValue(parameterValues);
        int s;
        double ratio;
        if (strideRatio != null) {
            ratio = strideRatio.getValue(parameterValues);
            s = (int) Math.round(ratio * k);
        } else {
            ratio = Double.NaN;
            s = stride.getValue(parameterValues);
        }
        double l = lambda.getValue(parameterValues);
        boolean learnable = learnableLambda.getValue(parameterValues);
        int c = outputChannels != null ? outputChannels.getValue(parameterValues) : base.getOutputChannels();
        if (!base.has(ArmBlock.FA)) {
            c = 0; // no FA: its channels do not apply
        }
        return new ArmHyperparameters(ArmBlock.format(base.getBlocks()), k, s, ratio, l, learnable, c);
    }

    /**
     * The ARM for a drawn point: the base with the point's settings (a kernel size or stride of 0 is
     * {@link ArmModule#AUTO}: derived from the feature map, as the base leaves it).
     *
     * @throws IllegalArgumentException when a setting is out of its domain (stride below 1, kernel below 1, ...)
     */
    public ArmModule module(ArmHyperparameters p) {
        if (p.stride() < (p.strideFromRatio() ? 1 : 0)) {
            throw new IllegalArgumentException("stride " + p.stride() + (p.strideFromRatio()
                    ? " (= round(strideRatio " + p.strideRatio() + " x kernelSize " + p.kernelSize() + "))" : "")
                    + " must be >= 1" + (p.strideFromRatio() ? "; raise the stride ratio or the kernel size" : ""));
        }
        ArmModule.Builder b = base().toBuilder()
                .kernelSize(p.kernelSize())
                .stride(p.stride())
                .lambda(p.lambda())
                .learnableLambda(p.learnableLambda());
        if (outputChannels != null && base.has(ArmBlock.FA)) {
            b.outputChannels(p.outputChannels());
        }
        return b.build();
    }

    /**
     * Why the point cannot be an ARM on a {@code [channels, height, width]} feature map (the message of
     * {@link ArmModule#outputShape} or of the builder), or empty when it can.
     */
    public Optional<String> validate(ArmHyperparameters p, long channels, long height, long width) {
        try {
            module(p).outputShape(channels, height, width);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The ARM for {@code parameterValues}.
     *
     * @throws IllegalArgumentException for a point outside the settings' domains (see {@link #module})
     */
    @Override
    public ArmModule getValue(double[] parameterValues) {
        return module(sample(parameterValues));
    }

    // ------------------------------------------------------------------------------------------------ Arbiter tree

    @Override
    public int numParameters() {
        return LeafUtils.countUniqueParameters(collectLeaves());
    }

    /** Depth-first, as Arbiter's {@code LayerSpace} does. */
    @Override
    public List<ParameterSpace> collectLeaves() {
        LinkedList<ParameterSpace> stack = new LinkedList<>();
        stack.add(this);
        List<ParameterSpace> out = new ArrayList<>();
        while (!stack.isEmpty()) {
            ParameterSpace next = stack.removeLast();
            if (next.isLeaf()) {
                out.add(next);
            } else {
                ParameterSpace[] nested = (ParameterSpace[]) next.getNestedSpaces().values().toArray(new ParameterSpace[0]);
                for (int i = nested.length - 1; i >= 0; i--) {
                    stack.add(nested[i]);
                }
            }
        }
        return out;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("ArmLayerSpace is not a leaf: the generator sets the indices of its leaves");
    }

    // ------------------------------------------------------------------------------------------------ getters

    public ParameterSpace<Integer> getKernelSize() {
        return kernelSize;
    }

    /** The stride space, or null when the stride is a ratio of the kernel. */
    public ParameterSpace<Integer> getStride() {
        return stride;
    }

    /** The stride-ratio space, or null when the stride is drawn directly. */
    public ParameterSpace<Double> getStrideRatio() {
        return strideRatio;
    }

    public ParameterSpace<Double> getLambda() {
        return lambda;
    }

    public ParameterSpace<Boolean> getLearnableLambda() {
        return learnableLambda;
    }

    /** The FA output-channel space, or null when the base's FA setting is kept. */
    public ParameterSpace<Integer> getOutputChannels() {
        return outputChannels;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ArmLayerSpace(blocks=").append(ArmBlock.format(base().getBlocks()));
        for (Map.Entry<String, ParameterSpace> e : getNestedSpaces().entrySet()) {
            sb.append(", ").append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.append(')').toString();
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Builder; a setting left unset is fixed to the base's value. Ranges are inclusive; a range whose ends are equal is
     * a fixed value. Each setter rejects a range that is empty or outside the setting's domain, naming both.
     */
    public static final class Builder {
        private ArmModule base = ArmModule.builder().build();
        private ParameterSpace<Integer> kernelSize;
        private ParameterSpace<Integer> stride;
        private ParameterSpace<Double> strideRatio;
        private ParameterSpace<Double> lambda;
        private ParameterSpace<Boolean> learnableLambda;
        private ParameterSpace<Integer> outputChannels;

        private Builder() {
        }

        /** The ARM whose other settings every candidate keeps (default: the paper's, {@code ArmModule.builder().build()}). */
        public Builder base(ArmModule base) {
            if (base == null) {
                throw new IllegalArgumentException("base ArmModule must not be null");
            }
            this.base = base;
            return this;
        }

        /** The ARM blocks, e.g. "DA" for the paper's Figure 6 sweep, "FA+DA+SA" (default). */
        public Builder blocks(String spec) {
            this.base = base.toBuilder().blocks(spec).build();
            return this;
        }

        /** Whether every candidate has the BatchNorm after DA (the base's setting; the reference has one before SA). */
        public Builder batchNorm(boolean on) {
            this.base = base.toBuilder().batchNorm(on).build();
            return this;
        }

        /** A fixed DA kernel size, >= 1. */
        public Builder kernelSize(int k) {
            requireAtLeast("kernelSize", k, 1);
            return kernelSize(new FixedValue<>(k));
        }

        /** DA kernel sizes drawn uniformly from [min, max], 1 <= min <= max. */
        public Builder kernelSize(int min, int max) {
            return kernelSize(intRange("kernelSize", min, max, 1));
        }

        /** Any integer space for the DA kernel size (e.g. a {@link DiscreteParameterSpace} of chosen sizes). */
        public Builder kernelSize(ParameterSpace<Integer> space) {
            this.kernelSize = requireSpace("kernelSize", space);
            return this;
        }

        /** A fixed absolute DA stride, >= 1 (replaces a stride ratio). */
        public Builder stride(int s) {
            requireAtLeast("stride", s, 1);
            return stride(new FixedValue<>(s));
        }

        /** Absolute DA strides drawn from [min, max], 1 <= min <= max (replaces a stride ratio). */
        public Builder stride(int min, int max) {
            return stride(intRange("stride", min, max, 1));
        }

        /** Any integer space for the absolute DA stride (replaces a stride ratio). */
        public Builder stride(ParameterSpace<Integer> space) {
            this.stride = requireSpace("stride", space);
            this.strideRatio = null;
            return this;
        }

        /**
         * A fixed stride ratio: {@code s = round(ratio · k)} (the paper's k = 32, s = 8 is 0.25; "about half" is 0.5).
         * A candidate whose stride rounds to 0 is recorded as invalid. Replaces an absolute stride.
         */
        public Builder strideRatio(double ratio) {
            requirePositive("strideRatio", ratio);
            return strideRatio(new FixedValue<>(ratio));
        }

        /** Stride ratios drawn uniformly from [min, max], 0 < min <= max (replaces an absolute stride). */
        public Builder strideRatio(double min, double max) {
            requirePositive("strideRatio", min);
            requirePositive("strideRatio", max);
            return strideRatio(realRange("strideRatio", min, max));
        }

        /** Any real space for the stride ratio (replaces an absolute stride). */
        public Builder strideRatio(ParameterSpace<Double> space) {
            this.strideRatio = requireSpace("strideRatio", space);
            this.stride = null;
            return this;
        }

        /** A fixed λ (the initial value when λ is learnable). */
        public Builder lambda(double lambda) {
            requireFinite("lambda", lambda);
            return lambda(new FixedValue<>(lambda));
        }

        /** λ drawn uniformly from [min, max]. */
        public Builder lambda(double min, double max) {
            requireFinite("lambda", min);
            requireFinite("lambda", max);
            return lambda(realRange("lambda", min, max));
        }

        /** Any real space for λ. */
        public Builder lambda(ParameterSpace<Double> space) {
            this.lambda = requireSpace("lambda", space);
            return this;
        }

        /** λ trained (true) or fixed (false) in every candidate. */
        public Builder learnableLambda(boolean learnable) {
            return learnableLambda(new FixedValue<>(learnable));
        }

        /** Both: each candidate draws whether λ is trained ({@link BooleanSpace}). */
        public Builder learnableLambdaOnOff() {
            return learnableLambda(new BooleanSpace());
        }

        /** Any boolean space for whether λ is trained. */
        public Builder learnableLambda(ParameterSpace<Boolean> space) {
            this.learnableLambda = requireSpace("learnableLambda", space);
            return this;
        }

        /**
         * FA output channels C': one value (fixed) or several (one drawn per candidate). C' must leave a square block:
         * C / C' = r² (for ResNet's 512 channels: 2, 8, 32, 128, 512); a value that does not is recorded as invalid.
         */
        public Builder outputChannels(int... values) {
            if (values == null || values.length == 0) {
                throw new IllegalArgumentException("outputChannels needs at least one value");
            }
            for (int c : values) {
                requireAtLeast("outputChannels", c, 1);
            }
            if (values.length == 1) {
                return outputChannels(new FixedValue<>(values[0]));
            }
            return outputChannels(new DiscreteParameterSpace<>(Arrays.stream(values).boxed().toArray(Integer[]::new)));
        }

        /** Any integer space for FA's output channels. */
        public Builder outputChannels(ParameterSpace<Integer> space) {
            this.outputChannels = requireSpace("outputChannels", space);
            return this;
        }

        public ArmLayerSpace build() {
            return new ArmLayerSpace(this);
        }

        private static <T> ParameterSpace<T> requireSpace(String name, ParameterSpace<T> space) {
            if (space == null) {
                throw new IllegalArgumentException(name + " space must not be null");
            }
            return space;
        }

        private static void requireAtLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
            }
        }

        private static void requirePositive(String name, double value) {
            if (!(value > 0) || !Double.isFinite(value)) {
                throw new IllegalArgumentException(name + " must be a finite number > 0, got " + value);
            }
        }

        private static void requireFinite(String name, double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(name + " must be finite, got " + value);
            }
        }

        private static ParameterSpace<Integer> intRange(String name, int min, int max, int lowest) {
            if (min < lowest || max < min) {
                throw new IllegalArgumentException(name + " range [" + min + ", " + max + "] is not allowed; need "
                        + lowest + " <= min <= max");
            }
            return min == max ? new FixedValue<>(min) : new IntegerParameterSpace(min, max);
        }

        private static ParameterSpace<Double> realRange(String name, double min, double max) {
            if (max < min) {
                throw new IllegalArgumentException(name + " range [" + min + ", " + max + "] is empty; need min <= max");
            }
            return min == max ? new FixedValue<>(min) : new ContinuousParameterSpace(min, max);
        }
    }
}
