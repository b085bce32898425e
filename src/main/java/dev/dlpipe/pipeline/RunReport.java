package dev.dlpipe.pipeline;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.core.ClassNames;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.HtmlChart;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.ReportDocument;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.score.ScoreStage;
import dev.dlpipe.train.TrainStage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a person opens after a run: {@code report.md} and {@code report.html} (the same document) with the
 * summary, links to every stage's outputs, where rows went (quarantine and deduplication by reason), the model
 * and its key settings, training curves, the test evaluation per class with class names, the compression
 * variants, and which exported file was scored. {@code run.json} holds the same facts for programs.
 */
public final class RunReport {

    public static final String RUN_JSON = "run.json";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";

    /** The train.* settings a reader wants first; the rest are in run.json and train/_manifest.json. */
    private static final List<String> KEY_SETTINGS = List.of("train.model", "train.epochs", "train.batch-size",
            "train.updater", "train.learning-rate", "train.lr-schedule", "train.l2", "train.dropout",
            "train.hidden-layers", "train.hidden-units", "train.workers", "train.averaging-frequency",
            "train.early-stopping-patience", "run.seed");

    private RunReport() {
    }

    /**
     * run.json and the report for a run whose stages ran as separate applications (jobs/&lt;stage&gt;.sh, the tasks of
     * an Airflow DAG), put together from the stages' manifests: every planned stage must have published its output.
     * The run started when its first stage did; the Spark master is the one the stages ran on.
     */
    public static List<StageReport> writeFromManifests(Config config) {
        PipelinePlan plan = PipelinePlan.of(config);
        List<StageReport> reports = new ArrayList<>();
        Instant started = null;
        String master = null;
        for (PipelinePlan.Step step : plan.steps()) {
            String manifest = Fs.child(step.output(), dev.dlpipe.core.StageRunner.MANIFEST);
            if (!Fs.exists(manifest)) {
                throw new dev.dlpipe.UserError("pipeline report: " + step.stage() + " has no published output in "
                        + step.output() + " (no " + dev.dlpipe.core.StageRunner.MANIFEST + "); run it first, or give "
                        + "--set run.dir=DIR of the run to report on");
            }
            Map<String, Object> m = Json.readMap(Fs.readString(manifest));
            reports.add(StageReport.fromManifest(step.output(), m));
            Instant at = Instant.parse(String.valueOf(m.get("started_at")));
            started = started == null || at.isBefore(started) ? at : started;
            if (master == null && m.get("spark") instanceof Map<?, ?> spark) {
                master = String.valueOf(spark.get("master"));
            }
        }
        Config shown = master == null ? config : config.with("spark.master", master, "the stages' manifests");
        write(plan.runDir(), shown, reports, started == null ? Instant.now() : started);
        return reports;
    }

    public static void write(String runDir, Config config, List<StageReport> reports, Instant started) {
        write(runDir, config, reports, started, null, null);
    }

