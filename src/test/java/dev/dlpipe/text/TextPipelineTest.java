package dev.dlpipe.text;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.ByodFixtures;
import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxRuntimeModel;
import dev.dlpipe.pipeline.PipelineRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Real text through all seven stages: the license paragraphs Debian ships (pipelines/licenses.yaml: JSON Lines
 * with their own split field, one line that is not JSON, one without a label) to a text CNN, compressed, exported
 * with its vocabulary, and scored both from the packed test split and from the raw JSON Lines again.
 */
class TextPipelineTest {

    @TempDir
    Path dir;

    @Test
    void licenseParagraphsFromJsonLinesToPredictionsOnRawText() throws Exception {
        Path runDir = dir.resolve("run");
        List<StageReport> reports = PipelineRunner.run(TestSpark.session(), ConfigLoader.load(
                List.of(Path.of("pipelines/licenses.yaml")), List.of("run.dir=" + runDir, "spark.master=local[2]",
                        "spark.conf.spark.sql.shuffle.partitions=4", "train.epochs=25")));
        assertEquals(List.of("clean", "augment", "pack", "train", "compress", "export", "score"),
                reports.stream().map(StageReport::stage).toList());
        Map<String, Object> pack = reports.get(2).metrics();
        Map<?, ?> tokens = (Map<?, ?>) pack.get("tokens_by_split");
        assertEquals(0.0, ((Map<?, ?>) tokens.get("train")).get("unknown_token_share"), "train words are all known");
        assertTrue(((Number) ((Map<?, ?>) tokens.get("test")).get("unknown_token_share")).doubleValue() > 0,
                "test words the training split never had are unknown: the vocabulary saw train only");
        Map<String, Object> train = reports.get(3).metrics();
        double model = ((Number) train.get("test_accuracy")).doubleValue();
        double baseline = ((Number) ((Map<?, ?>) train.get("baseline_tfidf_logreg")).get("test_accuracy")).doubleValue();
        assertTrue(model > 0.45 && baseline > 0.45, "5 licenses (chance 0.2): model " + model + ", TF-IDF " + baseline);
        assertEquals("word2vec (Spark MLlib, skip-gram, training split)",
                ((Map<?, ?>) train.get("embeddings")).get("source"));

        Path export = runDir.resolve("export");
        Map<String, Object> pre = Json.readMap(Files.readString(export.resolve("preprocessing.json")));
        assertEquals("text", pre.get("input"));
        assertEquals(128, pre.get("sequence_length"));
        List<String> vocabulary = Files.readAllLines(export.resolve("vocabulary.txt"));
        assertEquals(List.of("<pad>", "<unk>"), vocabulary.subList(0, 2));
        assertEquals(pre.get("vocabulary_size"), vocabulary.size());

        // the exported ONNX model, fed the packed test ids as int64, agrees with the DL4J model it came from
        Network net = Models.read(export.resolve("model.zip").toString());
        ShardIndex test = ShardIndex.of(runDir.resolve("pack").resolve("test").toString());
        try (OnnxRuntimeModel onnx = new OnnxRuntimeModel(Files.readAllBytes(export.resolve("model.onnx")))) {
            for (String ref : test.minibatches(64)) {
                INDArray x = new ParquetMinibatchLoader(test.spec().numClasses()).load(ref).getFeatures();
                float[][] dl4j = net.output(x).toFloatMatrix();
                float[][] ort = onnx.predict(x.data().asFloat(), (int) x.rows(), (int) x.columns());
                for (int i = 0; i < dl4j.length; i++) {
                    for (int c = 0; c < dl4j[i].length; c++) {
                        assertEquals(dl4j[i][c], ort[i][c], 1e-5, "row " + i + " class " + c);
                    }
                }
            }
        }

        // raw JSON Lines through the recorded cleaning, tokenizer and vocabulary predict what the packed split did
        Map<String, Integer> packed = new HashMap<>();
        for (Row r : TestSpark.session().read().parquet(runDir.resolve("score").resolve("predictions").toString())
                .collectAsList()) {
            packed.put(r.getString(r.fieldIndex("id")), r.getInt(r.fieldIndex("predicted")));
        }
        StageReport raw = StageRunner.run(new dev.dlpipe.score.ScoreStage(), TestSpark.session(),
                TestSpark.config("clean.text.text-column=paragraph", "clean.text.label-column=license"),
                List.of(export.toString(), ByodFixtures.DIR.resolve("licenses.jsonl").toString()),
                dir.resolve("scored-raw").toString());
        assertEquals(204L, raw.counts().in());
        assertEquals(Map.of("malformed_json", 1L), raw.counts().quarantined(), raw.counts().toMap().toString());
        int compared = 0;
        for (Row r : TestSpark.session().read().parquet(dir.resolve("scored-raw").resolve("predictions").toString())
                .collectAsList()) {
            Integer expected = packed.get(r.getString(r.fieldIndex("id")));
            if (expected != null) {
                assertEquals(expected, r.getInt(r.fieldIndex("predicted")), r.getString(r.fieldIndex("id")));
                compared++;
            }
        }
        assertEquals(packed.size(), compared, "every packed test row found again, by its derived id, in the raw run");

        // the model server, sent each raw paragraph as {"text": ...}, answers what score wrote for its line (the
        // id score derived: the line's SHA-256, then its ordinal among equal lines)
        Map<String, Row> scored = new HashMap<>();
        for (Row r : TestSpark.session().read().parquet(dir.resolve("scored-raw").resolve("predictions").toString())
                .collectAsList()) {
            scored.put(r.getString(r.fieldIndex("id")), r);
        }
        List<String> ids = new java.util.ArrayList<>();
        List<Map<String, Object>> instances = new java.util.ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : Files.readAllLines(ByodFixtures.DIR.resolve("licenses.jsonl"))) {
            String id = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .substring(0, 16) + "-" + seen.merge(line, 1, Integer::sum);
            Object text;
            try {
                text = Json.readMap(line).get("paragraph");
            } catch (RuntimeException notJson) {
                continue; // quarantined by score as malformed_json
            }
            ids.add(id);
            instances.add(Map.of("text", text));
        }
        try (dev.dlpipe.serve.ServeClient server = dev.dlpipe.serve.ServeClient.start(export.toString())) {
            List<dev.dlpipe.serve.ServeClient.Answer> answers = server.predictEach(instances);
            for (int i = 0; i < ids.size(); i++) {
                Row r = scored.get(ids.get(i));
                assertNotNull(r, "score wrote line " + ids.get(i));
                assertEquals(200, answers.get(i).status(), "line " + ids.get(i));
                assertEquals(r.getInt(r.fieldIndex("predicted")), answers.get(i).predicted(), ids.get(i));
                assertEquals(r.getFloat(r.fieldIndex("confidence")), answers.get(i).confidence(), 1e-5, ids.get(i));
            }
        }
        assertEquals(203, ids.size(), "every well-formed line compared");

