package dev.dlpipe.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests wait in a bounded queue; each of {@code replicas} workers takes the oldest, then keeps taking until it
 * holds {@code maxBatchSize} rows or {@code maxDelayMs} have passed since it took the first, and runs them as one
 * model call. A full queue refuses at once (the caller answers 503): load is shed, nothing waits without bound.
 * Closing stops intake and finishes everything already queued. Each job names the model whose preprocessing made its
 * rows (the caller holds it, {@link ServedModel#acquire}, until the answer comes), and a batch only joins jobs of one
 * model: across a reload, rows made with the old vocabulary or statistics never reach the new model.
 */
final class DynamicBatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** One request's rows (row-major), the model they were prepared for, and where its probabilities go. */
    record Job(float[] features, int rows, ServedModel model, CompletableFuture<Answer> result) {
    }

    /** Probabilities per row, and the model version that computed them. */
    record Answer(float[][] probabilities, ServedModel model) {
    }

    private final BlockingQueue<Job> queue;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final ServeMetrics metrics;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean accepting = true;

    DynamicBatcher(ServeSettings s, ServeMetrics metrics) {
        this(s, metrics, true);
    }

    /** {@code start} false: nothing is taken from the queue until {@link #start()} (tests fill the queue first). */
    DynamicBatcher(ServeSettings s, ServeMetrics metrics, boolean start) {
        this.queue = new ArrayBlockingQueue<>(s.queueCapacity());
        this.maxBatchSize = s.maxBatchSize();
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(s.maxDelayMs());
        this.metrics = metrics;
        for (int i = 0; i < s.replicas(); i++) {
            Thread t = new Thread(this::work, "dlpipe-batcher-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
        if (start) {
            start();
        }
    }

    void start() {
        workers.forEach(Thread::start);
    }

    int depth() {
        return queue.size();
    }

    /** Queues the rows; false when the queue is full or the batcher is closing (answer 503). */
    boolean offer(Job job) {
        return accepting && queue.offer(job);
    }

    private void work() {
        List<Job> batch = new ArrayList<>();
        Job carried = null;
        while (true) {
            try {
                Job first = carried != null ? carried : queue.poll(100, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) {
                    if (!accepting && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.clear();
                batch.add(first);
                int rows = first.rows();
                long deadline = System.nanoTime() + maxDelayNanos;
                while (rows < maxBatchSize) {
                    long wait = deadline - System.nanoTime();
                    Job next = wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (rows + next.rows() > maxBatchSize || next.model() != first.model()) {
                        carried = next; // starts the next batch: a batch never exceeds the limit but by one request
                        break;
                    }
                    batch.add(next);
                    rows += next.rows();
                }
                run(batch, rows);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run(List<Job> batch, int rows) {
        ServedModel m = batch.get(0).model();
        try {
            int width = batch.get(0).features().length / Math.max(1, batch.get(0).rows());
            float[] all = new float[rows * width];
            int at = 0;
            for (Job j : batch) {
                System.arraycopy(j.features(), 0, all, at, j.features().length);
                at += j.features().length;
            }
            float[][] p = m.predict(all, rows);
            metrics.batch(rows);
            int row = 0;
            for (Job j : batch) {
                float[][] mine = new float[j.rows()][];
                System.arraycopy(p, row, mine, 0, j.rows());
                row += j.rows();
                j.result().complete(new Answer(mine, m));
            }
        } catch (RuntimeException e) {
            LOG.error("a batch of {} rows failed: {}", rows, e.toString());
            batch.forEach(j -> j.result().completeExceptionally(e));
        }
    }

    /** Stops intake and waits (up to {@code seconds}) until every queued request has its answer. */
    void drain(long seconds) throws InterruptedException {
        accepting = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Thread t : workers) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    @Override
    public void close() {
        try {
            drain(30);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
