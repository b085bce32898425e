package dev.dlpipe;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session for the whole test JVM: starting Spark per test class would dominate the suite. */
public final class TestSpark {

    private static SparkSession spark;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (spark == null) {
            spark = SparkSessions.getOrCreate(config());
        }
        return spark;
    }

    /** Test configuration: defaults plus small shuffles, then the given overrides. */
    public static Config config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("spark.master=local[2]", "spark.conf.spark.sql.shuffle.partitions=4",
                "spark.conf.spark.ui.enabled=false", "run.progress-interval-seconds=5",
                "spark.conf.spark.hadoop.dlpipe.test.executor-key=seen-in-a-task"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(List.of(), all);
    }
}
