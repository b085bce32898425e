package dev.dlpipe.core;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkEnv;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs, once per JVM, the memory limits that JVM actually runs with: what the config asked for, as applied. */
public final class ExecutorMemory {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorMemory.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private ExecutorMemory() {
    }

    public static void logOnce() {
        if (!LOGGED.compareAndSet(false, true)) {
            return;
        }
        SparkEnv env = SparkEnv.get();
        String id = env == null ? "(no Spark)" : env.executorId();
        String overhead = env == null ? "-" : env.conf().get("spark.executor.memoryOverhead", "Spark default");
        LOG.info("memory of executor {}: JVM heap max {} MB, ND4J off-heap max {} MB (maxbytes), process max {} MB"
                        + " (maxphysicalbytes), spark.executor.memoryOverhead {}", id,
                Runtime.getRuntime().maxMemory() >> 20, Pointer.maxBytes() >> 20, Pointer.maxPhysicalBytes() >> 20,
                overhead);
    }
}
