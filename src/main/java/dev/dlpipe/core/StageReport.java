package dev.dlpipe.core;

import java.util.Map;

/** A finished stage as the pipeline summary shows it. */
public record StageReport(String stage, String output, Counts counts, Map<String, Object> metrics, String summary,
                          double wallSeconds) {

    /** The report a published output's {@code _manifest.json} records (its stage's own counts, metrics and time). */
    @SuppressWarnings("unchecked")
    public static StageReport fromManifest(String output, Map<String, Object> manifest) {
        Map<String, Object> metrics = manifest.get("metrics") instanceof Map<?, ?> m
                ? new java.util.LinkedHashMap<>((Map<String, Object>) m) : new java.util.LinkedHashMap<>();
        Object wall = manifest.get("wall_seconds");
        return new StageReport(String.valueOf(manifest.get("stage")), Fs.qualify(output),
                Counts.fromMap((Map<String, Object>) manifest.get("counts")), metrics,
                manifest.get("summary") == null ? "" : String.valueOf(manifest.get("summary")),
                wall instanceof Number n ? n.doubleValue() : 0.0);
    }
}
