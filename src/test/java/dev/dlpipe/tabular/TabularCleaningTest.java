package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.UserError;
import dev.dlpipe.core.StageRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TabularCleaningTest {

    @TempDir
    Path dir;

    static final String[] COLUMNS = {"clean.tabular.id-column=id", "clean.tabular.label-column=y", "clean.tabular.numeric-columns=x,z",
        "clean.tabular.categorical-columns=c", "split.validation=0", "split.test=0"};

    private static Config config(String... extra) {
        String[] all = new String[COLUMNS.length + extra.length];
        System.arraycopy(COLUMNS, 0, all, 0, COLUMNS.length);
        System.arraycopy(extra, 0, all, COLUMNS.length, extra.length);
        return TestSpark.config(all);
    }

    private StageReport clean(String csv, String out, Config config) throws Exception {
        Path input = dir.resolve(out + ".csv");
        Files.writeString(input, csv);
        return StageRunner.run(new CleanTabularStage(), TestSpark.session(), config, List.of(input.toString()),
                dir.resolve(out).toString());
    }

    private Dataset<Row> data(String out) {
        return TestSpark.session().read().parquet(dir.resolve(out).resolve("data").toString());
    }

    @Test
    void coercionNullsOutliersScalingAndQuarantine() throws Exception {
        StringBuilder csv = new StringBuilder("id,x,z,c,y\n");
        for (int i = 0; i < 40; i++) {
            csv.append("r").append(i).append(',').append(i % 10).append(',').append(i % 2 == 0 ? "" : "5")
                    .append(',').append(i % 3 == 0 ? "red" : "blue").append(',').append(i % 2).append('\n');
        }
        csv.append("big,1000,5,red,1\n");          // outlier in x: clipped
        csv.append("nulls,,,,0\n");                 // every feature null: filled
        csv.append("bad,abc,5,red,1\n");            // not a number
        csv.append("nolabel,1,5,red,\n");
        csv.append("badlabel,1,5,red,yes\n");
        csv.append("short,1,5\n");                  // too few columns
        StageReport r = clean(csv.toString(), "t1", config());
        assertEquals(46, r.counts().in());
        assertEquals(Map.of("bad_value", 1L, "missing_label", 1L, "bad_label", 1L, "malformed_row", 1L), r.counts().quarantined());
        assertEquals(42, r.counts().out());

        TabularStats stats = TabularStats.readFrom(dir.resolve("t1").toString());
        assertEquals(5.0, stats.numeric().get("x").fill(), 1e-9, "median of 41 values (0..9 four times, 1000): an element, as percentile_approx returns");
        assertEquals(5.0, stats.numeric().get("z").fill(), 1e-9);
        assertEquals(List.of("blue", "red"), stats.categorical().get("c").categories());
        assertEquals("blue", stats.categorical().get("c").fill(), "mode");
        assertEquals(List.of("x", "z", "c=blue", "c=red", "c=<other>"), stats.layout());

        Dataset<Row> d = data("t1");
        Row big = d.filter(col("id").equalTo("big")).first();
        double hi = (stats.numeric().get("x").hi() - stats.numeric().get("x").center()) / stats.numeric().get("x").scale();
        assertEquals(hi, big.getDouble(big.fieldIndex("x")), 1e-9, "clipped to the IQR bound, then scaled");
        Row nulls = d.filter(col("id").equalTo("nulls")).first();
        assertEquals("blue", nulls.getString(nulls.fieldIndex("c")));
        Row moments = d.agg(avg("x"), stddev_samp("x")).first();
        assertEquals(0, moments.getDouble(0), 1e-9, "standard scaling centres the training data");
        assertEquals(1, moments.getDouble(1), 1e-9);
        List<Double> features = d.filter(col("id").equalTo("r0")).first().getList(d.first().fieldIndex("features"));
        assertEquals(5, features.size());
        assertEquals(List.of(0.0, 1.0, 0.0), features.subList(2, 5), "r0 is red: one-hot");
    }

    @Test
    void dropPoliciesQuarantineAndAllNullColumnsFallBack() throws Exception {
        StringBuilder csv = new StringBuilder("id,x,z,c,y\n");
        for (int i = 0; i < 20; i++) {
            csv.append("r").append(i).append(',').append(i).append(",,").append(i % 2 == 0 ? "a" : "").append(",0\n");
        }
        csv.append("far,10000,,a,1\n");
        StageReport r = clean(csv.toString(), "t2", config("clean.tabular.nulls.c=drop", "clean.tabular.outliers=zscore",
                "clean.tabular.outlier-k=3", "clean.tabular.outlier-action=drop", "clean.tabular.numeric-nulls=mean",
                "clean.tabular.nulls.z=constant", "clean.tabular.scaling=minmax"));
        assertEquals(Map.of("null_value", 10L, "outlier", 1L), r.counts().quarantined());
        assertEquals(10, r.counts().out());
        TabularStats stats = TabularStats.readFrom(dir.resolve("t2").toString());
        assertEquals(0.0, stats.numeric().get("z").fill(), "an all-null column filled with the constant, as asked");

        // asked for its mean, an all-null column is an error naming it, not a silent 0.0
        UserError e = assertThrows(UserError.class, () -> clean(csv.toString(), "t2b", config(
                "clean.tabular.numeric-nulls=mean")));
        assertTrue(e.getMessage().startsWith("clean.tabular: numeric column 'z' is empty in every training row"),
                e.getMessage());
        Row range = data("t2").agg(min("x"), max("x")).first();
        assertTrue(range.getDouble(0) >= 0 && range.getDouble(1) <= 1, "min-max scaling into [0, 1]");
        Row q = TestSpark.session().read().parquet(dir.resolve("t2/quarantine").toString())
                .filter(col("reason").equalTo("outlier")).first();
        assertTrue(q.getString(q.fieldIndex("detail")).startsWith("x=10000"), q.toString());
    }

    @Test
    void oneRowDatasetAndReusedStatsWithUnseenCategory() throws Exception {
        StageReport one = clean("id,x,z,c,y\nonly,3,4,red,1\n", "one", config());
        assertEquals(1, one.counts().out());
        Row row = data("one").first();
        assertEquals(0.0, row.getDouble(row.fieldIndex("x")), 1e-12, "one row: centred, scale falls back to 1");

        clean("id,x,z,c,y\na,1,10,red,0\nb,2,20,blue,1\nc,3,30,red,0\nd,4,40,blue,1\n", "fit", config("clean.tabular.pca-components=2"));
        StageReport reused = clean("id,x,z,c,y\nn1,2,20,green,1\nn2,,,,0\n", "reuse",
                config("clean.tabular.fitted=" + dir.resolve("fit"), "clean.tabular.pca-components=2"));
        assertEquals(2, reused.counts().out());
        assertEquals(Files.readString(dir.resolve("fit/stats.json")), Files.readString(dir.resolve("reuse/stats.json")),
                "fitted statistics are reused unchanged");
        Row n1 = data("reuse").filter(col("id").equalTo("n1")).first();
        assertEquals(2, n1.getInt(n1.fieldIndex("c_index")), "unseen category 'green' goes to <other>");
        Row b = data("fit").filter(col("id").equalTo("b")).first();
        assertEquals(b.getDouble(b.fieldIndex("x")), n1.getDouble(n1.fieldIndex("x")), 1e-12, "same value, same transform");
        assertEquals(2, n1.getList(n1.fieldIndex("pca")).size());
        assertNotNull(reused.metrics().get("pca_explained_variance"));
    }

    @Test
    void sampleCustomersReconcile() throws Exception {
        Path root = Path.of(System.getProperty("dlpipe.project.dir", "."));
        StageReport r = StageRunner.run(new CleanTabularStage(), TestSpark.session(), TestSpark.config(
                "clean.tabular.id-column=id", "clean.tabular.label-column=churned"),
                List.of(root.resolve("sample-data/tabular/customers.csv").toString()), dir.resolve("cust").toString());
        assertEquals(4000, r.counts().in());
        assertEquals(List.of("age", "income", "tenure_months", "monthly_spend", "support_calls"), r.metrics()
                .get("numeric_columns"), "inferred from the values, 'thirty' in age notwithstanding");
        assertEquals(List.of("city", "plan"), r.metrics().get("categorical_columns"));
        assertEquals(r.counts().in(), r.counts().out() + r.counts().quarantinedTotal());
        assertTrue(r.counts().quarantined().containsKey("malformed_row"));
        SparkSession spark = TestSpark.session();
        assertEquals(0, spark.read().parquet(dir.resolve("cust/data").toString())
                .filter(col("support_calls").isNull().or(col("age").isNull())).count(), "no nulls left");
    }

    /** NaN, Infinity and 1e400 parse as doubles; they are quarantined, not averaged into every row's features. */
    @Test
    void nonFiniteNumbersAreQuarantinedWithTheirValue() throws Exception {
        StringBuilder csv = new StringBuilder("id,x,z,c,y\n");
        for (int i = 0; i < 40; i++) {
            csv.append("r").append(i).append(',').append(i % 7).append(',').append(i % 3).append(",a,").append(i % 2)
                    .append('\n');
        }
        csv.append("n1,NaN,1,a,0\nn2,Infinity,1,a,1\nn3,1,-Infinity,a,0\nn4,1e400,1,a,1\n");
        StageReport r = clean(csv.toString(), "nf", config("clean.tabular.outliers=none"));
        assertEquals(Map.of("non_finite_value", 4L), r.counts().quarantined());
        assertEquals(40, r.counts().out());
        for (Row row : data("nf").collectAsList()) {
            for (Object f : row.getList(row.fieldIndex("features"))) {
                assertTrue(Double.isFinite((Double) f), "every kept feature is finite: " + row);
            }
        }
        Row q = TestSpark.session().read().parquet(dir.resolve("nf/quarantine").toString())
                .filter(col("id").equalTo("n4")).first();
        assertEquals("x='1e400' is not a finite number", q.getString(q.fieldIndex("detail")));
    }

    /** A quoted field with a line break is one record (RFC 4180), not a quarantined half plus an injected row. */
    @Test
    void quotedLineBreaksStayInsideTheirRecord() throws Exception {
        StringBuilder csv = new StringBuilder("id,x,z,c,y\n");
        for (int i = 0; i < 20; i++) {
            csv.append("r").append(i).append(',').append(i % 5).append(',').append(i % 3).append(",a,").append(i % 2)
                    .append('\n');
        }
        csv.append("q1,1,2,\"two\nlines, and \"\"quotes\"\"\",1\n");
        csv.append("q2,1,2,\"x\ninjected,9,9,b,0\",0\n");
        StageReport r = clean(csv.toString(), "ml", config("clean.tabular.outliers=none"));
        assertEquals(22, r.counts().in(), "records, not lines");
        assertEquals(Map.of(), r.counts().quarantined());
        assertEquals(22, r.counts().out());
        assertEquals(0, data("ml").filter(col("id").equalTo("injected")).count(), "no row made from inside a field");
    }
}
