package org.armfer.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * PyTorch's {@code CosineAnnealingLR(T_max, eta_min=0)} stepped once per epoch: {@code lr(epoch) = lr0 · (1 + cos(π ·
 * epoch / T_max)) / 2} for epochs 0 .. T_max (0 from T_max on; PyTorch's closed form, which its recursive update
 * follows within rounding while {@code epoch <= T_max}). DL4J M2.1 has no cosine schedule.
 */
public final class CosineSchedule implements ISchedule {

    @JsonProperty
    private final double initialValue;
    @JsonProperty
    private final int tMax;

    public CosineSchedule(@JsonProperty("initialValue") double initialValue, @JsonProperty("tMax") int tMax) {
        if (!(initialValue > 0 && Double.isFinite(initialValue))) {
            throw new IllegalArgumentException("initialValue must be a finite number > 0, got " + initialValue);
        }
        if (tMax < 1) {
            throw new IllegalArgumentException("tMax must be >= 1 epoch, got " + tMax);
        }
        this.initialValue = initialValue;
        this.tMax = tMax;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (epoch >= tMax) {
            return 0;
        }
        return initialValue * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(initialValue, tMax);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && c.initialValue == initialValue && c.tMax == tMax;
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialValue, tMax);
    }

    @Override
    public String toString() {
        return "CosineSchedule(" + initialValue + ", tMax=" + tMax + ")";
    }
}
