package dev.dlpipe.bench;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.sampledata.TextSetWriter;
import dev.dlpipe.text.CleanTextStage;
import dev.dlpipe.text.TextEdits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The text cleaning job against a bare chain of Spark SQL built-ins over the same generated rows, in one run.
 * The bare chain does every edit a built-in can express (the same regexes, {@code lower()}, length filter,
 * {@code dropDuplicates}) and nothing else: no entity decoding or NFKC (no built-in exists), no quarantine, no
 * duplicate records, no manifest. Each side runs {@code repeats} times, alternating; the best time counts.
 */
public final class CleanTextBenchmark {

    private CleanTextBenchmark() {
    }

    public static Map<String, Object> run(SparkSession spark, Config config, String work, long rows, int repeats) {
        String input = Fs.child(work, "text-" + rows + ".jsonl");
        if (!Fs.exists(input)) {
            long t0 = System.nanoTime();
            TextSetWriter.write(input, rows, 20261122);
            System.out.printf(Locale.ROOT, "generated %,d text rows in %.1f s -> %s%n", rows, (System.nanoTime() - t0) / 1e9, input);
        }
        CleanTextStage.Settings s = CleanTextStage.Settings.from(config);
        List<Double> bare = new ArrayList<>();
        List<Double> job = new ArrayList<>();
        StageReport report = null;
        long bareOut = 0;
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            bareOut = bareChain(spark, input, Fs.child(work, "bare-out"), s);
            bare.add((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            report = StageRunner.run(new CleanTextStage(), spark, config, List.of(input), Fs.child(work, "job-out"));
            job.add((System.nanoTime() - t0) / 1e9);
            System.out.printf(Locale.ROOT, "round %d: bare chain %.1f s, clean job %.1f s%n", i + 1, bare.get(i), job.get(i));
        }
        double bestBare = bare.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double bestJob = job.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rows", rows);
        result.put("near_duplicates", s.nearDuplicateThreshold() > 0 ? "on (threshold " + s.nearDuplicateThreshold() + ")" : "off");
        result.put("bare_chain_seconds", bare);
        result.put("clean_job_seconds", job);
        result.put("bare_chain_rows_out", bareOut);
        result.put("clean_job_rows_out", report.counts().out());
        result.put("clean_job_rows_per_second", Math.round(rows / bestJob));
        result.put("ratio_job_to_bare", Math.round(bestJob / bestBare * 100) / 100.0);
        return result;
    }

    /** The same built-in edits as the job, in one chain, written to Parquet. Returns rows written. */
    static long bareChain(SparkSession spark, String input, String output, CleanTextStage.Settings s) {
        Dataset<Row> raw = spark.read().schema("id STRING, label STRING, text STRING").json(input);
        Column t = TextEdits.stripHtml(col("text"));
        t = lower(t);
        t = TextEdits.stripControl(t);
        t = TextEdits.specialCharacters(t, s.specialCharacters());
        t = TextEdits.collapseWhitespace(t);
        raw.select(col("id"), col("label"), t.as("text"))
                .filter(col("id").isNotNull().and(col("label").isNotNull()).and(length(col("text")).between(s.minLength(), s.maxLength())))
                .dropDuplicates("text")
                .write().mode(SaveMode.Overwrite).parquet(output);
        return spark.read().parquet(output).count();
    }
}
