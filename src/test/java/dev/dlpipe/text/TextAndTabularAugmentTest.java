package dev.dlpipe.text;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.augment.RowCopies;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.tabular.AugmentTabularStage;
import dev.dlpipe.tabular.CleanTabularStage;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text and tabular augmentation on the committed sample data: counts, determinism, train split only. */
class TextAndTabularAugmentTest {

    @TempDir
    Path dir;

    private static final Path ROOT = Path.of(System.getProperty("dlpipe.project.dir", "."));

    private StageReport run(dev.dlpipe.core.Stage stage, Config c, String in, String out) {
        return StageRunner.run(stage, TestSpark.session(), c, List.of(in), dir.resolve(out).toString());
    }

    @Test
    void textCopiesAreDeterministicAndOnlyForTraining() {
        Config c = TestSpark.config("augment.copies=2", "clean.text.near-duplicate-threshold=0");
        run(new CleanTextStage(), c, ROOT.resolve("sample-data/text/reviews.jsonl").toString(), "clean");
        StageReport cleaned = run(new CleanTextStage(), c, ROOT.resolve("sample-data/text/reviews.jsonl").toString(), "clean2");
        assertEquals(4000, cleaned.counts().out() + cleaned.counts().quarantinedTotal() + cleaned.counts().deduplicated(),
                "every generated row is accounted for");
        StageReport a = run(new AugmentTextStage(), c, dir.resolve("clean").toString(), "a1");
        run(new AugmentTextStage(), c, dir.resolve("clean").toString(), "a2");
        Dataset<Row> a1 = TestSpark.session().read().parquet(dir.resolve("a1/data").toString());
        Dataset<Row> a2 = TestSpark.session().read().parquet(dir.resolve("a2/data").toString());
        assertEquals(0, a1.except(a2).count());
        assertEquals(2 * (long) a.metrics().get("train_rows"), a.counts().generated());
        assertEquals(0, a1.filter(col("id").contains(RowCopies.COPY_MARK).and(col("split").notEqual("train"))).count());
    }

    @Test
    void tabularOversamplingBalancesClasses() {
        Config c = TestSpark.config("augment.copies=0", "augment.tabular.oversample=true", "clean.tabular.id-column=id",
                "clean.tabular.label-column=churned");
        run(new CleanTabularStage(), c, ROOT.resolve("sample-data/tabular/customers.csv").toString(), "tclean");
        // make class 1 a minority: keep a third of its training rows
        Dataset<Row> d = TestSpark.session().read().parquet(dir.resolve("tclean/data").toString());
        d.filter(col("label").equalTo(0).or(col("id").endsWith("0")).or(col("id").endsWith("3")).or(col("id").endsWith("6")))
                .write().parquet(dir.resolve("minority/data").toString());
        dev.dlpipe.tabular.TabularStats.readFrom(dir.resolve("tclean").toString()).writeTo(dir.resolve("minority").toString());
        StageReport a = run(new AugmentTabularStage(), c, dir.resolve("minority").toString(), "taug");
        Dataset<Row> out = TestSpark.session().read().parquet(dir.resolve("taug/data").toString()).filter(col("split").equalTo("train"));
        long zeros = out.filter(col("label").equalTo(0)).count();
        long ones = out.filter(col("label").equalTo(1)).count();
        assertEquals(zeros, ones, "oversampling balances the training classes exactly");
        assertEquals(java.util.Map.of(0, zeros, 1, ones), a.metrics().get("train_rows_per_class_after"));
        assertFalse(java.util.Arrays.asList(out.columns()).contains(AugmentTabularStage.RANK), "helper column dropped");
        assertTrue(a.counts().generated() > 0);
        Row copy = out.filter(col("id").contains(RowCopies.COPY_MARK)).first();
        assertEquals(((List<?>) copy.getList(copy.fieldIndex("features"))).size(), 18);
    }

    /**
     * The sample table's own imbalance (about 1,219 vs 1,524 training rows) is under 1.5:1, which the old rule
     * (round(largest / n) - 1 extra copies per row) turned into no extra copies at all.
     */
    @Test
    void tabularOversamplingWorksForAMildImbalanceToo() {
        Config c = TestSpark.config("augment.copies=1", "augment.tabular.oversample=true", "clean.tabular.id-column=id",
                "clean.tabular.label-column=churned");
        run(new CleanTabularStage(), c, ROOT.resolve("sample-data/tabular/customers.csv").toString(), "mclean");
        StageReport a = run(new AugmentTabularStage(), c, dir.resolve("mclean").toString(), "maug");
        java.util.Map<?, ?> before = (java.util.Map<?, ?>) a.metrics().get("train_rows_per_class");
        long zeros = ((Number) before.get(0)).longValue();
        long ones = ((Number) before.get(1)).longValue();
        assertTrue(zeros != ones && Math.max(zeros, ones) < 1.5 * Math.min(zeros, ones), "mild imbalance: " + before);
        Dataset<Row> out = TestSpark.session().read().parquet(dir.resolve("maug/data").toString())
                .filter(col("split").equalTo("train"));
        long largest = Math.max(zeros, ones);
        assertEquals(2 * largest, out.filter(col("label").equalTo(0)).count(), "copies=1 doubles the largest class");
        assertEquals(2 * largest, out.filter(col("label").equalTo(1)).count(), "and the minority reaches it");
        assertEquals(a.counts().in() + a.counts().generated(), a.counts().out());
    }
}
