package dev.dlpipe.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a stage reports back: its row accounting and its metrics (accuracy, sizes, ...). */
public record StageResult(Counts counts, Map<String, Object> metrics) {

    public StageResult {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    public static StageResult of(Counts counts, Map<String, Object> metrics) {
        return new StageResult(counts, metrics);
    }
}
