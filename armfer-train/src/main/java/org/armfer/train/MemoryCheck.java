package org.armfer.train;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;
import java.util.Map;

/**
 * Whether a recipe's batch fits this machine before training starts, so that a run that cannot go as written stops
 * with the choices instead of dying in the first epoch or being changed silently. The estimate scales a measured
 * figure: training ResNet-18-ARM at 224x224 on ND4J's CPU backend peaked at 1.07 GiB with batches of 8 and 2.61 GiB
 * with batches of 32 (peak resident memory of {@code ./armfer train --input-size 224 --batch B}, jemalloc preloaded,
 * measured on this project's 2-core machine), that is {@value #BASE_MIB} MiB plus {@value #PER_EXAMPLE_MIB} MiB per
 * example of a (micro-)batch: about 17 GiB for the paper's batch of 256. Other input sizes scale the per-example part
 * by their pixels, ResNet-34 doubles both (twice the layers). The transformers and the neural-resizer pipelines have
 * figures of their own ({@link #CALIBRATED}: peak RSS of {@code ./armfer bench --memory-batch B} at batches 2 and 6),
 * and the ones not measured take the next larger measured model's ({@link #LIKE}); a transformer's per-example part
 * scales with the pixels of its input, a pipeline's does not (it resizes to 224 inside). Other models are estimated as
 * ResNet-18: the figures are not calibrated for them. It is an estimate, not a bound. The memory available is the machine's free physical memory (or
 * JavaCPP's limit on it, {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes}, when lower). Off the CPU backend (CUDA) the
 * check is skipped: device memory is not known here.
 */
public final class MemoryCheck {

    static final long BASE_MIB = 570;
    static final long PER_EXAMPLE_MIB = 66;

    /**
     * A measured figure: {@code baseMib} + {@code perExampleMib} per example at {@code inputSize}; the per-example part
     * scales with the input's pixels when {@code scalesWithInput}.
     */
    record Calibration(long baseMib, long perExampleMib, int inputSize, boolean scalesWithInput) {
    }

    /**
     * Measured on 2026-12-02 on this project's 2-core machine (jemalloc preloaded), from the peak RSS at batches 2 and
     * 6: swin-t 1512 / 2626 MiB, swin-b 3299 / 5421, vit-b16 2411 / 3446 (at 224x224), swin-t-nr 2003 / 4062,
     * swin-b-nr-stn 3469 / 6474, vit-b16-nr 2891 / 4746 (at 48x48).
     */
    static final Map<String, Calibration> CALIBRATED = Map.of(
            "swin-t", new Calibration(955, 279, 224, true),
            "swin-b", new Calibration(2238, 531, 224, true),
            "vit-b16", new Calibration(1893, 259, 224, true),
            "swin-t-nr", new Calibration(973, 515, 48, false),
            "swin-b-nr-stn", new Calibration(1966, 751, 48, false),
            "vit-b16-nr", new Calibration(1963, 464, 48, false));

    /** Models not measured, estimated as the next larger measured one (an overestimate rather than an OOM). */
    static final Map<String, String> LIKE = Map.of(
            "swin-s", "swin-b",
            "vit-ti16", "vit-b16",
            "vit-s16", "vit-b16",
            "swin-s-nr", "swin-b-nr-stn",
            "swin-b-nr", "swin-b-nr-stn");

    private MemoryCheck() {
    }

    /** Estimated peak bytes of training {@code model} at {@code inputSize} with micro-batches of {@code batch}. */
    public static long estimateBytes(String model, int inputSize, int batch) {
        Calibration cal = CALIBRATED.get(LIKE.getOrDefault(model, model));
        if (cal != null) {
            double scale = cal.scalesWithInput() ? (inputSize / (double) cal.inputSize()) * (inputSize / (double) cal.inputSize()) : 1;
            return (long) ((cal.baseMib() + cal.perExampleMib() * scale * batch) * (1L << 20));
        }
        double pixels = (inputSize / 224.0) * (inputSize / 224.0);
        double depth = model.startsWith("resnet34") ? 2.0 : 1.0;
        double perExample = PER_EXAMPLE_MIB * pixels * depth;
        return (long) ((BASE_MIB * depth + perExample * batch) * (1L << 20));
    }

    /** Bytes this process may still allocate natively: free physical memory, capped by JavaCPP's limit. */
    public static long availableBytes() {
        long free = Pointer.availablePhysicalBytes();
        long max = Pointer.maxPhysicalBytes();
        long used = Pointer.physicalBytes();
        if (max > 0) {
            free = Math.min(free, Math.max(0, max - used));
        }
        return free;
    }

    /**
     * Throws when the run's micro-batch does not fit, naming what it needs, what there is, and the two ways out:
     * gradient accumulation (the recipe as written) or a smaller batch (another recipe).
     */
    public static void require(TrainConfig c) {
        if (!Nd4j.getEnvironment().isCPU()) {
            return;
        }
        Recipe r = c.recipe;
        long need = estimateBytes(r.model(), r.inputSize(), r.microBatch());
        long have = availableBytes();
        if (need <= have) {
            return;
        }
        int fits = 0;
        for (int n = r.accumulate(); n <= r.batchSize(); n++) {
            if (r.batchSize() % n == 0 && estimateBytes(r.model(), r.inputSize(), r.batchSize() / n) <= have) {
                fits = n;
                break;
            }
        }
        String advice = fits == 0 ? "not even one image per micro-batch fits; free memory or use a smaller --input-size"
                : String.format(Locale.ROOT, "run it as written with --accumulate %d (%d micro-batches of %d, their gradients"
                        + " summed into one update of %d; BatchNorm then normalises over %d), or change the recipe with"
                        + " --batch %d (one update per %d images)", fits, fits, r.batchSize() / fits, r.batchSize(),
                r.batchSize() / fits, r.batchSize() / fits, r.batchSize() / fits);
        throw new IllegalArgumentException(String.format(Locale.ROOT, "recipe %s trains %s at %dx%d on batches of %d%s: that"
                        + " needs about %.1f GiB, and this machine has %.1f GiB available. %s; or --no-memory-check to try"
                        + " anyway.", r.name(), r.model(), r.inputSize(), r.inputSize(), r.microBatch(),
                r.accumulate() > 1 ? " (" + r.accumulate() + " per update)" : "", need / (double) (1L << 30),
                have / (double) (1L << 30), advice));
    }
}
