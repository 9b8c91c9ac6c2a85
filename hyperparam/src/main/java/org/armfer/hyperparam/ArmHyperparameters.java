package org.armfer.hyperparam;

import org.armfer.layers.ArmBlock;

import java.io.Serializable;
import java.util.Locale;
import java.util.Set;

/**
 * One point of an {@link ArmLayerSpace}: the values drawn for the searched settings, before they are checked. A
 * point can be impossible (a kernel larger than the arranged map, a stride that rounds to 0); {@link
 * ArmLayerSpace#module(ArmHyperparameters)} turns a possible one into an {@link org.armfer.layers.ArmModule}.
 *
 * @param blocks          the ARM blocks, as {@link org.armfer.layers.ArmBlock#format} writes them ("FA+DA+SA", "DA")
 * @param kernelSize      DA kernel size k, or 0: derived from the feature map ({@link org.armfer.layers.ArmModule#AUTO})
 * @param stride          DA stride s: the drawn stride, or {@code round(strideRatio · k)}; 0: derived from the map
 * @param strideRatio     the drawn s/k ratio, or NaN when the stride was drawn directly
 * @param lambda          SA's λ (initial value when learnable, else fixed)
 * @param learnableLambda whether λ is trained
 * @param outputChannels  FA output channels C', or 0 when FA is set by its block size or not used
 */
public record ArmHyperparameters(String blocks, int kernelSize, int stride, double strideRatio, double lambda,
                                 boolean learnableLambda, int outputChannels) implements Serializable {

    /** Whether the stride was derived from a kernel ratio. */
    public boolean strideFromRatio() {
        return !Double.isNaN(strideRatio);
    }

    /**
     * A short description for log lines, naming only what the blocks use:
     * {@code FA+DA+SA k=9 s=2 (0.25k) λ=0.800 learnable C'=2}, {@code DA k=3 s=1}.
     */
    public String describe() {
        Set<ArmBlock> set = ArmBlock.parseSet(blocks);
        StringBuilder sb = new StringBuilder(blocks);
        if (set.contains(ArmBlock.DA)) {
            sb.append(" k=").append(kernelSize > 0 ? Integer.toString(kernelSize) : "auto")
                    .append(" s=").append(stride > 0 ? Integer.toString(stride) : "auto");
            if (strideFromRatio()) {
                sb.append(String.format(Locale.ROOT, " (%.2fk)", strideRatio));
            }
        }
        if (set.contains(ArmBlock.SA)) {
            sb.append(String.format(Locale.ROOT, " λ=%.3f %s", lambda, learnableLambda ? "learnable" : "fixed"));
        }
        if (set.contains(ArmBlock.FA) && outputChannels > 0) {
            sb.append(" C'=").append(outputChannels);
        }
        return sb.toString();
    }
}
