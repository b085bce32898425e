package dev.dlpipe.pipeline;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.StageReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The summary a person reads after a run: rows per stage, wall time, and the headline metrics. */
public final class RunSummary {

    /** Column names; a trailing colon marks a numeric (right-aligned) column. */
    static final List<String> HEADER = List.of("stage", "rows in:", "rows out:", "quarantined:", "deduplicated:",
            "wall s:", "key metrics");

    private RunSummary() {
    }

    public static String table(List<StageReport> reports) {
        StringBuilder sb = new StringBuilder("|");
        StringBuilder rule = new StringBuilder("|");
        for (String h : HEADER) {
            boolean numeric = h.endsWith(":");
            sb.append(' ').append(numeric ? h.substring(0, h.length() - 1) : h).append(" |");
            rule.append(numeric ? "---:|" : "---|");
        }
        sb.append('\n').append(rule).append('\n');
        double total = 0;
        for (StageReport r : reports) {
            total += r.wallSeconds();
            sb.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
        sb.append(String.format(Locale.ROOT, "| **total** | | | | | %.1f | |%n", total));
        return sb.toString();
    }

    /** One stage's cells, in {@link #HEADER} order. */
    static List<String> cells(StageReport r) {
        boolean rows = r.counts().rowStage();
        return List.of(r.stage(), rows ? String.valueOf(r.counts().in()) : "", rows ? String.valueOf(r.counts().out()) : "",
                rows ? String.valueOf(r.counts().quarantinedTotal()) : "",
                rows ? String.valueOf(r.counts().deduplicated()) : "",
                String.format(Locale.ROOT, "%.1f", r.wallSeconds()), r.summary());
    }

    public static String highlights(List<StageReport> reports) {
        StringBuilder sb = new StringBuilder();
        for (StageReport r : reports) {
            if (r.stage().equals("score") && r.metrics().get("accuracy") != null) {
                sb.append("Test accuracy of the exported model: ").append(r.metrics().get("accuracy")).append('\n');
            }
            if (r.stage().equals("train") && r.metrics().get("baseline_tfidf_logreg") instanceof Map<?, ?> b) {
                sb.append("Baseline on the same ").append(b.get("evaluated_on")).append(" split, Spark MLlib TF-IDF +"
                        + " logistic regression: ").append(b.get(b.get("evaluated_on") + "_accuracy")).append('\n');
            }
        }
        return sb.toString();
    }

    /** A finished run's summary again: the table, the headline, and which code on which CPU produced it. */
    public static String ofRunJson(Map<String, Object> run) {
        List<StageReport> reports = fromRunJson(run);
        return table(reports) + highlights(reports) + "Run of dlpipe " + run.get("dlpipe_version") + " ("
                + run.get("git_commit") + ") on " + run.get("cpu") + ", started " + run.get("started_at") + ".\n";
    }

    /** The stage reports a run.json holds, to show a past run's summary again. */
    @SuppressWarnings("unchecked")
    public static List<StageReport> fromRunJson(Map<String, Object> run) {
        List<StageReport> reports = new ArrayList<>();
        for (Object o : (List<?>) run.get("stages")) {
            Map<String, Object> s = (Map<String, Object>) o;
            reports.add(new StageReport(String.valueOf(s.get("stage")), String.valueOf(s.get("output")),
                    Counts.fromMap((Map<String, Object>) s.get("counts")), (Map<String, Object>) s.get("metrics"),
                    String.valueOf(s.get("summary")), ((Number) s.get("wall_seconds")).doubleValue()));
        }
        return reports;
    }
}
