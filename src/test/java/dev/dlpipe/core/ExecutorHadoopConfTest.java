package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * A spark.hadoop.* setting of the job reaches the Hadoop configuration that code inside a task opens files with.
 * In local mode the task shares the driver's JVM, so the task builds the configuration the way a fresh executor
 * JVM does (from its SparkEnv), which is what a real cluster runs.
 */
class ExecutorHadoopConfTest {

    @Test
    void aSparkHadoopKeyIsSeenInsideATask() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<String> seen = jsc.parallelize(List.of(1, 2), 2)
                .map(x -> Fs.fromSparkEnv().get("dlpipe.test.executor-key")).collect();
        assertEquals(List.of("seen-in-a-task", "seen-in-a-task"), seen);
        assertNull(new org.apache.hadoop.conf.Configuration().get("dlpipe.test.executor-key"),
                "what the loader used before: the setting is lost");
    }
}
