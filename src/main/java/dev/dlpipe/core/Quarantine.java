package dev.dlpipe.core;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * The quarantine output shared by all stages: rejected rows, each with a {@code reason} code, a {@code detail}
 * and its original content, written as Parquet under {@code quarantine/} of the stage output.
 */
public final class Quarantine {

    public static final String DIR = "quarantine";
    public static final String REASON = "reason";
    public static final String DETAIL = "detail";

    private Quarantine() {
    }

    /** Counts rows per non-null reason; the counts reconcile the stage and go into its manifest. */
    public static Map<String, Long> countByReason(Dataset<Row> withReason) {
        Map<String, Long> counts = new LinkedHashMap<>();
        List<Row> rows = withReason.filter(col(REASON).isNotNull()).groupBy(REASON).count().collectAsList();
        for (Row r : rows) {
            counts.put(r.getString(0), r.getLong(1));
        }
        return counts;
    }

    /** Writes rejected rows (those with a reason) below the stage output, if there are any. */
    public static void write(StageContext ctx, Dataset<Row> rejected, Map<String, Long> counts) {
        if (counts.values().stream().mapToLong(Long::longValue).sum() > 0) {
            rejected.write().mode(SaveMode.ErrorIfExists).parquet(ctx.out(DIR));
        }
    }

    /**
     * Rows whose id another row has too. They are kept (only the user knows which is right), but ids key the split
     * and every augmentation draw, so the count goes into the manifest and the log says it with an example.
     */
    public static long duplicateIds(Dataset<Row> kept, String stage) {
        Dataset<Row> dups = kept.groupBy("id").count().filter(org.apache.spark.sql.functions.col("count").gt(1));
        Row sum = dups.agg(org.apache.spark.sql.functions.sum("count"), org.apache.spark.sql.functions.first("id"))
                .first();
        long rows = sum.isNullAt(0) ? 0 : sum.getLong(0);
        if (rows > 0) {
            org.slf4j.LoggerFactory.getLogger(Quarantine.class).warn("[{}] {} rows share their id with another row "
                    + "(e.g. '{}'): ids should be unique, they decide the split and the augmentation draws", stage, rows,
                    sum.get(1));
        }
        return rows;
    }
}
