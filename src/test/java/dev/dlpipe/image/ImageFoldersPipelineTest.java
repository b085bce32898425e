package dev.dlpipe.image;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.StageReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PNG class folders the project did not write (scikit-learn's digits as 8x8 grayscale PNGs under train/ and test/,
 * src/test/resources/byod/make_byod_fixtures.py) through every stage, the user's split kept.
 */
class ImageFoldersPipelineTest {

    static final Path BYOD = dev.dlpipe.ByodFixtures.DIR;

    @TempDir
    Path dir;

    @Test
    void classFoldersUnderSplitFoldersGoFromFilesToPredictions() throws Exception {
        Path images = dir.resolve("digits-png");
        copyTree(BYOD.resolve("digits-png"), images);
        Files.writeString(images.resolve("train/three/notes.txt"), "not an image"); // quarantined, not dropped
        Files.writeString(images.resolve("train/.DS_Store"), "finder metadata"); // hidden: not data
        Files.createDirectories(images.resolve("train/seven/nested"));
        Files.copy(images.resolve("train/seven").resolve(Files.list(images.resolve("train/seven")).filter(p -> p
                .toString().endsWith(".png")).findFirst().orElseThrow().getFileName()),
                images.resolve("train/seven/nested/deep.png"));
        Path runDir = dir.resolve("run");
        List<StageReport> reports = dev.dlpipe.pipeline.PipelineRunner.run(TestSpark.session(), ConfigLoader.load(
                List.of(), List.of("pipeline.name=digits-png", "pipeline.input=" + images, "run.dir=" + runDir,
                        "pipeline.stages=clean,augment,pack,train,export,score", "clean.image.height=8",
                        "clean.image.width=8", "train.epochs=10", "augment.copies=0", "spark.master=local[2]",
                        "spark.conf.spark.sql.shuffle.partitions=4")));

        StageReport clean = reports.get(0);
        assertEquals(502L, clean.counts().in(), "500 PNGs, the text file and the nested copy: " + clean.counts().toMap());
        assertEquals(Map.of("train", 400L, "test", 100L), clean.metrics().get("rows_per_split"), "the user's split");
        assertEquals(Map.of("unknown_format", 1L, "missing_label", 1L), clean.counts().quarantined());
        assertEquals("class folders under split folders", clean.metrics().get("input"));
        List<String> sorted = WORDS.stream().sorted().toList();
        assertEquals(sorted, dev.dlpipe.core.Json.readMap(Files.readString(runDir.resolve("export/export-manifest.json")))
                .get("class_names"), "folder names travel from clean to the export, in ImageFolder's sorted order");
        StageReport score = reports.get(5);
        assertEquals(100L, score.counts().out());
        double accuracy = ((Number) score.metrics().get("accuracy")).doubleValue();
        assertTrue(accuracy > 0.8, "8x8 digits, 400 training images: got " + accuracy);
        String ids = TestSpark.session().read().parquet(runDir.resolve("score/predictions").toString())
                .first().getString(0);
        assertTrue(ids.startsWith("test/"), "ids are paths below the root: " + ids);

        // new raw images: the test folder on its own, with a file that is no image; decoded as clean did
        Path fresh = images.resolve("test");
        Files.writeString(fresh.resolve("five/broken.png"), "not a PNG at all");
        Path out = dir.resolve("scored-raw");
        StageReport raw = dev.dlpipe.core.StageRunner.run(new dev.dlpipe.score.ScoreStage(), TestSpark.session(),
                TestSpark.config(), List.of(runDir.resolve("export").toString(), fresh.toString()), out.toString());
        assertEquals(101L, raw.counts().in());
        assertEquals(100L, raw.counts().out());
        assertEquals(Map.of("undecodable_image", 1L), raw.counts().quarantined());
        assertEquals(accuracy, ((Number) raw.metrics().get("accuracy")).doubleValue(), 1e-9,
                "the same predictions as the pipeline's score of the packed test split");
        Map<String, Integer> packed = new java.util.HashMap<>();
        TestSpark.session().read().parquet(runDir.resolve("score/predictions").toString()).collectAsList()
                .forEach(r -> packed.put(r.getString(0).substring("test/".length()), r.getInt(2)));
        for (org.apache.spark.sql.Row r : TestSpark.session().read().parquet(out.resolve("predictions").toString())
                .collectAsList()) {
            assertEquals(packed.get(r.getString(0)), r.getInt(2), r.getString(0));
        }
        // a client that knows only preprocessing.json and model.onnx, decoding with PIL
        Map<String, Integer> client = dev.dlpipe.export.PreprocessingClient.predict(runDir.resolve("export"), fresh, "PIL");
        if (client != null) {
            assertEquals(100, client.size(), "the broken PNG is skipped by the client as dlpipe quarantined it");
            long agree = packed.entrySet().stream().filter(e -> e.getValue().equals(client.get(e.getKey()))).count();
            assertTrue(agree >= 98, "ONNX in numpy vs DL4J: " + agree + " of 100 agree");
        }
    }

    static final List<String> WORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine");

    /** The tree with each digit folder named by its word, as people name class folders. */
    private static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String relative = from.relativize(p).toString().replaceAll("(^|/)(\\d)(/|$)", "$1D$2$3");
                for (int d = 0; d < 10; d++) {
                    relative = relative.replace("D" + d, WORDS.get(d));
                }
                Path target = to.resolve(relative);
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
