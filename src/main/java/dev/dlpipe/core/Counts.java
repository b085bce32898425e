package dev.dlpipe.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Row accounting for a stage. Every input row ends in exactly one place, so
 * {@code in + generated == out + quarantined + deduplicated} must hold; {@link #reconcile} fails the stage loudly
 * when it does not. Stages that do not map rows to rows (train, export) use {@link #notApplicable()}.
 */
public record Counts(long in, long generated, long out, Map<String, Long> quarantined, long deduplicated,
                     boolean rowStage) {

    public Counts {
        quarantined = Map.copyOf(new TreeMap<>(quarantined));
    }

    public static Counts rows(long in, long out, Map<String, Long> quarantined, long deduplicated) {
        return new Counts(in, 0, out, quarantined, deduplicated, true);
    }

    public static Counts rowsWithGenerated(long in, long generated, long out, Map<String, Long> quarantined) {
        return new Counts(in, generated, out, quarantined, 0, true);
    }

    public static Counts notApplicable() {
        return new Counts(0, 0, 0, Map.of(), 0, false);
    }

    public long quarantinedTotal() {
        return quarantined.values().stream().mapToLong(Long::longValue).sum();
    }

    public void reconcile(String stage) {
        if (rowStage && in + generated != out + quarantinedTotal() + deduplicated) {
            throw new IllegalStateException("stage " + stage + " lost rows: in " + in + " + generated " + generated
                    + " != out " + out + " + quarantined " + quarantinedTotal() + " + deduplicated " + deduplicated);
        }
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!rowStage) {
            return m;
        }
        m.put("in", in);
        if (generated > 0) {
            m.put("generated", generated);
        }
        m.put("out", out);
        m.put("quarantined", quarantinedTotal());
        m.put("quarantined_by_reason", new TreeMap<>(quarantined));
        m.put("deduplicated", deduplicated);
        return m;
    }

    /** The inverse of {@link #toMap()} (an empty map is a stage without row accounting). */
    public static Counts fromMap(Map<String, Object> m) {
        if (m == null || m.isEmpty()) {
            return notApplicable();
        }
        Map<String, Long> quarantined = new TreeMap<>();
        if (m.get("quarantined_by_reason") instanceof Map<?, ?> q) {
            q.forEach((k, v) -> quarantined.put(String.valueOf(k), ((Number) v).longValue()));
        }
        return new Counts(number(m.get("in")), number(m.get("generated")), number(m.get("out")), quarantined,
                number(m.get("deduplicated")), true);
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
