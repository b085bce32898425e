package dev.dlpipe.pipeline;

import dev.dlpipe.core.StageReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The summary a person reads after a run: rows per stage, wall time, and the headline metrics. */
public final class RunSummary {

    private RunSummary() {
    }

    public static String table(List<StageReport> reports) {
        StringBuilder sb = new StringBuilder(
                "| stage | rows in | rows out | quarantined | wall s | key metrics |\n|---|---:|---:|---:|---:|---|\n");
        double total = 0;
        for (StageReport r : reports) {
            total += r.wallSeconds();
            boolean rows = r.counts().rowStage();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.1f | %s |%n", r.stage(),
                    rows ? r.counts().in() : "", rows ? r.counts().out() : "",
                    rows ? r.counts().quarantinedTotal() : "", r.wallSeconds(), keyMetrics(r)));
        }
        sb.append(String.format(Locale.ROOT, "| **total** | | | | %.1f | |%n", total));
        return sb.toString();
    }

    static String keyMetrics(StageReport r) {
        Map<String, Object> m = r.metrics();
        switch (r.stage()) {
            case "clean": return "splits " + m.get("rows_per_split") + (m.containsKey("num_classes")
                    ? ", " + m.get("num_classes") + " classes" : m.containsKey("labels") ? ", labels " + m.get("labels")
                    : ", " + m.get("features") + " features");
            case "augment": return "+" + m.get("augmented_rows") + " augmented training rows";
            case "pack": return "features " + m.get("features_shape");
            case "train": return String.format(Locale.ROOT, "val acc %s, test acc %s, %s samples/s", m.get("val_accuracy"),
                    m.get("test_accuracy"), m.get("samples_per_second_last_epoch"));
            case "compress": return String.format(Locale.ROOT, "%s -> %s bytes (%sx, %s), test acc %s -> %s",
                    m.get("fp32_bytes"), m.get("compressed_bytes"), m.get("size_ratio"), m.get("compressed_variant"),
                    m.get("fp32_test_accuracy"), m.get("compressed_test_accuracy"));
            case "export": return String.valueOf(m.get("files"));
            case "score": return "accuracy " + m.get("accuracy") + " on " + m.get("scored_rows") + " rows";
            default: return String.valueOf(m);
        }
    }

    public static String highlights(List<StageReport> reports) {
        StringBuilder sb = new StringBuilder();
        for (StageReport r : reports) {
            if (r.stage().equals("score") && r.metrics().get("accuracy") != null) {
                sb.append("Test accuracy of the exported model: ").append(r.metrics().get("accuracy")).append('\n');
            }
        }
        return sb.toString();
    }
}
