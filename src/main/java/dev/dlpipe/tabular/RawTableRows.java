package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.core.RowIds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * New raw CSV rows turned into the feature vectors a table model takes, by exactly the statistics it was trained
 * with (the export's stats.json): the same type checks, fills, clip or drop, scaling, encoding and PCA as clean.
 * Rows it cannot turn into features keep a quarantine reason. Output: id (the id column, else derived from the
 * row), label (as written, null without a label column), features, reason, detail.
 */
public final class RawTableRows {

    private static final String PRE_REASON = "_pre_reason";
    private static final String PRE_DETAIL = "_pre_detail";
    private static final String LABEL_NAME = "_label_name";

    private RawTableRows() {
    }

    /** Whether {@code input} is a CSV (the raw form of a table). */
    public static boolean isCsv(String input) {
        String first = dev.dlpipe.core.Fs.firstDataFile(input);
        return first != null && (first.toLowerCase(java.util.Locale.ROOT).endsWith(".csv")
                || first.toLowerCase(java.util.Locale.ROOT).endsWith(".csv.gz"));
    }

    public static Dataset<Row> features(SparkSession spark, String csv, TabularStats stats, Config config) {
        List<String> header = Arrays.asList(spark.read().option("header", "true").csv(csv).columns());
        List<String> missing = new ArrayList<>();
        stats.numeric().keySet().stream().filter(c -> !header.contains(c)).forEach(missing::add);
        stats.categorical().keySet().stream().filter(c -> !header.contains(c)).forEach(missing::add);
        if (!missing.isEmpty()) {
            throw new UserError(csv + ": the model was trained on columns this file lacks: " + missing
                    + "; the header has " + header);
        }
        Dataset<Row> raw = CleanTabularStage.readCsv(spark, csv, header);
        String id = config.string("clean.tabular.id-column");
        String idColumn = !id.isEmpty() && header.contains(id) ? id : CleanTabularStage.DERIVED_ID;
        if (idColumn.equals(CleanTabularStage.DERIVED_ID)) {
            raw = RowIds.derive(raw, header, CleanTabularStage.DERIVED_ID);
        }
        String label = config.string("clean.tabular.label-column");
        // the checks clean makes before its statistics, as one CASE each for reason and detail
        Column reason = when(col(CleanTabularStage.CORRUPT).isNotNull(), lit("malformed_row"));
        Column detail = when(col(CleanTabularStage.CORRUPT).isNotNull(), col(CleanTabularStage.CORRUPT));
        Column[] withNumbers = CleanTabularStage.numberChecks(reason, detail, stats.numeric().keySet());
        reason = withNumbers[0];
        detail = withNumbers[1];
        List<Column> typed = new ArrayList<>(List.of(col(idColumn).as("id"), lit(null).cast("int").as("label"),
                lit("score").as("split"), (header.contains(label) ? col(label) : lit(null).cast("string")).as(LABEL_NAME),
                reason.as(PRE_REASON), detail.as(PRE_DETAIL)));
        stats.numeric().keySet().forEach(c -> typed.add(col(c).cast("double").as(c)));
        stats.categorical().keySet().forEach(c -> typed.add(col(c)));
        Dataset<Row> applied = CleanTabularStage.apply(raw.select(typed.toArray(Column[]::new)), stats,
                List.of(LABEL_NAME, PRE_REASON, PRE_DETAIL));
        if (stats.pca() != null) {
            applied = applied.withColumn("features", CleanTabularStage.project(stats.pca()));
        }
        return applied.select(col("id"), col(LABEL_NAME).as("label"), col("features"),
                coalesce(col(PRE_REASON), col(Quarantine.REASON)).as(Quarantine.REASON),
                when(col(PRE_REASON).isNotNull(), col(PRE_DETAIL)).otherwise(col(Quarantine.DETAIL)).as(Quarantine.DETAIL));
    }
}
