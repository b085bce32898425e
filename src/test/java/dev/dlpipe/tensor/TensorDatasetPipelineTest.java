package dev.dlpipe.tensor;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.pipeline.PipelinePlan;
import dev.dlpipe.pipeline.PipelineRunner;
import dev.dlpipe.score.ScoreStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tensor dataset the project did not write (scikit-learn's digits, written by h5py as uint8 (N, 8, 8) under the
 * names X and y, with the user's own train/test split; see src/test/resources/byod/make_byod_fixtures.py) goes
 * through train, export and score as it is, and the exported model then scores unlabeled new rows.
 */
class TensorDatasetPipelineTest {

    static final Path BYOD = dev.dlpipe.ByodFixtures.DIR;

    @TempDir
    Path dir;

    @Test
    void h5pyDigitsTrainExportAndScoreWithTheUsersSplit() throws Exception {
        Path runDir = dir.resolve("run");
        Config config = ConfigLoader.load(List.of(), List.of("pipeline.name=digits", "pipeline.data-kind=tensor",
                "pipeline.input=" + BYOD.resolve("digits-h5"), "run.dir=" + runDir, "spark.master=local[2]",
                "train.epochs=8", "spark.conf.spark.sql.shuffle.partitions=4"));
        PipelinePlan plan = PipelinePlan.of(config);
        assertEquals(List.of("train", "compress", "export", "score"), plan.steps().stream().map(PipelinePlan.Step::stage)
                .toList(), "the default stages a tensor dataset has");
        PipelinePlan ensembled = PipelinePlan.of(ConfigLoader.load(List.of(), List.of("pipeline.name=digits",
                "pipeline.data-kind=tensor", "pipeline.input=" + BYOD.resolve("digits-h5"), "run.dir=" + runDir,
                "pipeline.stages=train,ensemble,score")));
        assertEquals(List.of(runDir.resolve("ensemble").toString(), BYOD.resolve("digits-h5").toString()),
                ensembled.steps().get(2).inputs().stream().map(PipelinePlan.Input::describe).toList(),
                "without export, score reads the ensemble's export directory and the tensors as they are");
        Config short_ = ConfigLoader.load(List.of(), List.of("pipeline.name=digits", "pipeline.data-kind=tensor",
                "pipeline.input=" + BYOD.resolve("digits-h5"), "run.dir=" + runDir, "spark.master=local[2]",
                "pipeline.stages=train,export,score", "train.epochs=8", "spark.conf.spark.sql.shuffle.partitions=4"));

        List<StageReport> reports = PipelineRunner.run(TestSpark.session(), short_);

        StageReport train = reports.get(0);
        assertEquals(1347L, ((Number) train.metrics().get("train_rows")).longValue(), "every row of the user's train split");
        StageReport score = reports.get(2);
        assertEquals(450L, score.counts().out(), "every test row scored");
        double accuracy = ((Number) score.metrics().get("accuracy")).doubleValue();
        assertTrue(accuracy > 0.9, "digits with an MLP: scikit-learn's MLP gets ~0.97; got " + accuracy);
        assertTrue(Files.isRegularFile(runDir.resolve("report.md")) && Files.isRegularFile(runDir.resolve("run.json")));
        assertEquals(List.of(1, 8, 8), shape(runDir.resolve("export")), "the real shape travels to the export");
        Map<String, Object> pre = dev.dlpipe.core.Json.readMap(Files.readString(runDir.resolve("export/preprocessing.json")));
        assertEquals("tensor", pre.get("input"), "no image chain for tensors read as stored: " + pre);
        assertEquals(List.of(1, 8, 8), pre.get("shape"));
        // a client that knows only preprocessing.json and model.onnx predicts what dlpipe's score predicted
        Map<String, Integer> client = dev.dlpipe.export.PreprocessingClient.predict(runDir.resolve("export"),
                BYOD.resolve("digits-h5/test/digits.h5"), "h5py");
        if (client != null) {
            List<Row> scored = sorted(runDir.resolve("score/predictions"));
            assertEquals(450, client.size());
            long agree = scored.stream().filter(r -> client.get(r.getString(0)) == r.getInt(2)).count();
            assertTrue(agree >= 448, "ONNX in numpy vs DL4J, float rounding aside: " + agree + " of 450 agree");
        }

        // new data: the test rows again, unlabeled; predicted like the test split, named by file and row
        Path out = dir.resolve("scored-new");
        StageReport fresh = StageRunner.run(new ScoreStage(), TestSpark.session(), TestSpark.config(),
                List.of(runDir.resolve("export").toString(), BYOD.resolve("digits-h5-new").toString()), out.toString());
        assertEquals(450L, fresh.counts().out());
        assertNull(fresh.metrics().get("accuracy"), "no labels, no accuracy: " + fresh.metrics());
        List<Row> newRows = sorted(out.resolve("predictions"));
        List<Row> testRows = sorted(runDir.resolve("score/predictions"));
        assertEquals("new.h5#0", newRows.get(0).getString(0));
        assertTrue(newRows.get(0).isNullAt(1), "label is null for unlabeled rows");
        for (int i = 0; i < newRows.size(); i++) {
            assertEquals(testRows.get(i).getInt(2), newRows.get(i).getInt(2), "row " + i + " predicted the same");
        }

        // the same test rows as Spark writes arrays (array<float> features, an int label, no id): scored alike
        Path sparkArrays = dir.resolve("spark-arrays");
        List<Row> rows = new java.util.ArrayList<>();
        try (dev.dlpipe.load.Hdf5Shard.Blocks h5 = new dev.dlpipe.load.Hdf5Shard.Blocks(
                BYOD.resolve("digits-h5/test/digits.h5").toString(), 1000)) {
            dev.dlpipe.load.TensorBlock block = h5.read(0);
            for (int r = 0; r < block.rows(); r++) {
                float[] f = new float[block.featureSize()];
                for (int j = 0; j < f.length; j++) {
                    f[j] = block.feature(r, j);
                }
                rows.add(org.apache.spark.sql.RowFactory.create(f, block.label(r)));
            }
        }
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("features", org.apache.spark.sql.types.DataTypes.createArrayType(
                        org.apache.spark.sql.types.DataTypes.FloatType))
                .add("label", org.apache.spark.sql.types.DataTypes.IntegerType);
        TestSpark.session().createDataFrame(rows, schema).coalesce(1).write().parquet(sparkArrays.resolve("test").toString());
        StageReport arrays = StageRunner.run(new ScoreStage(), TestSpark.session(), TestSpark.config(),
                List.of(runDir.resolve("export").toString(), sparkArrays.toString()), dir.resolve("scored-arrays").toString());
        assertEquals(450L, arrays.counts().out());
        assertEquals(accuracy, ((Number) arrays.metrics().get("accuracy")).doubleValue(), 1e-9);
    }

    @Test
    void aModelThatCannotTakeTheShapeIsAOneLineErrorBeforeSpark() {
        Config config = TestSpark.config("train.model=lenet", "pipeline.data-kind=tensor");
        UserError e = assertThrows(UserError.class, () -> new dev.dlpipe.train.TrainStage()
                .preflight(config, List.of(BYOD.resolve("digits-h5").toString())));
        assertTrue(e.getMessage().contains("train.model 'lenet' needs images of at least 16x16")
                && e.getMessage().contains("1x8x8") && e.getMessage().contains("mlp"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");

        UserError unlabeled = assertThrows(UserError.class, () -> new dev.dlpipe.train.TrainStage()
                .preflight(TestSpark.config(), List.of(BYOD.resolve("digits-h5-new").toString())));
        assertTrue(unlabeled.getMessage().contains("no training rows"), unlabeled.getMessage());
    }

    /** split.test = 0, as a user's data may have no test split: score says so, and the run still ends in a report. */
    @Test
    void noTestSplitStillEndsInAReportAndAFailedStageToo() throws Exception {
        Path data = dir.resolve("no-test");
        Files.createDirectories(data.resolve("train"));
        Files.copy(BYOD.resolve("digits-h5/train/digits.h5"), data.resolve("train/digits.h5"));
        Path runDir = dir.resolve("run-no-test");
        List<StageReport> reports = PipelineRunner.run(TestSpark.session(), ConfigLoader.load(List.of(), List.of(
                "pipeline.name=no-test", "pipeline.data-kind=tensor", "pipeline.input=" + data, "run.dir=" + runDir,
                "pipeline.stages=train,export,score", "train.epochs=1", "spark.master=local[2]")));
        StageReport score = reports.get(2);
        assertEquals(0L, score.counts().out());
        assertTrue(score.summary().contains("no rows to score"), score.summary());
        assertTrue(Files.isRegularFile(runDir.resolve("report.md")) && Files.isRegularFile(runDir.resolve("run.json")));

        Path failed = dir.resolve("run-failed");
        assertThrows(UserError.class, () -> PipelineRunner.run(TestSpark.session(), ConfigLoader.load(List.of(),
                List.of("pipeline.name=bad-model", "pipeline.data-kind=tensor", "pipeline.input=" + data,
                        "run.dir=" + failed, "pipeline.stages=train,export", "train.model=lenet"))));
        Map<String, Object> run = dev.dlpipe.core.Json.readMap(Files.readString(failed.resolve("run.json")));
        assertEquals("failed", run.get("status"));
        assertEquals("train", run.get("failed_stage"));
        assertTrue(String.valueOf(run.get("error")).contains("lenet"), run.toString());
        assertTrue(Files.readString(failed.resolve("report.md")).contains("failed in stage train"));
    }

    private static List<Integer> shape(Path export) throws Exception {
        TensorSpec spec = TensorSpec.readFrom(export.toString());
        return List.of(spec.channels(), spec.height(), spec.width());
    }

    /** Predictions in file-row order ("name#row" ids sort by row number within the file). */
    private static List<Row> sorted(Path predictions) {
        List<Row> rows = new java.util.ArrayList<>(TestSpark.session().read().parquet(predictions.toString()).collectAsList());
        rows.sort(Comparator.comparingInt(r -> Integer.parseInt(r.getString(0).substring(r.getString(0).indexOf('#') + 1))));
        return rows;
    }
}
