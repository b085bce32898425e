package dev.dlpipe.core;

import dev.dlpipe.config.Config;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * What a running stage gets: Spark, the effective config, its qualified input paths, its staging output dir, and the
 * final output path (for state that must outlive a crash of this run, such as training checkpoints).
 */
public record StageContext(SparkSession spark, Config config, List<String> inputs, String output, String target,
                           List<String> inputSha256) {

    public String input(int i) {
        return inputs.get(i);
    }

    /** The content fingerprint of input {@code i}, as the manifest records it (computed once, before the stage). */
    public String inputSha256(int i) {
        return inputSha256.get(i);
    }

    /** A path below the stage's (staging) output directory. */
    public String out(String name) {
        return Fs.child(output, name);
    }
}
