package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.train.Evaluations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run report from stage reports and the files stages leave, without Spark: what a person reads in it. */
class RunReportTest {

    @TempDir
    Path run;

    @Test
    void reportNamesClassesReasonsFilesAndTheScoredModel() throws Exception {
        Config config = ConfigLoader.load(List.of(), List.of("pipeline.name=demo", "pipeline.class-names=[cat, dog, eel]",
                "train.epochs=2", "run.dir=" + run));
        Files.createDirectories(run.resolve("train"));
        Files.writeString(run.resolve("train/metrics.jsonl"),
                "{\"epoch\":1,\"learning_rate\":0.002,\"train_loss\":0.9,\"train_accuracy\":0.6,\"val_loss\":0.8,"
                        + "\"val_accuracy\":0.65,\"samples_per_second\":1000}\n"
                        + "{\"epoch\":2,\"learning_rate\":0.002,\"train_loss\":0.5,\"train_accuracy\":0.8,\"val_loss\":0.85,"
                        + "\"val_accuracy\":0.7,\"samples_per_second\":1200}\n");
        Files.createDirectories(run.resolve("score"));
        Files.writeString(run.resolve("score/evaluation.json"), Json.write(Evaluations.fromConfusion(
                new long[][] {{8, 2, 0}, {1, 9, 0}, {0, 0, 10}})));

        Map<String, Object> train = new LinkedHashMap<>();
        train.put("model", "mlp");
        train.put("parameters", 1234);
        train.put("trainer", "parameter-averaging(workers=2)");
        train.put("train_rows", 90);
        train.put("epochs", 2);
        train.put("best_epoch", 1);
        train.put("published_epoch", 2);
        train.put("published_epoch_note", "the published model is epoch 2's; epoch 1 had the best val_loss");
        List<StageReport> reports = List.of(
                new StageReport("clean", run.resolve("clean").toString(),
                        Counts.rows(120, 100, Map.of("bad_label", 3L, "malformed_json", 2L), 15),
                        Map.of("rows_per_split", Map.of("train", 90, "test", 10), "exact_duplicates", 10,
                                "near_duplicates", 5), "splits {test=10, train=90}, labels [cat, dog, eel]", 2.0),
                new StageReport("train", run.resolve("train").toString(), Counts.notApplicable(), train,
                        "val acc 0.7, test acc 0.9, 1200 samples/s", 10.0),
                new StageReport("export", run.resolve("export").toString(), Counts.notApplicable(),
                        Map.of("files", List.of(Map.of("format", "dl4j", "file", "model.zip", "bytes", 999),
                                Map.of("format", "onnx", "file", "model.onnx", "bytes", 1999))),
                        "model.zip 999 B, model.onnx 1999 B", 0.1),
                new StageReport("score", run.resolve("score").toString(), Counts.rows(30, 30, Map.of(), 0),
                        Map.of("scored_rows", 30, "accuracy", 0.9, "mean_confidence", 0.8, "model_file", "model.zip",
                                "model_format", "dl4j"), "accuracy 0.9 on 30 rows (model.zip)", 1.0));

        RunReport.write(run.toString(), config, reports, Instant.now().minusSeconds(14));

        String md = Files.readString(run.resolve("report.md"));
        assertTrue(md.contains("| stage | rows in | rows out | quarantined | deduplicated | wall s | key metrics |"), md);
        assertTrue(md.contains("| [clean](clean/) | 120 | 100 | 5 | 15 |"), "deduplicated column: " + md);
        assertTrue(md.contains("| clean | quarantined: `bad_label` | 3 | 2.50% | [clean/quarantine/](clean/quarantine/) |"), md);
        assertTrue(md.contains("| clean | deduplicated: exact duplicate | 10 | 8.33% |"), md);
        assertTrue(md.contains("| clean | deduplicated: near duplicate | 5 | 4.17% |"), md);
        assertTrue(md.contains("| `train.epochs` | 2 | --set train.epochs |"), "key settings with their origin: " + md);
        assertTrue(md.contains("**Note:** the published model is epoch 2's; epoch 1 had the best val_loss"), md);
        assertTrue(md.contains("| 2 | 0.00200 | 0.5 | 0.8 | 0.85 | 0.7 | 1200 |"), "per-epoch curve table: " + md);
        assertTrue(md.contains("| 0 | cat | 0.8889 | 0.8 | 0.8421 | 10 |"), "per-class with names: " + md);
        assertTrue(md.contains("| actual \u2193 / predicted \u2192 | cat | dog | eel |"), md);
        assertTrue(md.contains("| **dog** | 1 | 9 | 0 |"), md);
        assertTrue(md.contains("| dl4j | [model.zip](export/model.zip) | 999 | scored |"), md);
        assertTrue(md.contains("Scored `export/model.zip` (dl4j) on 30 test rows: accuracy 0.9"), md);
        assertTrue(md.contains("| 0.1 | model.zip 999 B, model.onnx 1999 B |"), "each stage's own summary: " + md);

        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("<a href=\"clean/quarantine/\">clean/quarantine/</a>"), html);
        assertTrue(html.contains("<svg") && html.contains(">validation</text>"), "curves inline with a legend");
        assertTrue(html.contains("<td class=\"n\">0.8889</td>"), html);

