package dev.dlpipe.core;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage contract, in one place: check the inputs exist, fingerprint them, skip when the published output is
 * already what this run would write ({@link UpToDate}; not with {@code run.force}), else run the stage into a staging
 * directory with progress logging, reconcile its row counts, write {@code _manifest.json}, then publish atomically.
 */
public final class StageRunner {

    public static final String MANIFEST = "_manifest.json";
    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    private StageRunner() {
    }

    public static StageReport run(Stage stage, SparkSession spark, Config config, List<String> inputs, String output) {
        checkInputs(stage.name(), inputs);
        OutputGuard.check(stage.name(), inputs, output, config.bool("run.force"));
        List<String> qualifiedInputs = new ArrayList<>();
        List<Map<String, Object>> fingerprints = new ArrayList<>();
        for (String input : inputs) {
            qualifiedInputs.add(Fs.qualify(input));
            fingerprints.add(Fingerprint.of(input, config.string("run.fingerprint"),
                    org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())));
        }

        if (!config.bool("run.force")) { // a retry or backfill of a finished stage: nothing to do
            UpToDate.Verdict verdict = UpToDate.check(stage.name(), output, fingerprints, config);
            if (verdict.current()) {
                AtomicOutput.tidy(output); // a killed attempt's staging directory goes, the output stays
                LOG.info("[{}] {} is up to date (same inputs, config and dlpipe build as when it was written at {}): "
                        + "skipped; --force runs it again", stage.name(), output, verdict.manifest().get("started_at"));
                return UpToDate.report(stage.name(), output, verdict.manifest());
            }
            if (Fs.exists(output)) {
                LOG.info("[{}] running again: {}", stage.name(), verdict.reason());
            }
        }

        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Config tracked = config.tracking(); // the manifest records the keys the stage read, and only those
        AtomicOutput out = AtomicOutput.begin(output);
        SparkProgress progress = new SparkProgress(stage.name(), config.integer("run.progress-interval-seconds"));
        spark.sparkContext().addSparkListener(progress);
        spark.sparkContext().setJobGroup(stage.name(), "dlpipe " + stage.name(), false);
        LOG.info("[{}] started: inputs {} -> {}", stage.name(), qualifiedInputs, out.target());
        StageResult result;
        try {
            result = stage.run(new StageContext(spark, tracked, List.copyOf(qualifiedInputs), out.staging(), out.target(),
                    fingerprints.stream().map(f -> String.valueOf(f.get("sha256"))).toList()));
            result.counts().reconcile(stage.name());
            double wall = (System.nanoTime() - t0) / 1e9;
            Fs.writeString(Fs.child(out.staging(), MANIFEST),
                    Json.write(manifest(stage, spark, tracked, fingerprints, out.target(), result, started, wall)));
            out.commit();
            LOG.info("[{}] done in {}s: {} {}", stage.name(), String.format("%.1f", wall), result.counts().toMap(),
                    result.metrics());
            for (SparkProgress.Timing t : progress.slowest(5)) {
                LOG.debug("[{}]   slowest Spark stages: {} ({}, {} tasks) {} s", stage.name(), t.stageId(), t.name(),
                        t.tasks(), String.format("%.1f", t.millis() / 1000.0));
            }
            return new StageReport(stage.name(), out.target(), result.counts(), result.metrics(), result.summary(), wall);
        } catch (Exception e) {
            out.abort();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new RuntimeException(stage.name() + " failed: " + e.getMessage(), e);
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            spark.sparkContext().clearJobGroup();
        }
    }

    /** Every input must exist; the CLI calls this before starting Spark so a typo costs a second, not a session. */
    public static void checkInputs(String stage, List<String> inputs) {
        for (String input : inputs) {
            if (!Fs.exists(input)) {
                throw new UserError(stage + ": input path does not exist: " + input);
            }
            if (!Fs.hasDataFiles(input)) { // else Spark's UNABLE_TO_INFER_SCHEMA, without the path
                throw new UserError(stage + ": input " + input + " is an empty directory (no data files in it)");
            }
        }
    }

    private static Map<String, Object> manifest(Stage stage, SparkSession spark, Config config,
                                                List<Map<String, Object>> inputs, String output, StageResult result,
                                                Instant started, double wall) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", stage.name());
        m.put("dlpipe_version", BuildInfo.version());
        m.put("git_commit", BuildInfo.gitCommit());
        m.put("started_at", started.toString());
        m.put("wall_seconds", Math.round(wall * 1000) / 1000.0);
        m.put("spark", Map.of("version", spark.version(), "master", spark.sparkContext().master(),
                "app_id", spark.sparkContext().applicationId()));
        // relative to the run directory (the output's parent): a run directory stays valid when moved or copied
        String base = Fs.parent(output);
        List<Map<String, Object>> relative = new ArrayList<>();
        for (Map<String, Object> in : inputs) {
            Map<String, Object> r = new LinkedHashMap<>(in);
            r.put("path", Fs.relativeTo(base, String.valueOf(in.get("path"))));
            relative.add(r);
        }
        m.put("paths_relative_to", "the directory that holds this stage's output (the run directory)");
        m.put("inputs", relative);
        m.put("output", Fs.relativeTo(base, output));
        Map<String, Object> cfg = new java.util.TreeMap<>();
        config.integer("run.seed"); // every random choice depends on it, read or not
        for (String key : config.readKeys()) {
            cfg.put(key, config.shown(key));
        }
        m.put("config", cfg);
        Map<String, String> origins = new LinkedHashMap<>();
        cfg.keySet().forEach(k -> origins.put(k, config.origin(k)));
        m.put("config_origins", origins);
        m.put("counts", result.counts().toMap());
        m.put("metrics", result.metrics());
        m.put("summary", result.summary());
        return m;
    }
}
