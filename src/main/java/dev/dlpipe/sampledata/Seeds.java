package dev.dlpipe.sampledata;

/** Seed derivation and draws shared by the generators and augmentation: one independent stream per (seed, row). */
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

    /** A standard normal draw (Box-Muller with StrictMath, so it is the same number on every JVM). */
    public static double gaussian(java.util.SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
