package dev.dlpipe.core;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession from config; a master set by spark-submit always wins over {@code spark.master}. */
public final class SparkSessions {

    private SparkSessions() {
    }

    public static SparkSession getOrCreate(Config config) {
        SparkConf conf = new SparkConf(); // picks up spark.* system properties set by spark-submit
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.string("spark.master"));
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName(config.string("spark.app-name"));
        }
        config.map("spark.conf").forEach((k, v) -> {
            if (!conf.contains(k)) {
                conf.set(k, v);
            }
        });
        applyMemory(config, conf);
        if (!conf.contains("spark.executorEnv.OMP_NUM_THREADS")) {
            // ND4J's native threads per op = the cores Spark gives each task: tasks already run one per core, and
            // OpenMP threads on top oversubscribe them (local[2] train: 2,041 -> 4,124 samples/s with 1)
            conf.set("spark.executorEnv.OMP_NUM_THREADS", conf.get("spark.task.cpus", "1"));
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        Fs.useConf(spark.sparkContext().hadoopConfiguration());
        ExecutorMemory.logOnce(); // the driver's own line (in local mode it is also the executor)
        return spark;
    }

    /**
     * ND4J's off-heap limits go to the executors' JVM flags (and this JVM's properties, which take effect if ND4J
     * has not loaded yet: in local mode the driver is the executor); the overhead goes to Spark, which sizes
     * executor containers with it.
     */
    static void applyMemory(Config config, SparkConf conf) {
        StringBuilder flags = new StringBuilder();
        for (String[] k : new String[][] {{"memory.nd4j-max-bytes", "org.bytedeco.javacpp.maxbytes"},
                {"memory.nd4j-max-physical-bytes", "org.bytedeco.javacpp.maxphysicalbytes"}}) {
            String v = size(config, k[0]);
            if (!v.isEmpty()) {
                flags.append(" -D").append(k[1]).append('=').append(v);
                if (System.getProperty(k[1]) == null) {
                    System.setProperty(k[1], v);
                }
            }
        }
        if (flags.length() > 0) {
            conf.set("spark.executor.extraJavaOptions", (conf.get("spark.executor.extraJavaOptions", "") + flags).trim());
        }
        String overhead = size(config, "memory.executor-overhead");
        if (!overhead.isEmpty() && !conf.contains("spark.executor.memoryOverhead")) {
            conf.set("spark.executor.memoryOverhead", overhead);
        }
    }

    private static String size(Config config, String key) {
        String v = config.string(key).trim();
        if (!v.isEmpty() && !v.matches("(?i)\\d+[kmgt]?")) {
            throw new UserError("config key " + key + " (" + config.origin(key) + "): '" + v
                    + "' is not a size such as 512m or 4g");
        }
        return v;
    }
}