    /**
     * With {@code failedStage} set: the run stopped there with {@code error}; run.json and the report say so and
     * still show every stage that finished, so a failed run leaves the same artifacts a person looks at.
     */
    public static void write(String runDir, Config config, List<StageReport> reports, Instant started,
                             String failedStage, String error) {
        Instant finished = Instant.now();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("pipeline", config.string("pipeline.name"));
        run.put("dlpipe_version", BuildInfo.version());
        run.put("git_commit", BuildInfo.gitCommit());
        run.put("started_at", started.toString());
        run.put("finished_at", finished.toString());
        run.put("cpu", cpu());
        run.put("config", config.asMap());
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageReport r : reports) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("stage", r.stage());
            s.put("output", Fs.relativeTo(runDir, r.output()));
            s.put("wall_seconds", Math.round(r.wallSeconds() * 10) / 10.0);
            s.put("counts", r.counts().toMap());
            s.put("metrics", r.metrics());
            s.put("summary", r.summary());
            stages.add(s);
        }
        run.put("stages", stages);
        if (failedStage != null) {
            run.put("status", "failed");
            run.put("failed_stage", failedStage);
            run.put("error", error);
        }
        Fs.writeString(Fs.child(runDir, RUN_JSON), Json.write(run));
        ReportDocument doc = document(runDir, config, reports, started, finished);
        if (failedStage != null) {
            doc.paragraph("**The run failed in stage " + failedStage + ":** " + error);
        }
        Fs.writeString(Fs.child(runDir, MARKDOWN), doc.markdown());
        Fs.writeString(Fs.child(runDir, HTML), doc.html());
    }

    static ReportDocument document(String runDir, Config config, List<StageReport> reports, Instant started,
                                   Instant finished) {
        Map<String, StageReport> byStage = new LinkedHashMap<>();
        reports.forEach(r -> byStage.put(r.stage(), r));
        ReportDocument doc = new ReportDocument("Run report: " + config.string("pipeline.name"));
        doc.paragraph("Started " + started + ", finished after " + seconds(Duration.between(started, finished))
                + " s. dlpipe " + BuildInfo.version() + " (" + BuildInfo.gitCommit() + "), data kind `"
                + config.string("pipeline.data-kind") + "`, Spark master `" + config.string("spark.master")
                + "`, CPU: " + cpu() + ". The effective configuration and every stage's metrics are in [run.json]("
                + RUN_JSON + "); each stage directory has a `_manifest.json` with its inputs' fingerprints, the"
                + " configuration it read and where each value came from.");

        doc.heading("Summary");
        doc.table(RunSummary.HEADER, reports.stream().map(r -> {
            List<String> row = new ArrayList<>(RunSummary.cells(r));
            row.set(0, "[" + r.stage() + "](" + r.stage() + "/)");
            return row;
        }).toList());
        String highlights = RunSummary.highlights(reports).trim();
        if (!highlights.isEmpty()) {
            doc.paragraph("**" + highlights + "**");
        }

        dataSection(doc, reports);
        StageReport train = byStage.get("train");
        if (train != null) {
            trainSections(doc, runDir, config, train);
        }
        evaluationSection(doc, runDir, config, byStage);
        String ensemble = Fs.child(Fs.child(runDir, "ensemble"), dev.dlpipe.ensemble.EnsembleStage.EVALUATION);
        if (byStage.containsKey("ensemble") && Fs.exists(ensemble)) {
            doc.heading("Ensemble");
            dev.dlpipe.ensemble.EnsembleStage.describe(doc, Json.readMap(Fs.readString(ensemble)), "ensemble/");
        }
        if (byStage.containsKey("compress")) {
            compressionSection(doc, runDir, byStage.get("compress"));
        }
        if (byStage.containsKey("export")) {
            exportSection(doc, byStage.get("export"), byStage.get("score"));
        }
        return doc;
    }

    private static void dataSection(ReportDocument doc, List<StageReport> reports) {
        List<List<String>> rows = new ArrayList<>();
        for (StageReport r : reports) {
            if (!r.counts().rowStage()) {
                continue;
            }
            long in = r.counts().in();
            r.counts().quarantined().forEach((reason, n) -> rows.add(List.of(r.stage(), "quarantined: `" + reason + "`",
                    String.valueOf(n), share(n, in), "[" + r.stage() + "/quarantine/](" + r.stage() + "/quarantine/)")));
            Map<String, Object> m = r.metrics();
            if (m.get("exact_duplicates") instanceof Number exact && m.get("near_duplicates") instanceof Number near) {
                for (Object[] d : new Object[][] {{"exact duplicate", exact}, {"near duplicate", near}}) {
                    long n = ((Number) d[1]).longValue();
                    if (n > 0) {
                        rows.add(List.of(r.stage(), "deduplicated: " + d[0], String.valueOf(n), share(n, in),
                                "[" + r.stage() + "/duplicates/](" + r.stage() + "/duplicates/)"));
                    }
                }
            } else if (r.counts().deduplicated() > 0) {
                rows.add(List.of(r.stage(), "deduplicated", String.valueOf(r.counts().deduplicated()),
                        share(r.counts().deduplicated(), in), ""));
            }
        }
        doc.heading("Data: where rows went");
        StringBuilder splits = new StringBuilder();
        for (StageReport r : reports) {
            if (r.metrics().get("rows_per_split") instanceof Map<?, ?> perSplit) {
                splits.append(r.stage()).append(" split the rows into ").append(perSplit).append(". ");
            }
        }
        if (rows.isEmpty()) {
            doc.paragraph(splits + "No row was quarantined or deduplicated.");
        } else {
            doc.paragraph(splits + "Every row that did not go on is kept with its reason, the original values beside it:");
            doc.table(List.of("stage", "reason", "rows:", "share of stage input:", "where"), rows);
        }
    }

    /** Model, settings and training curves. */
    private static void trainSections(ReportDocument doc, String runDir, Config config, StageReport train) {
        Map<String, Object> m = train.metrics();
        doc.heading("Model");
        doc.paragraph("`" + m.get("model") + "` with " + m.get("parameters") + " parameters, trained by "
                + m.get("trainer") + " on " + m.get("train_rows") + " rows. Model file: [train/" + TrainStage.MODEL
                + "](train/" + TrainStage.MODEL + ").");
        List<List<String>> settings = new ArrayList<>();
        for (String k : KEY_SETTINGS) {
            settings.add(List.of("`" + k + "`", String.valueOf(config.asMap().get(k)), config.origin(k)));
        }
        doc.table(List.of("setting", "value", "from"), settings);
        String published = "The published model is epoch " + m.get("published_epoch") + "'s of " + m.get("epochs")
                + " trained" + (Boolean.TRUE.equals(m.get("early_stopped")) ? " (early stopping kept the best epoch)" : "")
                + ".";
        doc.paragraph(m.get("published_epoch_note") != null ? "**Note:** " + m.get("published_epoch_note") + "."
                : published + (m.get("best_epoch") != null ? " It is also the best epoch on the validation split." : ""));

        doc.heading("Training curves");
        String metricsFile = Fs.child(Fs.child(runDir, "train"), "metrics.jsonl");
        List<Map<String, Object>> history = new ArrayList<>();
        if (Fs.exists(metricsFile)) {
            for (String line : Fs.readString(metricsFile).split("\n")) {
                if (!line.isBlank()) {
                    history.add(Json.readMap(line));
                }
            }
        }
        List<List<String>> epochs = new ArrayList<>();
        for (Map<String, Object> h : history) {
            epochs.add(List.of(str(h.get("epoch")), String.format(Locale.ROOT, "%.3g", ((Number) h.get("learning_rate"))
                    .doubleValue()), str(h.get("train_loss")), str(h.get("train_accuracy")), str(h.get("val_loss")),
                    str(h.get("val_accuracy")), str(h.get("samples_per_second"))));
        }
        doc.chart(HtmlChart.panels(TrainStage.curvePanels(history)),
                "Charts: [train/" + TrainStage.CURVE + "](train/" + TrainStage.CURVE + ") (also in [" + HTML + "]("
                        + HTML + ")).");
        doc.table(List.of("epoch:", "learning rate:", "train loss:", "train accuracy:", "val loss:", "val accuracy:",
                "samples/s:"), epochs);
        doc.paragraph("Train loss and accuracy are measured after each epoch on a fixed sample of up to "
                + TrainStage.TRAIN_CURVE_ROWS + " training rows, validation on the whole validation split;"
                + " one line per epoch in [train/metrics.jsonl](train/metrics.jsonl).");
    }

    private static void evaluationSection(ReportDocument doc, String runDir, Config config,
                                          Map<String, StageReport> byStage) {
        Map<String, Object> eval = null;
        String what = null;
        String scoreEval = Fs.child(Fs.child(runDir, "score"), ScoreStage.EVALUATION);
        String trainEval = Fs.child(Fs.child(runDir, "train"), "evaluation.json");
        if (byStage.containsKey("score") && Fs.exists(scoreEval)) {
            eval = Json.readMap(Fs.readString(scoreEval));
            what = "the exported model as scored (`export/" + byStage.get("score").metrics().get("model_file")
                    + "`), on every row of the test split; [score/" + ScoreStage.EVALUATION + "](score/"
                    + ScoreStage.EVALUATION + ")";
        } else if (byStage.containsKey("train") && Fs.exists(trainEval)) {
            Object test = Json.readMap(Fs.readString(trainEval)).get("test");
            if (test instanceof Map<?, ?> t) {
                @SuppressWarnings("unchecked")
                Map<String, Object> tm = (Map<String, Object>) t;
                eval = tm;
                what = "the trained model (`train/model.zip`); [train/evaluation.json](train/evaluation.json)";
            }
        }
        if (eval == null) {
            return;
        }
        List<?> perClass = (List<?>) eval.get("per_class");
        // the configured names, else the names clean found in the label column (labels.json), else the numbers
        String found = Fs.child(Fs.child(runDir, "clean"), dev.dlpipe.core.Labels.FILE);
        List<String> names = config.list(ClassNames.KEY).isEmpty() && Fs.exists(found)
                ? Json.readStrings(Fs.readString(found)) : ClassNames.of(config, perClass.size());
        doc.heading("Evaluation on the test split");
        doc.paragraph("Of " + what + ": accuracy **" + eval.get("accuracy") + "**, macro F1 " + eval.get("macro_f1")
                + " over " + eval.get("examples") + " rows.");
        List<List<String>> rows = new ArrayList<>();
        for (Object o : perClass) {
            Map<?, ?> c = (Map<?, ?>) o;
            int k = ((Number) c.get("class")).intValue();
            rows.add(List.of(String.valueOf(k), names.get(k), str(c.get("precision")), str(c.get("recall")),
                    str(c.get("f1")), str(c.get("support"))));
        }
        doc.table(List.of("class:", "name", "precision:", "recall:", "F1:", "rows:"), rows);
        List<?> confusion = (List<?>) eval.get("confusion_matrix");
        List<String> header = new ArrayList<>(List.of("actual \u2193 / predicted \u2192"));
        names.forEach(n -> header.add(n + ":"));
        List<List<String>> matrix = new ArrayList<>();
        for (int a = 0; a < confusion.size(); a++) {
            List<String> row = new ArrayList<>(List.of("**" + names.get(a) + "**"));
            for (Object v : (List<?>) confusion.get(a)) {
                row.add(str(v));
            }
            matrix.add(row);
        }
        doc.subheading("Confusion matrix");
        doc.table(header, matrix);
    }

    private static void compressionSection(ReportDocument doc, String runDir, StageReport compress) {
        String file = Fs.child(Fs.child(runDir, "compress"), "compression-report.json");
        if (!Fs.exists(file)) {
            return;
        }
        doc.heading("Compression");
        Map<String, Object> m = compress.metrics();
        doc.paragraph("Published variant: **" + m.get("compressed_variant") + "**, " + m.get("fp32_bytes") + " \u2192 "
                + m.get("compressed_bytes") + " bytes (" + m.get("size_ratio") + "\u00d7 smaller), test accuracy "
                + m.get("fp32_test_accuracy") + " \u2192 " + m.get("compressed_test_accuracy") + ". Details and per-layer"
                + " sparsity: [compress/compression-report.md](compress/compression-report.md).");
        if (m.get("serve_variant") != null) {
            doc.paragraph("Variant to serve: **" + m.get("serve_variant") + "** (" + m.get("serve_why") + ").");
        }
        List<List<String>> rows = new ArrayList<>();
        for (Object o : (List<?>) Json.readMap(Fs.readString(file)).get("variants")) {
            Map<?, ?> v = (Map<?, ?>) o;
            rows.add(List.of(str(v.get("variant")), str(v.get("parameters")), str(v.get("nonzero_parameters")),
                    str(v.get("file_bytes")), str(v.get("test_accuracy")), str(v.get("onnx_bytes")),
                    str(v.get("onnxruntime_latency_ms_1")), str(v.get("onnxruntime_latency_ms_256"))));
        }
        doc.table(List.of("variant", "parameters:", "non-zero:", "file bytes:", "test accuracy:", "ONNX bytes:",
                "ONNX Runtime ms, 1 row:", "ONNX Runtime ms, 256 rows:"), rows);
    }

    private static void exportSection(ReportDocument doc, StageReport export, StageReport score) {
        doc.heading("Export and scoring");
        List<List<String>> rows = new ArrayList<>();
        for (Object o : (List<?>) export.metrics().get("files")) {
            Map<?, ?> f = (Map<?, ?>) o;
            String name = str(f.get("file"));
            boolean scored = score != null && name.equals(score.metrics().get("model_file"));
            rows.add(List.of(str(f.get("format")), "[" + name + "](export/" + name + ")", str(f.get("bytes")),
                    scored ? "scored" : ""));
        }
        doc.table(List.of("format", "file", "bytes:", ""), rows);
        doc.paragraph("Input, output, classes and preprocessing: [export/export-manifest.json](export/export-manifest.json)"
                + " and [export/preprocessing.json](export/preprocessing.json).");
        if (score != null) {
            doc.paragraph("Scored `export/" + score.metrics().get("model_file") + "` (" + score.metrics().get("model_format")
                    + ") on " + score.metrics().get("scored_rows") + " test rows: accuracy " + score.metrics().get("accuracy")
                    + ", mean confidence " + score.metrics().get("mean_confidence") + ". Predictions (id, label, predicted,"
                    + " confidence): [score/predictions/](score/predictions/).");
        }
    }

    private static String share(long n, long of) {
        return of == 0 ? "" : String.format(Locale.ROOT, "%.2f%%", 100.0 * n / of);
    }

    private static String str(Object o) {
        return o == null ? "\u2013" : String.valueOf(o);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    /** The CPU model as the OS names it (benchmarks and reports say what they ran on). */
    public static String cpu() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim() + ", "
                            + Runtime.getRuntime().availableProcessors() + " cores";
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
