package dev.dlpipe.tabular;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.ByodFixtures;
import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.pipeline.PipelineRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real table (scikit-learn's breast-cancer data as a CSV with blanks, unit slips, a short row, no id and the
 * user's split column) from the file to predictions: clean, augment, pack, train, export, score, with only the
 * label column configured.
 */
class TablePipelineTest {

    @TempDir
    Path dir;

    @Test
    void breastCancerCsvFromFileToPredictions() throws Exception {
        Path runDir = dir.resolve("run");
        List<StageReport> reports = PipelineRunner.run(TestSpark.session(), ConfigLoader.load(List.of(), List.of(
                "pipeline.name=cancer", "pipeline.input=" + ByodFixtures.DIR.resolve("cancer.csv"), "run.dir=" + runDir,
                "pipeline.stages=clean,augment,pack,train,export,score", "clean.tabular.label-column=diagnosis",
                "spark.master=local[2]", "spark.conf.spark.sql.shuffle.partitions=4")));
        assertEquals(List.of("clean", "augment", "pack", "train", "export", "score"),
                reports.stream().map(StageReport::stage).toList());
        StageReport score = reports.get(5);
        assertEquals(Map.of("test", 141L, "train", 427L), reports.get(0).metrics().get("rows_per_split"));
        assertEquals(141L, score.counts().out(), "every kept test row of the user's split scored");
        double accuracy = ((Number) score.metrics().get("accuracy")).doubleValue();
        assertTrue(accuracy > 0.93, "breast cancer, MLP on standardized features (scikit-learn ~0.97): " + accuracy);

        Map<String, Object> pre = Json.readMap(Files.readString(runDir.resolve("export/preprocessing.json")));
        assertEquals("table", pre.get("input"), pre.toString());
        assertEquals(30, ((Map<?, ?>) pre.get("numeric")).size(), "the fitted statistics of every column");
        assertEquals(List.of("benign", "malignant"), Json.readMap(Files.readString(runDir.resolve(
                "export/export-manifest.json"))).get("class_names"), "label names travel to the export");

        // new raw rows: the test rows of the CSV as they are, plus one with a bad number; through stats.json
        List<String> lines = Files.readAllLines(ByodFixtures.DIR.resolve("cancer.csv"));
        List<String> fresh = new java.util.ArrayList<>(List.of(lines.get(0)));
        lines.stream().filter(l -> l.endsWith(",test")).forEach(fresh::add);
        fresh.add(fresh.get(1).replaceFirst("^[^,]*", "twelve"));
        Path csv = Files.write(dir.resolve("new-rows.csv"), fresh);
        StageReport raw = dev.dlpipe.core.StageRunner.run(new dev.dlpipe.score.ScoreStage(), TestSpark.session(),
                TestSpark.config("clean.tabular.label-column=diagnosis"),
                List.of(runDir.resolve("export").toString(), csv.toString()), dir.resolve("scored-raw").toString());
        assertEquals(142L, raw.counts().in());
        assertEquals(Map.of("bad_value", 1L), raw.counts().quarantined());
        assertEquals(accuracy, ((Number) raw.metrics().get("accuracy")).doubleValue(), 1e-9,
                "raw rows through the exported statistics predict what the packed test split did");
    }
}
