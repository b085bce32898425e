package dev.dlpipe.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a stage reports back: its row accounting, its metrics (accuracy, sizes, ... for the manifest) and the one-line
 * summary a person reads in the run table, which the stage writes from its own values.
 */
public record StageResult(Counts counts, Map<String, Object> metrics, String summary) {

    public StageResult {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    public static StageResult of(Counts counts, Map<String, Object> metrics, String summary) {
        return new StageResult(counts, metrics, summary);
    }
}
