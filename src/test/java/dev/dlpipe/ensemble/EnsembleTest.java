package dev.dlpipe.ensemble;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.ByodFixtures;
import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.pipeline.PipelineRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.loader.LocalFileSourceFactory;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Ensembles on scikit-learn's wine table (178 rows, 3 classes, through clean and pack): bootstrap samples that are a
 * pure function of (seed, member, minibatch, row), the scores and combinations by hand, and the stage end to end with
 * two bagged networks and all three MLlib members, its ONNX soft vote equal to the in-JVM one.
 */
class EnsembleTest {

    @TempDir
    Path dir;

    @Test
    void poissonCountsAreAPureFunctionWithMeanOne() {
        long sum = 0;
        int zeros = 0;
        int n = 200_000;
        int differ = 0;
        for (int row = 0; row < n; row++) {
            int k = PoissonBootstrap.copies(42, 0, "part-00000.parquet", 0, 0, row);
            assertEquals(k, PoissonBootstrap.copies(42, 0, "part-00000.parquet", 0, 0, row));
            differ += k != PoissonBootstrap.copies(42, 1, "part-00000.parquet", 0, 0, row) ? 1 : 0;
            sum += k;
            zeros += k == 0 ? 1 : 0;
        }
        assertEquals(1.0, sum / (double) n, 0.01, "Poisson(1) mean");
        assertEquals(Math.exp(-1), zeros / (double) n, 0.005, "share of rows left out (e^-1)");
        assertTrue(differ > n / 2, "another member draws another sample: " + differ + " of " + n + " counts differ");
    }

