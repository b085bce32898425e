package dev.dlpipe.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs progress of a long pipeline stage from Spark's scheduler events: finished/total tasks of the running Spark
 * stages, records read so far and an ETA from the task completion rate, at most once per interval.
 */
public final class SparkProgress extends SparkListener {

    private static final Logger LOG = LoggerFactory.getLogger(SparkProgress.class);

    private final String stageName;
    private final long intervalMillis;
    private final Map<Integer, StageInfo> running = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> finishedTasks = new ConcurrentHashMap<>();
    private final Map<Integer, Long> stageStart = new ConcurrentHashMap<>();
    private final java.util.List<Timing> completed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long recordsRead;

    /** A finished Spark stage and how long it ran. */
    public record Timing(int stageId, String name, int tasks, long millis) {
    }

    /** The {@code n} longest Spark stages seen so far: where the time of a pipeline stage went. */
    public java.util.List<Timing> slowest(int n) {
        return completed.stream().sorted((a, b) -> Long.compare(b.millis(), a.millis())).limit(n).toList();
    }
    private volatile long lastLog;

    public SparkProgress(String stageName, int intervalSeconds) {
        this.stageName = stageName;
        this.intervalMillis = intervalSeconds * 1000L;
        this.lastLog = System.currentTimeMillis();
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        StageInfo info = event.stageInfo();
        running.put(info.stageId(), info);
        finishedTasks.put(info.stageId(), new AtomicInteger());
        stageStart.put(info.stageId(), System.currentTimeMillis());
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        int id = event.stageInfo().stageId();
        Long start = stageStart.get(id);
        if (start != null) {
            completed.add(new Timing(id, event.stageInfo().name(), event.stageInfo().numTasks(),
                    System.currentTimeMillis() - start));
        }
        running.remove(id);
        finishedTasks.remove(id);
        stageStart.remove(id);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        AtomicInteger done = finishedTasks.get(event.stageId());
        if (done != null) {
            done.incrementAndGet();
        }
        if (event.taskMetrics() != null) {
            recordsRead += event.taskMetrics().inputMetrics().recordsRead();
        }
        long now = System.currentTimeMillis();
        if (now - lastLog >= intervalMillis) {
            lastLog = now;
            log(now);
        }
    }

    private void log(long now) {
        for (Map.Entry<Integer, StageInfo> e : running.entrySet()) {
            AtomicInteger done = finishedTasks.get(e.getKey());
            Long start = stageStart.get(e.getKey());
            if (done == null || start == null) {
                continue;
            }
            int total = e.getValue().numTasks();
            int finished = done.get();
            double elapsed = (now - start) / 1000.0;
            String eta = finished == 0 ? "?" : String.format("%.0fs", elapsed / finished * (total - finished));
            // in the user's terms at INFO; Spark's own call site (treeAggregate at ...java:662) only at DEBUG
            LOG.info("[{}] working: {}/{} tasks of the current step done, {} records read so far, step ETA {}",
                    stageName, finished, total, recordsRead, eta);
            LOG.debug("[{}] spark stage {} ({}): {}/{} tasks, elapsed {}s", stageName, e.getKey(), e.getValue().name(),
                    finished, total, String.format("%.0f", elapsed));
        }
    }
}
