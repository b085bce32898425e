package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Feature columns inferred from the values, as pandas' read_csv would type them, in one aggregation over the table
 * (and a second over the columns that are not numbers):
 * a column is numeric when at least {@value #NUMERIC_SHARE} of its non-empty cells parse as numbers (the rest are
 * then quarantined as bad_value, not silently turned into categories); otherwise categorical, unless nearly every
 * row has its own value (a name, a free-text note, a second id), which one-hot encoding cannot use: such a column
 * is ignored and named in the manifest. An always-empty column is ignored too.
 */
record ColumnTypes(List<String> numeric, List<String> categorical, List<String> ignored) {

    static final double NUMERIC_SHARE = 0.95;
    /** A categorical column with more distinct values than this and than half the rows is an identifier, not a category. */
    static final int MAX_CATEGORIES = 1000;

    static ColumnTypes infer(Dataset<Row> rows, List<String> columns) {
        // pass 1: how many cells each column has and how many parse as numbers
        List<Column> aggs = new ArrayList<>();
        aggs.add(count(lit(1)));
        for (String c : columns) {
            Column cell = when(trim(col(c)).notEqual(""), col(c));
            aggs.add(count(cell));
            aggs.add(count(cell.cast("double")));
        }
        Row r = rows.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        long total = r.getLong(0);
        List<String> numeric = new ArrayList<>();
        List<String> other = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String c = columns.get(i);
            long present = r.getLong(1 + 2 * i);
            long numbers = r.getLong(2 + 2 * i);
            if (present == 0) {
                ignored.add(c + " (empty)");
            } else if (numbers >= NUMERIC_SHARE * present) {
                numeric.add(c);
            } else {
                other.add(c);
            }
        }
        // pass 2, only for the columns that are not numbers: categories, or an identifier / free text
        List<String> categorical = new ArrayList<>();
        if (!other.isEmpty()) {
            Column[] distinct = other.stream().map(c -> approx_count_distinct(when(trim(col(c)).notEqual(""), col(c))))
                    .toArray(Column[]::new);
            Row d = rows.agg(distinct[0], Arrays.copyOfRange(distinct, 1, distinct.length)).first();
            for (int i = 0; i < other.size(); i++) {
                long n = d.getLong(i);
                if (n > MAX_CATEGORIES || (n > 50 && n > 0.5 * total)) {
                    ignored.add(other.get(i) + " (" + n + " distinct values: an identifier or free text, not a category)");
                } else {
                    categorical.add(other.get(i));
                }
            }
        }
        return new ColumnTypes(List.copyOf(numeric), List.copyOf(categorical), List.copyOf(ignored));
    }
}
