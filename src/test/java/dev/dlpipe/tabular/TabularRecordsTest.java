package dev.dlpipe.tabular;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.core.StageRunner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single-record transform the server applies equals the Spark one score applies, row by row, on the sample
 * customer table (categories with accents, empty cells, outliers): the same features to float precision (one-hot
 * and PCA included) and the same quarantine reason for every row that cannot be scored.
 */
class TabularRecordsTest {

    static final Path CSV = Path.of(System.getProperty("dlpipe.project.dir", "."), "sample-data/tabular/customers.csv");

    @TempDir
    Path dir;

    @Test
    void oneRecordAtATimeGivesWhatSparkGivesForTheWholeFile() throws Exception {
        Config config = TestSpark.config("pipeline.data-kind=tabular", "clean.tabular.id-column=id",
                "clean.tabular.label-column=churned", "clean.tabular.pca-components=4",
                "clean.tabular.outlier-action=drop", "clean.tabular.numeric-nulls=drop");
        String clean = dir.resolve("clean").toString();
        StageRunner.run(new CleanTabularStage(), TestSpark.session(), config, List.of(CSV.toString()), clean);
        TabularStats stats = TabularStats.readFrom(clean);
        assertNotNull(stats.pca());
        assertFalse(stats.categorical().isEmpty());

        Map<String, Row> bySpark = new HashMap<>();
        for (Row r : RawTableRows.features(TestSpark.session(), CSV.toString(), stats, config).collectAsList()) {
            bySpark.put(r.getString(0), r);
        }
        List<Row> raw = TestSpark.session().read().option("header", "true").csv(CSV.toString()).collectAsList();
        int scored = 0;
        int rejected = 0;
        int malformed = 0;
        for (Row r : raw) {
            Map<String, Object> record = new HashMap<>();
            for (String c : r.schema().fieldNames()) {
                record.put(c, r.getAs(c));
            }
            Row expected = bySpark.get(r.<String>getAs("id"));
            assertNotNull(expected, "Spark scored id " + r.getAs("id"));
            String reason = expected.getString(expected.fieldIndex(Quarantine.REASON));
            if ("malformed_row".equals(reason)) { // a CSV line's own fault (too few or many fields): no record has one
                malformed++;
                continue;
            }
            try {
                float[] f = TabularRecords.features(record, stats);
                assertNull(reason, r.getAs("id") + ": Spark rejected it (" + reason + "), the record path did not");
                List<?> want = expected.getList(expected.fieldIndex("features"));
                assertEquals(want.size(), f.length);
                for (int i = 0; i < f.length; i++) {
                    assertEquals(((Number) want.get(i)).floatValue(), f[i], 1e-5, r.getAs("id") + " feature " + i);
                }
                scored++;
            } catch (TabularRecords.Rejected e) {
                assertEquals(reason, e.reason, r.getAs("id") + ": " + e.getMessage());
                rejected++;
            }
        }
        assertTrue(scored > 2000 && rejected > 100, scored + " scored, " + rejected + " rejected, " + malformed
                + " malformed lines");
    }

    @Test
    void aMissingColumnAndATextNumberAreNamed() throws Exception {
        TabularStats stats = new TabularStats(new java.util.LinkedHashMap<>(Map.of("age",
                new TabularStats.Numeric(40.0, null, null, 40.0, 10.0))), new java.util.LinkedHashMap<>(), "onehot",
                "clip", List.of("age"), null);
        TabularRecords.Rejected missing = assertThrows(TabularRecords.Rejected.class,
                () -> TabularRecords.features(Map.of("agee", 3), stats));
        assertEquals("age", missing.column);
        TabularRecords.Rejected text = assertThrows(TabularRecords.Rejected.class,
                () -> TabularRecords.features(Map.of("age", "forty"), stats));
        assertEquals("bad_value", text.reason);
        assertArrayEquals(new float[] {1.5f}, TabularRecords.features(Map.of("age", " 55 "), stats), 1e-6f);
        Map<String, Object> nullAge = new HashMap<>();
        nullAge.put("age", null);
        assertArrayEquals(new float[] {0f}, TabularRecords.features(nullAge, stats), 1e-6f, "filled with 40");
        assertArrayEquals(new float[] {0f}, TabularRecords.features(Map.of("age", ""), stats), 1e-6f,
                "an empty cell is missing, as Spark's CSV reader reads it");
        assertEquals("bad_value", assertThrows(TabularRecords.Rejected.class,
                () -> TabularRecords.features(Map.of("age", "  "), stats)).reason, "blank is not empty: as Spark casts it");
    }
}