        Map<String, Object> runJson = Json.readMap(Files.readString(run.resolve("run.json")));
        Map<?, ?> first = (Map<?, ?>) ((List<?>) runJson.get("stages")).get(0);
        assertEquals("clean", first.get("output"), "outputs relative to the run directory");
        assertEquals(RunSummary.table(reports), RunSummary.table(RunSummary.fromRunJson(runJson)),
                "run.json gives back the same summary");
    }

    @Test
    void wrongNumberOfClassNamesIsAnErrorNamingTheKey() {
        Config config = ConfigLoader.load(List.of(), List.of("pipeline.class-names=[a, b]"));
        var e = assertThrows(dev.dlpipe.UserError.class, () -> dev.dlpipe.core.ClassNames.of(config, 3));
        assertTrue(e.getMessage().startsWith("pipeline.class-names (--set pipeline.class-names) names 2 classes, but the data has 3"),
                e.getMessage());
    }

    /** A pipeline whose stages ran one by one (jobs/<stage>.sh, a DAG's tasks): the report from their manifests. */
    @Test
    void aRunOfSeparateStagesIsReportedFromItsManifestsAndAMissingStageIsNamed() throws Exception {
        Config config = ConfigLoader.load(List.of(), List.of("pipeline.name=demo", "pipeline.input=" + run,
                "pipeline.data-kind=tensor", "pipeline.stages=[train, score]", "run.dir=" + run));
        dev.dlpipe.UserError missing = assertThrows(dev.dlpipe.UserError.class,
                () -> RunReport.writeFromManifests(config));
        assertTrue(missing.getMessage().startsWith("pipeline report: train has no published output in "),
                missing.getMessage());
        for (String stage : List.of("train", "score")) {
            Files.createDirectories(run.resolve(stage));
            Files.writeString(run.resolve(stage).resolve("_manifest.json"), Json.write(Map.of("stage", stage,
                    "started_at", stage.equals("train") ? "2026-01-02T03:00:00Z" : "2026-01-02T03:05:00Z",
                    "wall_seconds", 12.5, "spark", Map.of("master", "spark://m:7077"),
                    "counts", Counts.rows(10, 10, Map.of(), 0).toMap(), "metrics", Map.of("accuracy", 0.9),
                    "summary", stage + " done")));
        }
        List<StageReport> reports = RunReport.writeFromManifests(config);
        assertEquals(List.of("train", "score"), reports.stream().map(StageReport::stage).toList());
        Map<String, Object> runJson = Json.readMap(Files.readString(run.resolve("run.json")));
        assertEquals("2026-01-02T03:00:00Z", runJson.get("started_at"), "the run started with its first stage");
        assertEquals("spark://m:7077", ((Map<?, ?>) runJson.get("config")).get("spark.master"));
        assertEquals(12.5, ((Map<?, ?>) ((List<?>) runJson.get("stages")).get(1)).get("wall_seconds"));
        assertTrue(Files.readString(run.resolve("report.md")).contains("score done"));
    }
}
