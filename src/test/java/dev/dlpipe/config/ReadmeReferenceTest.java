package dev.dlpipe.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the current output of {@code dlpipe config-reference}. */
class ReadmeReferenceTest {

    @Test
    void everyConfigKeyIsDocumented() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("dlpipe.project.dir", ".")).resolve("README.md"));
        for (String key : ConfigSchema.keys().keySet()) {
            assertTrue(readme.contains("| `" + key + "` |"), "README.md has no row for config key " + key);
        }
        assertTrue(readme.contains(dev.dlpipe.cli.ConfigReferenceCommand.table()),
                "README.md's configuration table is stale: paste the output of ./run config-reference");
    }
}
