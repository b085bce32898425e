package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * How many cells the fitted statistics changed, per column: nulls filled (imputed) and values clipped to the
 * outlier bounds. A 1.5-IQR clip quietly changed 4% of a real medical table's cells; these counts put that in the
 * manifest. One aggregation over the typed rows, two sums per column.
 */
record CellEdits(long rows, Map<String, Long> imputed, Map<String, Long> clipped) {

    static CellEdits count(Dataset<Row> typed, TabularStats stats) {
        List<Column> aggs = new ArrayList<>();
        List<String> imputedColumns = new ArrayList<>();
        List<String> clippedColumns = new ArrayList<>();
        aggs.add(functions.count(lit(1)));
        stats.numeric().forEach((c, n) -> {
            if (n.fill() != null) {
                imputedColumns.add(c);
                aggs.add(sum(when(col(c).isNull(), 1L).otherwise(0L)));
            }
        });
        stats.categorical().forEach((c, cat) -> {
            if (cat.fill() != null) {
                imputedColumns.add(c);
                aggs.add(sum(when(col(c).isNull(), 1L).otherwise(0L)));
            }
        });
        if (!"drop".equals(stats.outlierAction())) {
            stats.numeric().forEach((c, n) -> {
                if (n.lo() != null) {
                    clippedColumns.add(c);
                    Column x = n.fill() == null ? col(c) : coalesce(col(c), lit(n.fill()));
                    aggs.add(sum(when(x.lt(n.lo()).or(x.gt(n.hi())), 1L).otherwise(0L)));
                }
            });
        }
        Row r = typed.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        Map<String, Long> imputed = new LinkedHashMap<>();
        Map<String, Long> clipped = new LinkedHashMap<>();
        int i = 1;
        for (String c : imputedColumns) {
            long n = r.isNullAt(i) ? 0 : r.getLong(i);
            i++;
            if (n > 0) {
                imputed.put(c, n);
            }
        }
        for (String c : clippedColumns) {
            long n = r.isNullAt(i) ? 0 : r.getLong(i);
            i++;
            if (n > 0) {
                clipped.put(c, n);
            }
        }
        return new CellEdits(r.getLong(0), imputed, clipped);
    }

    /** Per-column counts (columns with none left out) and totals with their share of the cells. */
    Map<String, Object> toMetrics() {
        Map<String, Object> m = new LinkedHashMap<>();
        long imputedTotal = imputed.values().stream().mapToLong(Long::longValue).sum();
        long clippedTotal = clipped.values().stream().mapToLong(Long::longValue).sum();
        m.put("cells_imputed", imputedTotal);
        m.put("cells_imputed_by_column", imputed);
        m.put("cells_clipped", clippedTotal);
        m.put("cells_clipped_by_column", clipped);
        m.put("rows_checked", rows);
        return m;
    }
}
