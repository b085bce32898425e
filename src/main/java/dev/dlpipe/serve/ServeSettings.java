package dev.dlpipe.serve;

import dev.dlpipe.config.Config;

/**
 * The serve.* settings, read once.
 *
 * @param maxBatchSize     rows run together at most (1: no dynamic batching)
 * @param maxDelayMs       how long the first request of a batch waits for others
 * @param replicas         worker threads, each running one batch at a time on the shared session
 * @param queueCapacity    requests waiting at most; one more is answered 503 with Retry-After
 * @param maxBodyBytes     a larger request body is answered 413
 * @param variant          auto (the export manifest's choice for the batch size), fp32 or int8
 * @param intraOpThreads   ONNX Runtime threads per call (0: the cores divided among the replicas)
 * @param httpThreads      threads reading requests and waiting for their results
 */
public record ServeSettings(String host, int port, int maxBatchSize, int maxDelayMs, int replicas, int queueCapacity,
                            int maxBodyBytes, String variant, int intraOpThreads, int httpThreads) {

    public static ServeSettings from(Config c) {
        return new ServeSettings(c.string("serve.host"), c.integer("serve.port"), c.integer("serve.max-batch-size"),
                c.integer("serve.max-delay-ms"), c.integer("serve.replicas"), c.integer("serve.queue-capacity"),
                c.integer("serve.max-body-bytes"), c.string("serve.variant"), c.integer("serve.intra-op-threads"),
                c.integer("serve.http-threads"));
    }

    /** The same settings with another batch limit and delay (the load benchmark's batching off / on). */
    public ServeSettings batching(int maxBatch, int delayMs) {
        return new ServeSettings(host, port, maxBatch, delayMs, replicas, queueCapacity, maxBodyBytes, variant,
                intraOpThreads, httpThreads);
    }

    public ServeSettings onPort(int p) {
        return new ServeSettings(host, p, maxBatchSize, maxDelayMs, replicas, queueCapacity, maxBodyBytes, variant,
                intraOpThreads, httpThreads);
    }

    int threadsPerCall() {
        return intraOpThreads > 0 ? intraOpThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, replicas));
    }
}
