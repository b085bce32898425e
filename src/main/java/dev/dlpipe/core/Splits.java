package dev.dlpipe.core;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.sql.Column;

/**
 * Deterministic train / validation / test assignment from a row key, with Spark built-ins only: a seeded 64-bit
 * hash of the key picks a bucket of 10,000, so the split depends on (seed, key) alone, not on partitioning.
 */
public final class Splits {

    public static final String TRAIN = "train";
    public static final String VALIDATION = "validation";
    public static final String TEST = "test";
    public static final String[] ALL = {TRAIN, VALIDATION, TEST};
    private static final int BUCKETS = 10_000;

    private Splits() {
    }

    /** Rows per split of a written dataset (sorted by split name): what a stage reports and reconciles. */
    public static java.util.Map<String, Long> count(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> written) {
        java.util.Map<String, Long> perSplit = new java.util.LinkedHashMap<>();
        for (org.apache.spark.sql.Row r : written.groupBy("split").count().orderBy("split").collectAsList()) {
            perSplit.put(r.getString(0), r.getLong(1));
        }
        return perSplit;
    }

    /** Values of a user's split column understood without configuration (compared trimmed, lower-cased). */
    public static final java.util.Map<String, String> SYNONYMS = java.util.Map.ofEntries(
            java.util.Map.entry("train", TRAIN), java.util.Map.entry("training", TRAIN),
            java.util.Map.entry("validation", VALIDATION), java.util.Map.entry("valid", VALIDATION),
            java.util.Map.entry("val", VALIDATION), java.util.Map.entry("dev", VALIDATION),
            java.util.Map.entry("test", TEST), java.util.Map.entry("testing", TEST), java.util.Map.entry("holdout", TEST));

    /**
     * The user's own split, kept as given: a column's values mapped to train / validation / test through
     * {@code extra} (from {@code split.values}, which wins) and {@link #SYNONYMS}; null for a value neither knows,
     * which the stage quarantines as bad_split. One CASE expression, whatever the number of values.
     */
    public static Column given(Column value, java.util.Map<String, String> extra) {
        java.util.Map<String, String> all = new java.util.TreeMap<>(SYNONYMS);
        extra.forEach((k, v) -> all.put(k.trim().toLowerCase(java.util.Locale.ROOT), v));
        Column v = lower(trim(value));
        Column out = null;
        for (java.util.Map.Entry<String, String> e : all.entrySet()) {
            out = out == null ? when(v.equalTo(e.getKey()), lit(e.getValue()))
                    : out.when(v.equalTo(e.getKey()), lit(e.getValue()));
        }
        return out;
    }

    /** The split.values entries that do not name a split: one message for all of them. */
    public static void checkValues(java.util.Map<String, String> extra) {
        java.util.List<String> bad = extra.entrySet().stream()
                .filter(e -> !java.util.List.of(ALL).contains(e.getValue())).map(e -> e.getKey() + ": " + e.getValue())
                .toList();
        if (!bad.isEmpty()) {
            throw new dev.dlpipe.UserError("config key 'split.values' maps to " + bad + "; each value must be one of "
                    + java.util.List.of(ALL));
        }
    }

    public static Column assign(Column key, long seed, double validation, double test) {
        Column bucket = pmod(xxhash64(lit(seed), key), lit(BUCKETS));
        return when(bucket.lt(Math.round(test * BUCKETS)), lit(TEST))
                .when(bucket.lt(Math.round((test + validation) * BUCKETS)), lit(VALIDATION))
                .otherwise(lit(TRAIN));
    }
}
