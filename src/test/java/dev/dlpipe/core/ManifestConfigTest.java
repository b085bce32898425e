package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stage's manifest records the configuration it read, whatever section the keys belong to, and nothing else. */
class ManifestConfigTest {

    @TempDir
    Path dir;

    @Test
    void theManifestListsExactlyTheKeysTheStageRead() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "data");
        Stage reader = new Stage() {
            @Override
            public String name() {
                return "train";
            }

            @Override
            public StageResult run(StageContext ctx) {
                ctx.config().integer("train.batch-size");      // its own section
                ctx.config().number("compress.prune-sparsity"); // and another stage's, as compress reads train's
                ctx.config().map("spark.conf");
                return StageResult.of(Counts.notApplicable(), Map.of(), "read three keys");
            }
        };
        StageRunner.run(reader, TestSpark.session(), TestSpark.config("spark.conf.spark.authenticate.secret=s3cr3t"),
                List.of(in.toString()), dir.resolve("out").toString());
        Map<String, Object> manifest = Json.readMap(Files.readString(dir.resolve("out/_manifest.json")));
        Map<?, ?> config = (Map<?, ?>) manifest.get("config");
        assertEquals(List.of("compress.prune-sparsity", "run.seed", "spark.conf", "train.batch-size"),
                List.copyOf(config.keySet()));
        assertEquals(dev.dlpipe.config.Config.REDACTED, ((Map<?, ?>) config.get("spark.conf")).get("spark.authenticate.secret"));
        assertEquals("--set spark.conf.spark.authenticate.secret", ((Map<?, ?>) manifest.get("config_origins"))
                .get("spark.conf"), "where each value came from");
        assertEquals("read three keys", manifest.get("summary"));
    }
}
