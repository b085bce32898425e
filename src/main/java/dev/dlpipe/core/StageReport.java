package dev.dlpipe.core;

import java.util.Map;

/** A finished stage as the pipeline summary shows it. */
public record StageReport(String stage, String output, Counts counts, Map<String, Object> metrics, String summary,
                          double wallSeconds) {
}
