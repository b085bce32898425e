package dev.dlpipe.load;

import java.io.Serializable;

/**
 * How an epoch is cut into minibatches: batch size, seeded shuffling (shard order plus a bounded buffer of
 * examples), what happens to a final partial batch, and how many batches a background thread may load ahead.
 * Memory in flight is bounded by {@code shuffleBuffer + (prefetch + 2) * batchSize} examples plus one row group.
 * <p>{@code reuseBuffers}: full batches are written into a small pool of feature arrays, so a batch is valid only
 * until the next call to {@code next()} (DL4J's workspace convention; {@code fit} works that way). Allocating a
 * fresh off-heap array per batch cost more than reading the data (0.1-2 s per GB, varying with when the GC frees
 * the old ones).
 */
public record BatchPolicy(int batchSize, boolean shuffle, long seed, int shuffleBuffer, boolean dropLast, int prefetch,
                          boolean reuseBuffers) implements Serializable {

    public BatchPolicy {
        if (batchSize <= 0 || shuffleBuffer < 0 || prefetch < 0) {
            throw new IllegalArgumentException("batch " + batchSize + ", buffer " + shuffleBuffer + ", prefetch " + prefetch);
        }
    }

    /** In order, no shuffling, keep the last partial batch, no prefetch: exactly the stored rows. */
    public static BatchPolicy inOrder(int batchSize) {
        return new BatchPolicy(batchSize, false, 0, 0, false, 0, false);
    }

    public BatchPolicy(int batchSize, boolean shuffle, long seed, int shuffleBuffer, boolean dropLast, int prefetch) {
        this(batchSize, shuffle, seed, shuffleBuffer, dropLast, prefetch, false);
    }

    public BatchPolicy withReusedBuffers() {
        return new BatchPolicy(batchSize, shuffle, seed, shuffleBuffer, dropLast, prefetch, true);
    }
}
