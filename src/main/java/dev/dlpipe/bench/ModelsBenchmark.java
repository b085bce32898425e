package dev.dlpipe.bench;

import static org.apache.spark.sql.functions.col;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.pipeline.DataKinds;
import dev.dlpipe.pipeline.PipelineRunner;
import dev.dlpipe.text.PackedTokens;
import dev.dlpipe.text.Vocabulary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./run bench models}: the text and tabular models on the generator's sets and on real ones the project did
 * not write, each beside what a user would pick instead on the same split: Spark MLlib's TF-IDF + logistic
 * regression for text (fitted in the same train run), scikit-learn's logistic regression and MLP for tables
 * (docs/peers/sklearn_csv.py, when python3 with scikit-learn is there). For text it also trains the CNN with each
 * initial embedding: Spark MLlib's Word2Vec (the product's), DL4J's Word2Vec (written as a GloVe file) and random.
 */
public final class ModelsBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(ModelsBenchmark.class);

    record TextSet(String name, String pipeline) {
    }

    /** {@code split}: "column:NAME" for the CSV's own split column, else the peer gets dlpipe's split by id. */
    record TableSet(String name, String pipeline, String label, String split, List<String> drop) {
    }

    static final List<TextSet> TEXT = List.of(
            new TextSet("generator reviews (sample-data/text)", "pipelines/text.yaml"),
            new TextSet("license paragraphs (Debian common-licenses)", "pipelines/licenses.yaml"));

    static final List<TableSet> TABLES = List.of(
            new TableSet("generator customers (sample-data/tabular)", "pipelines/tabular.yaml", "churned", null,
                    List.of()),
            new TableSet("breast cancer (scikit-learn's bundled table)", "pipelines/table.yaml", "diagnosis",
                    "column:split", List.of()));

    private ModelsBenchmark() {
    }

    public static Map<String, Object> run(SparkSession spark, String work, List<String> overrides) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-46s %-34s %s", "data set", "model", "test accuracy"));
        for (TextSet t : TEXT) {
            out.put(t.name(), text(spark, t, Path.of(work, slug(t.pipeline())).toAbsolutePath().toString(), overrides,
                    lines));
        }
        for (TableSet t : TABLES) {
            out.put(t.name(), table(spark, t, Path.of(work, slug(t.pipeline())).toAbsolutePath().toString(),
                    overrides, lines));
        }
        System.out.println(String.join("\n", lines));
        return out;
    }

    private static Map<String, Object> text(SparkSession spark, TextSet set, String runDir, List<String> overrides,
                                            List<String> lines) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Object> train = stage(pipeline(spark, set.pipeline(), runDir, overrides,
                "pipeline.stages=[clean,augment,pack,train]"), "train");
        @SuppressWarnings("unchecked")
        Map<String, Object> baseline = (Map<String, Object>) train.get("baseline_tfidf_logreg");
        String model = (String) train.get("model");
        r.put(model + " (word2vec, Spark MLlib)", train.get("test_accuracy"));
        r.put("embedding_seconds_mllib", ((Map<?, ?>) train.get("embeddings")).get("seconds"));
        r.put("baseline: " + baseline.get("model"), baseline.get("test_accuracy"));
        add(lines, set.name(), "Spark MLlib TF-IDF + LogisticRegression", baseline.get("test_accuracy"));
        add(lines, "", model + ", Word2Vec (Spark MLlib)", train.get("test_accuracy"));

        String pack = Fs.child(runDir, "pack");
        long t0 = System.nanoTime();
        String glove = dl4jWord2VecAsGlove(spark, pack, Fs.child(runDir, "dl4j-word2vec.txt"),
                config(set.pipeline(), runDir, overrides));
        r.put("embedding_seconds_dl4j", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        Object dl4j = stage(pipeline(spark, set.pipeline(), runDir, overrides, "pipeline.stages=[train]",
                "train.text.embeddings=glove", "train.text.glove-file=" + glove), "train").get("test_accuracy");
        r.put(model + " (word2vec, DL4J)", dl4j);
        add(lines, "", model + ", Word2Vec (DL4J)", dl4j);
        Object random = stage(pipeline(spark, set.pipeline(), runDir, overrides, "pipeline.stages=[train]",
                "train.text.embeddings=random"), "train").get("test_accuracy");
        r.put(model + " (random embeddings)", random);
        add(lines, "", model + ", random embeddings", random);
        String other = model.equals("text-cnn") ? "text-mean" : "text-cnn";
        Object otherAccuracy = stage(pipeline(spark, set.pipeline(), runDir, overrides, "pipeline.stages=[train]",
                "train.model=" + other), "train").get("test_accuracy");
        r.put(other + " (word2vec, Spark MLlib)", otherAccuracy);
        add(lines, "", other + ", Word2Vec (Spark MLlib)", otherAccuracy);
        return r;
    }

    private static Map<String, Object> table(SparkSession spark, TableSet set, String runDir, List<String> overrides,
                                             List<String> lines) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        Config config = config(set.pipeline(), runDir, overrides);
        Object mlp = stage(pipeline(spark, set.pipeline(), runDir, overrides,
                "pipeline.stages=[clean,augment,pack,train]"), "train").get("test_accuracy");
        r.put("dlpipe mlp", mlp);
        Object weighted = stage(pipeline(spark, set.pipeline(), runDir, overrides, "pipeline.stages=[train]",
                "train.class-weights=balanced"), "train").get("test_accuracy");
        r.put("dlpipe mlp, balanced class weights", weighted);
        Object noPca = null;
        if (config.integer("clean.tabular.pca-components") > 0) { // the peers see every column: so does this run
            noPca = stage(pipeline(spark, set.pipeline(), runDir + "-all-columns", overrides,
                    "pipeline.stages=[clean,augment,pack,train]", "clean.tabular.pca-components=0"), "train")
                    .get("test_accuracy");
            r.put("dlpipe mlp, all columns (no PCA)", noPca);
        }
        String split = set.split();
        if (split == null) { // the peer gets dlpipe's split, by id
            split = Fs.child(runDir, "split.csv");
            StringBuilder csv = new StringBuilder("id,split\n");
            for (Row row : spark.read().parquet(Fs.child(Fs.child(runDir, "clean"), "data"))
                    .select(col("id").cast("string"), col("split")).collectAsList()) {
                csv.append(row.getString(0)).append(',').append(row.getString(1)).append('\n');
            }
            Files.writeString(Path.of(dev.dlpipe.LocalPaths.stripFileScheme(split)), csv.toString());
        }
        Map<String, Object> peers = sklearn(config.string("pipeline.input"), set.label(), split, set.drop());
        r.put("scikit-learn", peers);
        add(lines, set.name(), "dlpipe MLP", mlp);
        add(lines, "", "dlpipe MLP, balanced class weights", weighted);
        if (noPca != null) {
            add(lines, "", "dlpipe MLP, all columns (no PCA)", noPca);
        }
        for (String peer : List.of("LogisticRegression", "MLPClassifier(256, 256)")) {
            add(lines, "", "scikit-learn " + peer, peers.getOrDefault(peer, peers.get("not_run")));
        }
        return r;
    }

    /** DL4J's Word2Vec (skip-gram, the product's sizes) on the training split's tokens, written as GloVe text. */
    private static String dl4jWord2VecAsGlove(SparkSession spark, String pack, String file, Config c)
            throws IOException {
        ShardIndex train = ShardIndex.of(Fs.child(pack, Splits.TRAIN));
        Vocabulary vocabulary = Vocabulary.parse(Fs.readString(Fs.child(pack, Vocabulary.FILE)));
        List<List<String>> sentences = new ArrayList<>();
        for (Row r : PackedTokens.of(spark, train, train.spec().numClasses(), 2).collectAsList()) {
            sentences.add(r.getList(1));
        }
        Map<String, float[]> vectors = Word2VecBenchmark.dl4j(sentences, c.integer("train.text.embedding-size"),
                c.integer("train.text.window"), c.integer("train.text.word2vec-iterations"), c.integer("run.seed"));
        StringBuilder sb = new StringBuilder();
        vectors.forEach((id, v) -> {
            sb.append(vocabulary.token(Integer.parseInt(id)));
            for (float x : v) {
                sb.append(' ').append(x);
            }
            sb.append('\n');
        });
        Path path = Path.of(dev.dlpipe.LocalPaths.stripFileScheme(file));
        Files.writeString(path, sb.toString(), StandardCharsets.UTF_8);
        return path.toString();
    }

    /** docs/peers/sklearn_csv.py's JSON, or {"not_run": why}. */
    static Map<String, Object> sklearn(String csv, String label, String split, List<String> drop) {
        List<String> args = new ArrayList<>(List.of(dev.dlpipe.LocalPaths.stripFileScheme(csv), label,
                split.startsWith("column:") ? split : dev.dlpipe.LocalPaths.stripFileScheme(split)));
        if (!drop.isEmpty()) {
            args.add("--drop");
            args.addAll(drop);
        }
        return PythonPeer.run(PythonPeer.DEBIAN, "docs/peers/sklearn_csv.py", args, "apt-get install python3-sklearn");
    }

    private static Config config(String pipeline, String runDir, List<String> overrides, String... more) {
        List<String> all = new ArrayList<>(overrides);
        all.add("run.dir=" + runDir);
        all.add("run.force=true"); // timed and compared: never an up-to-date skip
        all.addAll(List.of(more));
        Config loaded = ConfigLoader.load(List.of(Path.of(pipeline)), all);
        return DataKinds.resolve(loaded, loaded.string("pipeline.input"));
    }

    private static List<StageReport> pipeline(SparkSession spark, String pipeline, String runDir,
                                              List<String> overrides, String... more) {
        LOG.info("[bench models] {} {}", pipeline, String.join(" ", more));
        return PipelineRunner.run(spark, config(pipeline, runDir, overrides, more));
    }

    private static Map<String, Object> stage(List<StageReport> reports, String name) {
        return reports.stream().filter(r -> r.stage().equals(name)).findFirst().orElseThrow().metrics();
    }

    private static void add(List<String> lines, String set, String model, Object accuracy) {
        lines.add(String.format("%-46s %-34s %s", set, model, accuracy));
    }

    private static String slug(String pipeline) {
        return Path.of(pipeline).getFileName().toString().replace(".yaml", "");
    }
}