        // an ensemble on the same pack: two text CNNs (embeddings from word2vec, as train does) and MLlib logistic
        // regression on bag-of-words; its graph is the networks' average (bag-of-words is not built from token ids)
        Path ensemble = dir.resolve("ensemble");
        StageReport ens = StageRunner.run(new dev.dlpipe.ensemble.EnsembleStage(), TestSpark.session(),
                ConfigLoader.load(List.of(Path.of("pipelines/licenses.yaml")), List.of("spark.master=local[2]",
                        "ensemble.bagging-members=2", "ensemble.epochs=10", "ensemble.mllib=lr")),
                List.of(runDir.resolve("pack").toString()), ensemble.toString());
        Map<?, ?> onnx = (Map<?, ?>) ens.metrics().get("onnx");
        assertEquals("networks-average", onnx.get("combination"), onnx.toString());
        assertEquals(List.of("net-1", "net-2"), onnx.get("members"));
        assertTrue(((Number) onnx.get("ort_max_abs_diff_on_test")).doubleValue() <= 1e-5, onnx.toString());
        Map<?, ?> lr = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) Json.readMap(Files.readString(ensemble.resolve(
                "ensemble.json"))).get("members")).get("lr")).get("test");
        assertTrue(((Number) lr.get("accuracy")).doubleValue() > 0.45, "bag-of-words logistic regression: " + lr);
        try (dev.dlpipe.serve.ServeClient server = dev.dlpipe.serve.ServeClient.start(ensemble.toString())) {
            assertEquals(200, server.predictEach(instances.subList(0, 3)).get(2).status(), "raw text on the ensemble");
        }
    }
}