    @Test
    void scoresAndCombinationsByHand() {
        float[][] a = {{0.9f, 0.1f}, {0.4f, 0.6f}, {0.7f, 0.3f}};
        float[][] b = {{0.6f, 0.4f}, {0.2f, 0.8f}, {0.2f, 0.8f}};
        int[] labels = {0, 1, 0};
        assertEquals(1.0, ProbabilityScores.accuracy(a, labels), 1e-12);
        assertEquals(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.7)) / 3, ProbabilityScores.logLoss(a, labels), 1e-6);
        // bins of width 1/15: 0.9 -> 13, 0.6 -> 9, 0.7 -> 10; all right: |1 - conf| each, weighted 1/3
        assertEquals((0.1 + 0.4 + 0.3) / 3, ProbabilityScores.expectedCalibrationError(a, labels), 1e-6);
        float[][] avg = ProbabilityScores.weightedAverage(List.of(a, b), new double[] {0.5, 0.5});
        assertArrayEquals(new float[] {0.75f, 0.25f}, avg[0], 1e-6f);
        assertArrayEquals(new float[] {0.45f, 0.55f}, avg[2], 1e-6f);
        float[][] votes = ProbabilityScores.hardVote(List.of(a, b, b));
        assertArrayEquals(new float[] {1 / 3f, 2 / 3f}, votes[2], 1e-6f);
        double[] w = ProbabilityScores.inverseLossWeights(List.of(a, b), labels);
        assertEquals(1.0, w[0] + w[1], 1e-12);
        assertTrue(w[0] > w[1], "a has the lower log loss");
    }

    @Test
    void wineMembersCombinationsAndOneOnnxGraph() throws Exception {
        Path pack = pack("wine.csv", "clean.tabular.label-column=class", "split.validation=0.2", "split.test=0.25");

        // the bootstrap loader on a real minibatch: the same sample twice, another for another member
        String ref = ShardIndex.of(pack.resolve("train").toString()).minibatches(32).get(0);
        DataSet first = new PoissonBootstrap(3, 7, 0).load(new LocalFileSourceFactory().getSource(ref));
        DataSet again = new PoissonBootstrap(3, 7, 0).load(new LocalFileSourceFactory().getSource(ref));
        DataSet other = new PoissonBootstrap(3, 7, 1).load(new LocalFileSourceFactory().getSource(ref));
        assertEquals(first.getFeatures(), again.getFeatures());
        assertNotEquals(first.getFeatures(), other.getFeatures());

        Path out = dir.resolve("ensemble");
        StageReport r = StageRunner.run(new EnsembleStage(), TestSpark.session(), TestSpark.config(
                        "ensemble.bagging-members=2", "ensemble.epochs=6", "ensemble.mllib=lr,rf,gbt",
                        "ensemble.trees=20", "ensemble.gbt-iterations=5", "train.batch-size=16"),
                List.of(pack.toString()), out.toString());
        Map<String, Object> e = Json.readMap(Files.readString(out.resolve(EnsembleStage.EVALUATION)));
        Map<?, ?> members = (Map<?, ?>) e.get("members");
        assertEquals(List.of("net-1", "net-2", "lr", "rf", "gbt"), List.copyOf(members.keySet()));
        assertEquals(List.of("average", "hard-vote", "weighted", "stacking", "networks-average"),
                List.copyOf(((Map<?, ?>) e.get("combinations")).keySet()));
        int testRows = ((Number) e.get("test_rows")).intValue();
        assertEquals(ShardIndex.of(pack.resolve("test").toString()).rows(), testRows);
        for (Object row : members.values()) {
            Map<?, ?> test = (Map<?, ?>) ((Map<?, ?>) row).get("test");
            assertTrue(((Number) test.get("accuracy")).doubleValue() > 0.8, "wine is easy for every member: " + row);
            assertTrue(((Number) test.get("ece")).doubleValue() >= 0, row.toString());
        }
        assertTrue(Files.readString(out.resolve(EnsembleStage.REPORT)).contains("| stacking |"));
        assertEquals(e.get("best_member"), r.metrics().get("best_member"));

        // model.onnx: every member (networks, logistic regression, forest, one-vs-rest GBT) and the validation-fitted
        // weights in one graph, equal in ONNX Runtime to the in-JVM ensemble
        assertOnnxMatches(e, "weighted", List.of("net-1", "net-2", "lr", "rf", "gbt"));
        assertTrue(Files.exists(out.resolve("member-net-2.zip")));
        check(out);

        // an export directory: score takes it and gets the exported combination's test accuracy; so does the server
        StageReport scored = StageRunner.run(new dev.dlpipe.score.ScoreStage(), TestSpark.session(), TestSpark.config(),
                List.of(out.toString(), pack.toString()), dir.resolve("scored").toString());
        assertEquals(((Number) r.metrics().get("exported_test_accuracy")).doubleValue(),
                ((Number) scored.metrics().get("accuracy")).doubleValue(), 1e-9);
        float[] row = new dev.dlpipe.load.ParquetMinibatchLoader(3).load(ShardIndex.of(pack.resolve("test").toString())
                .minibatches(1).get(0)).getFeatures().toFloatVector();
        try (dev.dlpipe.serve.ServeClient server = dev.dlpipe.serve.ServeClient.start(out.toString())) {
            assertEquals(200, server.predictEach(List.of(Map.of("features", row))).get(0).status());
        }

        // compress distils the ensemble (its one graph, trees included, in ONNX Runtime on the executors) into a student
        Path trained = dir.resolve("train");
        StageRunner.run(new dev.dlpipe.train.TrainStage(), TestSpark.session(), TestSpark.config("train.epochs=3",
                "train.batch-size=16"), List.of(pack.toString()), trained.toString());
        StageRunner.run(new dev.dlpipe.compress.CompressStage(), TestSpark.session(), TestSpark.config(
                        "compress.distill-teacher=" + out, "compress.distill-epochs=6", "compress.finetune-epochs=0",
                        "compress.quantize=none", "compress.fp16=false", "train.batch-size=16"),
                List.of(trained.toString(), pack.toString()), dir.resolve("compress").toString());
        Map<?, ?> student = ((List<?>) Json.readMap(Files.readString(dir.resolve("compress")
                .resolve("compression-report.json"))).get("variants")).stream().map(v -> (Map<?, ?>) v)
                .filter(v -> "student, distilled".equals(v.get("variant"))).findFirst().orElseThrow();
        Map<?, ?> teacher = (Map<?, ?>) student.get("teacher");
        assertEquals(out.resolve("model.onnx") + " in ONNX Runtime", teacher.get("model"), student.toString());
        assertEquals(r.metrics().get("exported_test_accuracy"), teacher.get("test_accuracy"));
        assertTrue(((Number) student.get("test_accuracy")).doubleValue() > 0.8, student.toString());

        // the stacking head over a network and two tree members, as one graph
        Path stacked = dir.resolve("stacked");
        StageRunner.run(new EnsembleStage(), TestSpark.session(), TestSpark.config("ensemble.bagging-members=1",
                "ensemble.epochs=2", "ensemble.mllib=rf,gbt", "ensemble.trees=5", "ensemble.gbt-iterations=3",
                "ensemble.export=stacking"), List.of(pack.toString()), stacked.toString());
        assertOnnxMatches(Json.readMap(Files.readString(stacked.resolve(EnsembleStage.EVALUATION))), "stacking",
                List.of("net-1", "rf", "gbt"));
        check(stacked);
    }

    @Test
    void stackingNeverSeesTheTestSplit() throws Exception {
        Path pack = pack("wine.csv", "clean.tabular.label-column=class", "split.validation=0.2", "split.test=0.25");
        // the same pack with other test rows (the training split's shards copied in as test/)
        Path other = dir.resolve("other-pack");
        try (var files = Files.walk(pack)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = pack.relativize(f);
                Path to = rel.startsWith("test") ? null : other.resolve(rel);
                if (to != null) {
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to);
                    if (rel.startsWith("train")) {
                        Files.createDirectories(other.resolve("test"));
                        Files.copy(f, other.resolve("test").resolve(f.getFileName()));
                    }
                }
            }
        }

        Map<?, ?> stacked = stacking(pack, dir.resolve("a"));
        Map<?, ?> again = stacking(other, dir.resolve("b"));
        assertEquals(ShardIndex.of(pack.resolve("validation").toString()).rows(),
                ((Number) stacked.get("fitted_on_rows")).longValue(), "fitted on every validation row");
        assertNotEquals(ShardIndex.of(pack.resolve("test").toString()).rows(),
                ShardIndex.of(other.resolve("test").toString()).rows(), "the test split did change");
        assertEquals(stacked.get("intercepts"), again.get("intercepts"), "other test rows, the same stacking fit");
        assertEquals(stacked.get("coefficients"), again.get("coefficients"));
    }

    /** The stacking meta-learner an ensemble run on {@code pack} fitted, as ensemble.json records it. */
    private static Map<?, ?> stacking(Path pack, Path out) throws Exception {
        StageRunner.run(new EnsembleStage(), TestSpark.session(), TestSpark.config("ensemble.bagging-members=1",
                "ensemble.epochs=2", "ensemble.mllib=lr", "ensemble.export=stacking", "train.batch-size=16"),
                List.of(pack.toString()), out.toString());
        Map<?, ?> e = Json.readMap(Files.readString(out.resolve(EnsembleStage.EVALUATION)));
        return (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) e.get("combinations")).get("stacking")).get("meta_learner");
    }

    @Test
    void twoClassTreesAndHardVotingOnTheCancerTable() throws Exception {
        Path pack = pack("cancer.csv", "clean.tabular.label-column=diagnosis");
        Path out = dir.resolve("ensemble");
        StageRunner.run(new EnsembleStage(), TestSpark.session(), TestSpark.config("ensemble.bagging-members=0",
                "ensemble.mllib=lr,rf,gbt", "ensemble.trees=10", "ensemble.gbt-iterations=10",
                "ensemble.export=hard-vote"), List.of(pack.toString()), out.toString());
        Map<String, Object> e = Json.readMap(Files.readString(out.resolve(EnsembleStage.EVALUATION)));
        assertEquals(0, ((Number) e.get("validation_rows")).intValue(), "the user's split has train and test only");
        assertTrue(e.get("weighted_and_stacking").toString().contains("no validation split"), e.toString());
        assertEquals(List.of("average", "hard-vote"), List.copyOf(((Map<?, ?>) e.get("combinations")).keySet()));
        assertOnnxMatches(e, "hard-vote", List.of("lr", "rf", "gbt"));
        check(out);
        Map<?, ?> gbt = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) e.get("members")).get("gbt")).get("test");
        assertTrue(((Number) gbt.get("accuracy")).doubleValue() > 0.85, "binary GBT (10 rounds) on breast cancer: " + gbt);
    }

    /** A fixture table through clean and pack (local[2]); returns the pack directory. */
    private Path pack(String fixture, String... settings) {
        Path runDir = dir.resolve("run");
        List<String> all = new java.util.ArrayList<>(List.of("pipeline.name=" + fixture.replace(".csv", ""),
                "pipeline.input=" + ByodFixtures.DIR.resolve(fixture), "run.dir=" + runDir, "pipeline.stages=clean,pack",
                "spark.master=local[2]", "spark.conf.spark.sql.shuffle.partitions=4"));
        all.addAll(List.of(settings));
        PipelineRunner.run(TestSpark.session(), ConfigLoader.load(List.of(), all));
        return runDir.resolve("pack");
    }

    private static void assertOnnxMatches(Map<String, Object> evaluation, String combination, List<String> members) {
        Map<?, ?> onnx = (Map<?, ?>) evaluation.get("onnx");
        assertEquals("model.onnx", onnx.get("file"));
        assertEquals(combination, onnx.get("combination"));
        assertEquals(members, onnx.get("members"));
        assertTrue(((Number) onnx.get("ort_max_abs_diff_on_test")).doubleValue() <= 1e-5, onnx.toString());
    }

    /** Debian's onnx checker (ai.onnx.ml tree operators included) over the ensemble's model.onnx. */
    private static void check(Path out) throws Exception {
        dev.dlpipe.export.OnnxExportTest.checkWithPythonOnnx(out, 1);
    }
}
