package dev.dlpipe.sampledata;

/** Seed derivation shared by the generators: one independent stream per (seed, row). */
public final class Seeds {

    private Seeds() {
    }

    /** SplitMix64 finaliser over seed and index: well-mixed, so neighbouring rows are unrelated. */
    public static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
