package dev.dlpipe.load;

import java.io.Serializable;

/**
 * How an epoch is cut into minibatches: batch size, seeded shuffling (shard order plus a bounded buffer of
 * examples), what happens to a final partial batch, and how many batches a background thread may load ahead.
 * Memory in flight is bounded by {@code shuffleBuffer + (prefetch + 1) * batchSize} examples plus one row group.
 */
public record BatchPolicy(int batchSize, boolean shuffle, long seed, int shuffleBuffer, boolean dropLast, int prefetch)
        implements Serializable {

    public BatchPolicy {
        if (batchSize <= 0 || shuffleBuffer < 0 || prefetch < 0) {
            throw new IllegalArgumentException("batch " + batchSize + ", buffer " + shuffleBuffer + ", prefetch " + prefetch);
        }
    }

    /** In order, no shuffling, keep the last partial batch, no prefetch: exactly the stored rows. */
    public static BatchPolicy inOrder(int batchSize) {
        return new BatchPolicy(batchSize, false, 0, 0, false, 0);
    }
}
