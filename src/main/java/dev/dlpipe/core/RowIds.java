package dev.dlpipe.core;

import static org.apache.spark.sql.functions.*;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * A stable id for rows of data that has no id column: the first 16 hex digits of the SHA-256 of the row's cells,
 * then the row's ordinal among rows with the same content ("3f2a...-1"). Reruns on the same files give the same ids,
 * so the seeded split and augmentation stay deterministic; an edited row gets a new id and nothing else moves.
 */
public final class RowIds {

    private RowIds() {
    }

    /** {@code rows} with {@code idColumn} added, computed from {@code columns} (nulls and empty cells kept apart). */
    public static Dataset<Row> derive(Dataset<Row> rows, List<String> columns, String idColumn) {
        // NUL marks a null cell and the unit separator joins cells: "a,b" and "a b" or null and "" never collide
        Column[] cells = columns.stream().map(c -> coalesce(col(c), lit("\u0000"))).toArray(Column[]::new);
        String hash = idColumn + "_hash";
        String order = idColumn + "_order";
        Dataset<Row> hashed = rows.withColumn(hash, substring(sha2(concat_ws("\u001f", cells), 256), 1, 16))
                .withColumn(order, monotonically_increasing_id());
        return hashed.withColumn(idColumn, concat(col(hash), lit("-"),
                        row_number().over(Window.partitionBy(hash).orderBy(order)).cast("string")))
                .drop(hash, order);
    }
}
