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

    public static Column assign(Column key, long seed, double validation, double test) {
        Column bucket = pmod(xxhash64(lit(seed), key), lit(BUCKETS));
        return when(bucket.lt(Math.round(test * BUCKETS)), lit(TEST))
                .when(bucket.lt(Math.round((test + validation) * BUCKETS)), lit(VALIDATION))
                .otherwise(lit(TRAIN));
    }
}
