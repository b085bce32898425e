package dev.dlpipe.text;

import org.apache.spark.ml.linalg.Vector;

/** LSH banding: folds each band of {@code rows} consecutive min-hashes into one 64-bit bucket key. */
final class BandKeys {

    private BandKeys() {
    }

    static long[] of(scala.collection.Seq<Vector> hashes, int rows) {
        int bands = hashes.size() / rows;
        long[] keys = new long[bands];
        for (int b = 0; b < bands; b++) {
            long h = 0x9E3779B97F4A7C15L * (b + 1);
            for (int r = 0; r < rows; r++) {
                h = (h ^ Double.doubleToLongBits(hashes.apply(b * rows + r).apply(0))) * 0x100000001B3L;
                h ^= h >>> 29;
            }
            keys[b] = h;
        }
        return keys;
    }
}
