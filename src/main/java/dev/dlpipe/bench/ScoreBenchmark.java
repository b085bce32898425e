package dev.dlpipe.bench;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.pipeline.PipelineStage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code bench score}: the score stage with each engine (DL4J, the baseline; ONNX Runtime FP32 and int8) on the same
 * rows in one run, beside ONNX Runtime's own Python API scoring the same rows in one process (the peer). The rows
 * are the pack's shards copied {@code copies} times (footers and all), so each Spark task scores whole row groups
 * as in a real run and the model's work outweighs the job's fixed cost. Each engine runs {@code repeats} times; the
 * best counts (the first also loads the shards into the page cache).
 */
public final class ScoreBenchmark {

    private ScoreBenchmark() {
    }

    public static Map<String, Object> run(org.apache.spark.sql.SparkSession spark, Config config, String work,
                                          String export, String pack, int copies, int repeats) throws IOException {
        for (String need : List.of(Fs.child(export, ExportStage.MANIFEST), Fs.child(pack, "train"))) {
            if (!Fs.exists(need)) {
                throw new UserError("bench score: " + need + " not found; run ./run quickstart first, or give --export "
                        + "and --pack of one run");
            }
        }
        Path rows = Path.of(work).toAbsolutePath().resolve("score-rows");
        Path test = rows.resolve("test");
        Files.createDirectories(test);
        List<Path> shards;
        try (Stream<Path> files = Files.walk(Path.of(pack, "train"))) {
            shards = files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
        try (Stream<Path> old = Files.list(test)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        int n = 0;
        for (int c = 0; c < copies; c++) {
            for (Path shard : shards) {
                Files.copy(shard, test.resolve(String.format(Locale.ROOT, "part-%05d.parquet", n++)),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Map<String, Object> cpu = dev.dlpipe.core.CpuInfo.describe();
        System.out.printf(Locale.ROOT, "%d shards (%d copies of %s), Spark %s, on %s, %s cores%n", n, copies,
                Path.of(pack, "train"), spark.sparkContext().master(), cpu.get("model"), cpu.get("cores"));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpu", cpu);
        out.put("master", spark.sparkContext().master());
        Map<String, Double> best = new LinkedHashMap<>();
        long scored = 0;
        for (String engine : List.of("dl4j", "onnx", "onnx-int8")) {
            if (!Fs.exists(Fs.child(export, engine.equals("dl4j") ? ExportStage.MODEL
                    : engine.equals("onnx") ? ExportStage.ONNX : ExportStage.ONNX_INT8))) {
                System.out.println(engine + ": not exported, skipped");
                continue;
            }
            Config c = config.with("score.engine", engine, "bench score");
            List<Double> rates = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
                StageReport report = StageRunner.run(PipelineStage.SCORE.create("tensor"), spark, c,
                        List.of(export, rows.toString()), Fs.child(work, "score-" + engine));
                Object rate = report.metrics().get("rows_per_second");
                scored = ((Number) report.metrics().get("scored_rows")).longValue();
                rates.add(((Number) rate).doubleValue());
                System.out.printf(Locale.ROOT, "%-10s round %d: %,.0f rows/s (%,d rows, accuracy %s)%n", engine, r + 1,
                        rates.get(r), scored, report.metrics().get("accuracy"));
            }
            best.put(engine, rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        }
        out.put("rows", scored);
        out.put("rows_per_second", best);
        Map<String, Object> peer = PythonPeer.run(PythonPeer.pip(), "docs/peers/ort_score.py", List.of("--model",
                Fs.child(export, ExportStage.ONNX), "--rows", rows.toString(), "--split", "test", "--threads",
                String.valueOf(Runtime.getRuntime().availableProcessors())),
                "needs onnxruntime, numpy and pyarrow: DLPIPE_PEER_PYTHON=a venv with them");
        out.put("peer", peer);

        double base = best.getOrDefault("dl4j", Double.NaN);
        System.out.printf(Locale.ROOT, "%n| scorer | rows/s | x DL4J |%n|---|---:|---:|%n");
        best.forEach((engine, rate) -> System.out.printf(Locale.ROOT, "| score, score.engine=%s (Spark %s) | %,.0f | %.2f |%n",
                engine, spark.sparkContext().master(), rate, rate / base));
        if (peer.containsKey("rows_per_second")) {
            double p = ((Number) peer.get("rows_per_second")).doubleValue();
            System.out.printf(Locale.ROOT, "| peer: %s, model.onnx | %,.0f | %.2f |%n", peer.get("peer"), p, p / base);
        } else {
            System.out.println("peer not run: " + peer.get("not_run"));
        }
        return out;
    }
}
