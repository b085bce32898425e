package dev.dlpipe.image;


import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.UserError;
import dev.dlpipe.sampledata.ImageSetWriter;
import dev.dlpipe.tabular.CleanTabularStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labels are never coerced silently: fractions, negatives and huge values are bad labels, names become classes. */
class LabelValidationTest {

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Dataset<Row> images;

    @BeforeAll
    static void data() {
        spark = TestSpark.session();
        String raw = dir.resolve("raw/images.parquet").toString();
        ImageSetWriter.write(raw, 200, 5);
        images = spark.read().parquet(raw).filter(col("format").equalTo("raw")).limit(120).cache();
    }

    private StageReport clean(Dataset<Row> data, String name, String... sets) {
        String input = dir.resolve(name + ".parquet").toString();
        data.write().parquet(input);
        return StageRunner.run(new CleanImagesStage(), spark, TestSpark.config(sets), List.of(input),
                dir.resolve(name).toString());
    }

    private Map<String, String> quarantinedLabels(String name) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (Row r : spark.read().parquet(dir.resolve(name + "/quarantine").toString()).collectAsList()) {
            m.put(String.valueOf(r.get(r.fieldIndex("label"))), r.getString(r.fieldIndex("detail")));
        }
        return m;
    }

    @Test
    void fractionalNegativeAndHugeImageLabelsAreQuarantinedWithTheirValue() {
        org.apache.spark.sql.Column id = col("id");
        Dataset<Row> d = images.withColumn("label", when(id.endsWith("1"), lit(4.7))
                .when(id.endsWith("2"), lit(-1.0)).when(id.endsWith("3"), lit(1_000_000.0))
                .otherwise(col("label").cast("double")));
        StageReport r = clean(d, "doubles");
        long bad = r.counts().quarantined().getOrDefault("bad_label", 0L);
        assertEquals(images.filter(id.endsWith("1").or(id.endsWith("2")).or(id.endsWith("3"))).count(), bad);
        Map<String, String> q = quarantinedLabels("doubles");
        assertEquals("label='4.7' is not a whole number", q.get("4.7"));
        assertEquals("label='-1.0' is negative", q.get("-1.0"));
        assertEquals("label='1000000.0' is not below pipeline.max-classes (1000)", q.get("1000000.0"));
        assertTrue(spark.read().parquet(dir.resolve("doubles/data").toString()).agg(max("label")).first().getInt(0) < 10,
                "whole doubles (2.0) are their class; nothing is truncated");
    }

    @Test
    void aStringLabelLike49IsBadAndTheOriginalIsKept() {
        Dataset<Row> d = images.withColumn("label", when(col("id").endsWith("7"), lit("4.9"))
                .otherwise(col("label").cast("string")));
        StageReport r = clean(d, "strings");
        assertTrue(r.counts().quarantined().get("bad_label") > 0);
        assertEquals("label='4.9' is not a whole number", quarantinedLabels("strings").get("4.9"));
    }

    @Test
    void classNamesBecomeIndicesRecordedInLabelsJson() throws Exception {
        Dataset<Row> d = images.withColumn("label", element_at(array(lit("disk"), lit("ring"), lit("square"),
                lit("frame"), lit("triangle")), pmod(col("label"), lit(5)).plus(1)));
        StageReport r = clean(d, "names");
        assertFalse(r.counts().quarantined().containsKey("bad_label") || r.counts().quarantined().containsKey(
                "missing_label"), "every name is a class: " + r.counts().quarantined());
        assertEquals(List.of("disk", "frame", "ring", "square", "triangle"),
                Json.MAPPER.readValue(Files.readString(dir.resolve("names/labels.json")), List.class));
        assertEquals(5, r.metrics().get("num_classes"));
    }

    @Test
    void oneClassIsAnErrorWhereAModelIsBuilt() {
        Dataset<Row> one = images.withColumn("label", lit(3)).withColumn("split", lit("train"));
        UserError e = assertThrows(UserError.class, () -> dev.dlpipe.core.Labels.requireTwoClasses(one, "label", "x"));
        assertEquals("x: the training split has a single class (3); a classifier needs at least two", e.getMessage());
    }

    @Test
    void tabularLabelsAreCheckedTheSameWay() throws Exception {
        StringBuilder csv = new StringBuilder("id,x,y\n");
        for (int i = 0; i < 30; i++) {
            csv.append("r").append(i).append(',').append(i).append(',').append(i % 2).append('\n');
        }
        csv.append("f,1,1.9\nn,1,-3\nh,1,1000000\nt,1,yes\n");
        Path input = Files.writeString(dir.resolve("labels.csv"), csv.toString());
        StageReport r = StageRunner.run(new CleanTabularStage(), spark, TestSpark.config("clean.tabular.label-column=y",
                "clean.tabular.id-column=id", "clean.tabular.numeric-columns=x", "clean.tabular.categorical-columns=", "split.validation=0",
                "split.test=0", "clean.tabular.outliers=none"), List.of(input.toString()), dir.resolve("tab").toString());
        assertEquals(Map.of("bad_label", 4L), r.counts().quarantined());
        Map<String, String> details = new java.util.TreeMap<>();
        for (Row q : spark.read().parquet(dir.resolve("tab/quarantine").toString()).collectAsList()) {
            details.put(q.getString(q.fieldIndex("id")), q.getString(q.fieldIndex("detail")));
        }
        assertEquals("y='1.9' is not a whole number", details.get("f"));
        assertEquals("y='-3' is negative", details.get("n"));
        assertEquals("y='1000000' is not below pipeline.max-classes (1000)", details.get("h"));
        assertEquals("y='yes' is not a whole number", details.get("t"), "a typo among numbers is not a new class");
    }


    /** Null ids used to pass clean and crash pack with a NullPointerException. */
    @Test
    void nullIdsAreQuarantined() {
        Dataset<Row> d = images.withColumn("id", when(col("id").endsWith("5"), lit(null).cast("string"))
                .otherwise(col("id")));
        StageReport r = clean(d, "nullids");
        assertEquals(images.filter(col("id").endsWith("5")).count(), r.counts().quarantined().get("missing_id"));
    }

    @Test
    void anEmptyInputDirectoryIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty-input"));
        Files.writeString(empty.resolve("_SUCCESS"), "");
        UserError e = assertThrows(UserError.class, () -> StageRunner.run(new CleanImagesStage(), spark,
                TestSpark.config(), List.of(empty.toString()), dir.resolve("never").toString()));
        assertEquals("clean: input " + empty + " is an empty directory (no data files in it)", e.getMessage());
    }
}
