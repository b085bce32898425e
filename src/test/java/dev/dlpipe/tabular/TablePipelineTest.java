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

        // the model server, sent each new CSV row as a record {column: text}, answers what score wrote: the same
        // (class, confidence) pairs, and a 400 naming the column for the row score quarantined
        String[] header = fresh.get(0).split(",");
        List<Map<String, Object>> records = new java.util.ArrayList<>();
        for (String line : fresh.subList(1, fresh.size())) {
            String[] cells = line.split(",", -1);
            Map<String, Object> record = new java.util.LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                record.put(header[c], cells[c]);
            }
            records.add(Map.of("record", record));
        }
        List<String> expected = new java.util.ArrayList<>();
        for (org.apache.spark.sql.Row r : TestSpark.session().read().parquet(dir.resolve("scored-raw/predictions")
                .toString()).collectAsList()) {
            expected.add(r.getInt(r.fieldIndex("predicted")) + String.format(" %.5f", r.getFloat(r.fieldIndex("confidence"))));
        }
        List<String> served = new java.util.ArrayList<>();
        try (dev.dlpipe.serve.ServeClient server = dev.dlpipe.serve.ServeClient.start(runDir.resolve("export").toString())) {
            List<dev.dlpipe.serve.ServeClient.Answer> answers = server.predictEach(records);
            for (dev.dlpipe.serve.ServeClient.Answer a : answers.subList(0, answers.size() - 1)) {
                assertEquals(200, a.status(), a.toString() + " " + records.get(answers.indexOf(a)));
                served.add(a.predicted() + String.format(" %.5f", a.confidence()));
            }
            dev.dlpipe.serve.ServeClient.Answer bad = answers.get(answers.size() - 1);
            assertEquals(400, bad.status());
            assertEquals("instances[0].record.mean_radius", bad.field(), bad.error());
        }
        java.util.Collections.sort(expected);
        java.util.Collections.sort(served);
        assertEquals(141, served.size());
        assertEquals(expected, served, "the server's (class, confidence) for the 141 rows equal score's");
    }
}
