package org.armfer.datavec;

/**
 * Independent random streams from (seed, stream, epoch), so that the shuffle, the MRR draw and the augmentation of an
 * epoch neither repeat nor correlate across seeds and epochs (a plain {@code seed * k + epoch} makes seed 0 epoch 31 the
 * same as seed 1 epoch 0).
 */
final class Seeds {

    static final long SHUFFLE = 1, MRR = 2, AUGMENT = 3;

    private Seeds() {
    }

    /** SplitMix64's finaliser over the three values. */
    static long mix(long seed, long stream, long epoch) {
        long z = seed;
        z = fmix(z + 0x9E3779B97F4A7C15L * (stream + 1));
        z = fmix(z + 0x9E3779B97F4A7C15L * (epoch + 1));
        return z;
    }

    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
