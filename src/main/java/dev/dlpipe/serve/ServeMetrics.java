package dev.dlpipe.serve;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/**
 * The server's counters in Prometheus' text format (version 0.0.4): requests by status code, the batch-size and
 * latency histograms, and the queue depth, read at scrape time.
 */
final class ServeMetrics {

    static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

    private final Map<Integer, AtomicLong> requests = new ConcurrentSkipListMap<>();
    private final Histogram latency = new Histogram(LATENCY_BUCKETS);
    private final Histogram batchSize = new Histogram(BATCH_BUCKETS);
    private final Map<String, AtomicLong> rows = new ConcurrentHashMap<>();
    private final IntSupplier queueDepth;
    private volatile String modelVersion = "";

    ServeMetrics(IntSupplier queueDepth) {
        this.queueDepth = queueDepth;
    }

    void request(int code, double seconds) {
        requests.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
        if (code == 200) {
            latency.observe(seconds);
        }
    }

    void batch(int size) {
        batchSize.observe(size);
        rows.computeIfAbsent("rows", k -> new AtomicLong()).addAndGet(size);
    }

    void model(String version) {
        modelVersion = version;
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP dlpipe_requests_total Prediction requests answered, by HTTP status code.\n");
        sb.append("# TYPE dlpipe_requests_total counter\n");
        requests.forEach((code, n) -> sb.append("dlpipe_requests_total{code=\"").append(code).append("\"} ")
                .append(n.get()).append('\n'));
        sb.append("# HELP dlpipe_request_latency_seconds Time from a request's arrival to its answer (200 only).\n");
        latency.write(sb, "dlpipe_request_latency_seconds");
        sb.append("# HELP dlpipe_batch_size Rows per model call (dynamic batching).\n");
        batchSize.write(sb, "dlpipe_batch_size");
        sb.append("# HELP dlpipe_rows_total Rows predicted.\n# TYPE dlpipe_rows_total counter\n");
        sb.append("dlpipe_rows_total ").append(rows.getOrDefault("rows", new AtomicLong()).get()).append('\n');
        sb.append("# HELP dlpipe_queue_depth Requests waiting for a batch.\n# TYPE dlpipe_queue_depth gauge\n");
        sb.append("dlpipe_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        sb.append("# HELP dlpipe_model_info The model being served.\n# TYPE dlpipe_model_info gauge\n");
        sb.append("dlpipe_model_info{version=\"").append(modelVersion.replace("\"", "'")).append("\"} 1\n");
        return sb.toString();
    }

    /** A cumulative histogram with fixed upper bounds, as Prometheus exposes one. */
    static final class Histogram {
        private final double[] bounds;
        private final AtomicLongArray counts;
        private final AtomicLong count = new AtomicLong();
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new AtomicLongArray(bounds.length);
        }

        void observe(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts.incrementAndGet(i);
                    break;
                }
            }
            count.incrementAndGet();
            sum.add(v);
        }

        void write(StringBuilder sb, String name) {
            sb.append("# TYPE ").append(name).append(" histogram\n");
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts.get(i);
                sb.append(name).append("_bucket{le=\"").append(format(bounds[i])).append("\"} ").append(cumulative)
                        .append('\n');
            }
            sb.append(name).append("_bucket{le=\"+Inf\"} ").append(count.get()).append('\n');
            sb.append(name).append("_sum ").append(String.format(Locale.ROOT, "%.6f", sum.sum())).append('\n');
            sb.append(name).append("_count ").append(count.get()).append('\n');
        }

        private static String format(double d) {
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }
    }
}
