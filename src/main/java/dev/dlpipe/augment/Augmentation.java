package dev.dlpipe.augment;

import static org.apache.spark.sql.functions.col;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * What every augment stage does, whatever the data kind: read the clean output's {@code data/}, let a function
 * make the copies of each training row, write originals plus copies, and check that exactly the expected number
 * of copies was written. Validation and test rows pass through untouched.
 */
public final class Augmentation {

    private Augmentation() {
    }

    /** Columns a stage adds to steer its copies (e.g. a rank); they are dropped before anything is written. */
    public static final String HELPER_PREFIX = "_aug_";

    public static Dataset<Row> input(StageContext ctx) {
        return ctx.spark().read().parquet(Fs.child(ctx.input(0), "data"));
    }

    public static Dataset<Row> training(Dataset<Row> data) {
        return data.filter(col("split").equalTo(Splits.TRAIN));
    }

    public static StageResult run(StageContext ctx, Dataset<Row> data, FlatMapFunction<Row, Row> copies,
                                  long expectedCopies, Map<String, Object> extraMetrics) {
        Dataset<Row> generated = training(data).flatMap(copies, Encoders.row(data.schema()));
        Dataset<Row> all = data.unionByName(generated);
        for (String helper : data.columns()) {
            if (helper.startsWith(HELPER_PREFIX)) {
                all = all.drop(helper);
            }
        }
        all.write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("data"));
        long in = data.count();
        long out = ctx.spark().read().parquet(ctx.out("data")).count();
        if (out - in != expectedCopies) {
            throw new IllegalStateException("augment wrote " + (out - in) + " copies, expected " + expectedCopies);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("train_rows", training(data).count());
        metrics.put("augmented_rows", out - in);
        metrics.putAll(extraMetrics);
        return StageResult.of(Counts.rowsWithGenerated(in, out - in, out, Map.of()), metrics,
                "+" + (out - in) + " augmented training rows");
    }

    /** A copy of {@code row} with some fields replaced (by name). */
    public static Row with(Row row, Map<String, Object> replacements) {
        Object[] values = new Object[row.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = row.get(i);
        }
        replacements.forEach((name, value) -> values[row.fieldIndex(name)] = value);
        return org.apache.spark.sql.RowFactory.create(values);
    }
}
