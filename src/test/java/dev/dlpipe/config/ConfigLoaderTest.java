package dev.dlpipe.config;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void defaultsDefineEveryKeyAndRecordTheirOrigin() {
        Config c = ConfigLoader.defaults();
        assertEquals(ConfigSchema.keys().keySet(), c.asMap().keySet());
        assertEquals(42, c.integer("run.seed"));
        assertEquals("conf/defaults.yaml", c.origin("train.epochs"));
    }

    @Test
    void laterLayersWinAndNestedEqualsDotted() throws IOException {
        Path a = yaml("a.yaml", "train:\n  epochs: 7\n  batch-size: 16\n");
        Path b = yaml("b.yaml", "train.epochs: 9\n");
        Config c = ConfigLoader.load(List.of(a, b), List.of("train.learning-rate=0.5"));
        assertEquals(9, c.integer("train.epochs"));
        assertEquals(b.toString(), c.origin("train.epochs"));
        assertEquals(16, c.integer("train.batch-size"));
        assertEquals(0.5, c.number("train.learning-rate"));
        assertEquals("--set train.learning-rate", c.origin("train.learning-rate"));
    }

    @Test
    void unknownKeyNamesKeyFileAndSuggestion() throws IOException {
        Path bad = yaml("bad.yaml", "train:\n  epoch: 3\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(bad), List.of()));
        assertTrue(e.getMessage().contains("'train.epoch'"), e.getMessage());
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'train.epochs'"), e.getMessage());

        ConfigException set = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("trian.epochs=3")));
        assertTrue(set.getMessage().contains("--set"), set.getMessage());
    }

    @Test
    void wrongTypesAndRangesAreRejectedWithTheKey() throws IOException {
        Path t = yaml("t.yaml", "train:\n  epochs: many\n");
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(t), List.of()))
                .getMessage().contains("'train.epochs' in " + t + " must be an integer, got 'many'"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("split.test=0.9")))
                .getMessage().contains("outside the allowed range [0, 0.5]"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("train.updater=adagrad")))
                .getMessage().contains("allowed: sgd, nesterov, adam, adamw, rmsprop"));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("train.epochs=1.5")));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("noequals")));
    }

    @Test
    void missingFilesAndPathsAndBrokenYamlAreNamed() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(missing), List.of()))
                .getMessage().contains("config file not found: " + missing));
        assertTrue(assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("pipeline.input=" + dir.resolve("absent.parquet"))))
                .getMessage().contains("'pipeline.input'"));
        Path broken = yaml("broken.yaml", "train: [unclosed\n");
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(broken), List.of()))
                .getMessage().startsWith(broken + ": invalid YAML"));
    }

    @Test
    void sparkConfMapMergesAcrossLayers() throws IOException {
        Path a = yaml("a.yaml", "spark:\n  conf:\n    spark.sql.shuffle.partitions: 3\n");
        Config c = ConfigLoader.load(List.of(a), List.of("spark.conf.spark.executor.memory=2g"));
        assertEquals("3", c.map("spark.conf").get("spark.sql.shuffle.partitions"));
        assertEquals("2g", c.map("spark.conf").get("spark.executor.memory"));
        assertEquals("org.apache.spark.serializer.KryoSerializer", c.map("spark.conf").get("spark.serializer"));
    }

    @Test
    void listsParseFromYamlAndFromCommaSeparatedOverrides() {
        Config c = ConfigLoader.load(List.of(), List.of("pipeline.stages=clean, pack"));
        assertEquals(List.of("clean", "pack"), c.list("pipeline.stages"));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("pipeline.stages=clean,bogus")));
    }

    @Test
    void everyShippedProfileAndPipelineFileIsValid() {
        Path root = Path.of(System.getProperty("dlpipe.project.dir", "."));
        for (String f : List.of("conf/local.yaml", "conf/standalone.yaml", "conf/cluster.yaml")) {
            assertNotNull(ConfigLoader.load(List.of(root.resolve(f)), List.of()));
        }
        // pipeline.input is relative to the project root; validate the file with the input pointed there
        assertNotNull(ConfigLoader.load(List.of(root.resolve("pipelines/quickstart.yaml")),
                List.of("pipeline.input=" + root.resolve("sample-data/images/images.parquet"))));
    }

    @Test
    void duplicateKeysInOneFileAreAnErrorNotLastWins() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("dup");
        java.nio.file.Path twice = java.nio.file.Files.writeString(dir.resolve("twice.yaml"),
                "train:\n  epochs: 3\n  epochs: 30\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(twice), List.of()));
        assertTrue(e.getMessage().startsWith(twice + ": invalid YAML at line 3: Duplicate field 'epochs'"), e.getMessage());
        java.nio.file.Path mixed = java.nio.file.Files.writeString(dir.resolve("mixed.yaml"),
                "train:\n  epochs: 3\ntrain.epochs: 4\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(mixed), List.of()));
        assertEquals("config key 'train.epochs' is set twice in " + mixed, e.getMessage());
        // across layers, later still wins: that is what layers are for
        assertEquals(5, ConfigLoader.load(List.of(), List.of("train.epochs=4", "train.epochs=5")).integer("train.epochs"));
    }

    @Test
    void secretsAreRedactedWhereverConfigIsWrittenButStagesSeeThem() {
        Config c = ConfigLoader.load(List.of(), List.of("spark.conf.spark.authenticate.secret=hunter2",
                "spark.conf.spark.hadoop.fs.s3a.secret.key=abc", "spark.conf.spark.executor.memory=4g"));
        Map<?, ?> conf = (Map<?, ?>) c.asMap().get("spark.conf");
        assertEquals(Config.REDACTED, conf.get("spark.authenticate.secret"));
        assertEquals(Config.REDACTED, conf.get("spark.hadoop.fs.s3a.secret.key"));
        assertEquals("4g", conf.get("spark.executor.memory"));
        assertFalse(c.asMap().toString().contains("hunter2"));
        assertEquals("hunter2", c.map("spark.conf").get("spark.authenticate.secret"), "Spark still gets the secret");
    }
}
