package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.UserError;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables the project did not write (scikit-learn's breast-cancer and wine data, written as CSV by
 * src/test/resources/byod/make_byod_fixtures.py): no id column, a split column of the user's, label names, blank
 * cells, unit slips and a short row; only the label column is configured.
 */
class ForeignTablesTest {

    static final Path BYOD = dev.dlpipe.ByodFixtures.DIR;

    @TempDir
    Path dir;

    private StageReport clean(String csv, String out, String... settings) {
        return StageRunner.run(new CleanTabularStage(), TestSpark.session(), TestSpark.config(settings),
                List.of(BYOD.resolve(csv).toString()), dir.resolve(out).toString());
    }

    /** 30 numeric columns with every drop policy on: the quarantine expression used to grow exponentially. */
    @Test
    void thirtyColumnsWithDropPoliciesKeepTheUsersSplitAndDeriveIds() throws Exception {
        long t0 = System.nanoTime();
        StageReport r = clean("cancer.csv", "drop", "pipeline.data-kind=tabular", "clean.tabular.label-column=diagnosis",
                "clean.tabular.numeric-nulls=drop", "clean.tabular.outlier-action=drop");
        System.out.printf("cancer.csv, 30 numeric columns, drop policies: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(569, r.counts().in());
        assertEquals(30, ((List<?>) r.metrics().get("numeric_columns")).size(), r.metrics().toString());
        assertEquals(1L, r.counts().quarantined().get("malformed_row"), "the short row: " + r.counts().toMap());
        assertTrue(r.counts().quarantined().get("null_value") > 0 && r.counts().quarantined().get("outlier") > 0,
                r.counts().toMap().toString());

        Dataset<Row> data = TestSpark.session().read().parquet(dir.resolve("drop/data").toString());
        Map<?, ?> perSplit = (Map<?, ?>) r.metrics().get("rows_per_split");
        assertEquals(java.util.Set.of("train", "test"), perSplit.keySet(), "the user's split, no validation invented");
        assertEquals("kept from column split", r.metrics().get("split"));
        assertEquals(data.count(), data.select("id").distinct().count(), "derived ids are unique");
        assertTrue(data.first().getString(data.first().fieldIndex("id")).matches("[0-9a-f]{16}-\\d+"));
        assertEquals(Map.of("benign", 1, "malignant", 0).keySet().size(), data.select("label").distinct().count());

        // a rerun derives the same ids
        clean("cancer.csv", "drop-again", "pipeline.data-kind=tabular", "clean.tabular.label-column=diagnosis",
                "clean.tabular.numeric-nulls=drop", "clean.tabular.outlier-action=drop");
        Dataset<Row> again = TestSpark.session().read().parquet(dir.resolve("drop-again/data").toString());
        assertEquals(0, data.select("id", "split").except(again.select("id", "split")).count());
    }

    @Test
    void imputedAndClippedCellsAreCountedPerColumn() {
        StageReport r = clean("cancer.csv", "fill", "clean.tabular.label-column=diagnosis");
        long imputed = ((Number) r.metrics().get("cells_imputed")).longValue();
        long clipped = ((Number) r.metrics().get("cells_clipped")).longValue();
        assertTrue(imputed > 0 && clipped > 0, r.metrics().toString());
        Map<?, ?> byColumn = (Map<?, ?>) r.metrics().get("cells_imputed_by_column");
        assertEquals(imputed, byColumn.values().stream().mapToLong(v -> ((Number) v).longValue()).sum());
        long blanks = TestSpark.session().read().option("header", "true").csv(BYOD.resolve("cancer.csv").toString())
                .filter(col("diagnosis").isNotNull()).where(String.join(" OR ", List.of("mean_radius IS NULL",
                        "mean_texture IS NULL"))).count();
        assertTrue(imputed >= blanks, imputed + " imputed cells, " + blanks + " blank cells in two of the columns");
    }

    @Test
    void noSplitColumnMeansTheSeededSplit() {
        StageReport r = clean("wine.csv", "wine", "clean.tabular.label-column=class");
        assertEquals(178, r.counts().out());
        assertEquals(13, ((List<?>) r.metrics().get("numeric_columns")).size());
        assertEquals(java.util.Set.of("train", "validation", "test"), ((Map<?, ?>) r.metrics().get("rows_per_split")).keySet());
    }

    @Test
    void everyMissingColumnInOneMessageBeforeSpark() throws Exception {
        UserError e = assertThrows(UserError.class, () -> new CleanTabularStage().preflight(TestSpark.config(
                "clean.tabular.label-column=churned", "clean.tabular.id-column=customer",
                "clean.tabular.numeric-columns=age,mean_radius"), List.of(BYOD.resolve("cancer.csv").toString())));
        String m = e.getMessage();
        assertTrue(m.contains("clean.tabular.id-column 'customer'") && m.contains("clean.tabular.label-column 'churned'")
                && m.contains("numeric-columns entry 'age'") && !m.contains("entry 'mean_radius'"), m);
        assertFalse(m.contains("\n"), "one line");
        assertTrue(Files.isRegularFile(BYOD.resolve("cancer.csv")));
    }
}
