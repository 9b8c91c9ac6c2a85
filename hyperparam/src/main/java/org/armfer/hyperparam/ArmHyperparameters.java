package org.armfer.hyperparam;

import java.io.Serializable;
import java.util.Locale;

/**
 * One point of an {@link ArmLayerSpace}: the values drawn for the searched settings, before they are checked. A
 * point can be impossible (a kernel larger than the arranged map, a stride that rounds to 0); {@link
 * ArmLayerSpace#module(ArmHyperparameters)} turns a possible one into an {@link org.armfer.layers.ArmModule}.
 *
 * @param blocks          the ARM blocks, as {@link org.armfer.layers.ArmBlock#format} writes them ("FA+DA+SA", "DA")
 * @param kernelSize      DA kernel size k
 * @param stride          DA stride s: the drawn stride, or {@code round(strideRatio · k)}
 * @param strideRatio     the drawn s/k ratio, or NaN when the stride was drawn directly
 * @param lambda          SA's λ (initial value when learnable, else fixed)
 * @param learnableLambda whether λ is trained
 * @param outputChannels  FA output channels C', or 0 when FA is set by its block size
 */
public record ArmHyperparameters(String blocks, int kernelSize, int stride, double strideRatio, double lambda,
                                 boolean learnableLambda, int outputChannels) implements Serializable {

    /** Whether the stride was derived from a kernel ratio. */
    public boolean strideFromRatio() {
        return !Double.isNaN(strideRatio);
    }

    /** A short description for log lines: {@code k=9 s=2 (0.25k) λ=0.80 learnable C'=2}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(blocks).append(" k=").append(kernelSize).append(" s=").append(stride);
        if (strideFromRatio()) {
            sb.append(String.format(Locale.ROOT, " (%.2fk)", strideRatio));
        }
        sb.append(String.format(Locale.ROOT, " λ=%.3f %s", lambda, learnableLambda ? "learnable" : "fixed"));
        if (outputChannels > 0) {
            sb.append(" C'=").append(outputChannels);
        }
        return sb.toString();
    }
}
