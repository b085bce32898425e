package dev.dlpipe.image;


import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.pack.PackStage;
import dev.dlpipe.sampledata.ImageSetWriter;
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

/** clean -> augment -> pack on the generator's messy image data, in Spark local[2]. */
class ImageStagesSparkTest {

    @TempDir
    static Path dir;
    static SparkSession spark;
    static String raw;

    @BeforeAll
    static void data() {
        spark = TestSpark.session();
        raw = dir.resolve("raw/images.parquet").toString();
        ImageSetWriter.write(raw, 1500, 11);
    }

    @Test
    void cleanAccountsForEveryRowAndQuarantinesBrokenImages() throws Exception {
        Config config = TestSpark.config();
        StageReport r = StageRunner.run(new CleanImagesStage(), spark, config, List.of(raw), dir.resolve("clean").toString());
        long quarantined = r.counts().quarantinedTotal();
        assertEquals(1500, r.counts().in());
        assertEquals(1500, r.counts().out() + quarantined);
        assertTrue(quarantined > 0, "the generator breaks ~1% of rows on purpose");
        assertTrue(r.counts().quarantined().containsKey("truncated_pixels"));
        assertTrue(r.counts().quarantined().containsKey("undecodable_image"));

        Dataset<Row> q = spark.read().parquet(dir.resolve("clean/quarantine").toString());
        assertEquals(quarantined, q.count());
        assertEquals(0, q.filter(col("data").isNull().or(col("reason").isNull())).count(),
                "quarantined rows keep their original bytes and a reason");
        Dataset<Row> clean = spark.read().parquet(dir.resolve("clean/data").toString());
        assertEquals(r.counts().out(), clean.count());
        assertEquals(0, clean.filter(functionsSize().notEqual(28 * 28)).count());

        Map<String, Object> manifest = Json.readMap(Files.readString(dir.resolve("clean/_manifest.json")));
        assertEquals("clean", manifest.get("stage"));
        assertEquals(1500, ((Map<?, ?>) manifest.get("counts")).get("in"));
        assertNotNull(((Map<?, ?>) ((List<?>) manifest.get("inputs")).get(0)).get("sha256"));
        assertTrue(((Map<?, ?>) manifest.get("config")).containsKey("clean.image.height"));

        // the split is a function of (seed, id): rerunning reproduces it exactly
        StageRunner.run(new CleanImagesStage(), spark, config, List.of(raw), dir.resolve("clean2").toString());
        Dataset<Row> again = spark.read().parquet(dir.resolve("clean2/data").toString());
        assertEquals(0, clean.select("id", "split").except(again.select("id", "split")).count());
    }

    private static java.util.Map<Integer, Integer> labelCounts(dev.dlpipe.load.EpochIterator it) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        while (it.hasNext()) {
            org.nd4j.linalg.dataset.DataSet ds = it.next();
            for (int r = 0; r < ds.numExamples(); r++) {
                counts.merge(ds.getLabels().getRow(r).argMax().getInt(0), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static org.apache.spark.sql.Column functionsSize() {
        return org.apache.spark.sql.functions.size(col("features"));
    }

    @Test
    void augmentIsIdenticalAcrossPartitioningsAndPackReadsBack() {
        Config config = TestSpark.config("augment.copies=2");
        StageRunner.run(new CleanImagesStage(), spark, config, List.of(raw), dir.resolve("c").toString());
        Dataset<Row> clean = spark.read().parquet(dir.resolve("c/data").toString());
        // the same rows in 7 partitions instead of 1-2: augmentation must not care
        clean.repartition(7).write().parquet(dir.resolve("c7/data").toString());
        dev.dlpipe.tensor.TensorSpec.readFrom(dir.resolve("c").toString()).writeTo(dir.resolve("c7").toString());

        StageReport a = StageRunner.run(new AugmentImagesStage(), spark, config, List.of(dir.resolve("c").toString()),
                dir.resolve("a1").toString());
        StageRunner.run(new AugmentImagesStage(), spark, config, List.of(dir.resolve("c7").toString()),
                dir.resolve("a2").toString());
        long train = clean.filter(col("split").equalTo("train")).count();
        assertEquals(train * 2, a.counts().generated());
        Dataset<Row> a1 = spark.read().parquet(dir.resolve("a1/data").toString());
        Dataset<Row> a2 = spark.read().parquet(dir.resolve("a2/data").toString());
        assertEquals(a1.count(), a2.count());
        assertEquals(0, a1.except(a2).count(), "augmented rows depend only on (seed, id, copy)");
        assertEquals(0, a1.filter(col("split").notEqual("train").and(col("id").contains(dev.dlpipe.augment.RowCopies.COPY_MARK))).count(),
                "only the training split is augmented");

        Config packConfig = TestSpark.config("pack.shards=3", "pack.row-group-mb=1", "pack.formats=parquet,mmap,hdf5", "pack.hdf5-gzip=4");
        StageReport p = StageRunner.run(new PackStage(), spark, packConfig, List.of(dir.resolve("a1").toString()),
                dir.resolve("pack").toString());
        long total = 0;
        for (String split : new String[] {"train", "validation", "test"}) {
            ShardIndex index = ShardIndex.of(dir.resolve("pack").resolve(split).toString());
            assertTrue(index.shards().size() <= 3);
            assertEquals(1, index.spec().channels());
            assertEquals(10, index.spec().numClasses());
            total += index.rows();
            // Spark's own Parquet reader reads our shards too
            assertEquals(index.rows(), spark.read().parquet(dir.resolve("pack").resolve(split).toString()).count());
            // the memory-mapped copy holds the same rows: same label histogram through the same iterator
            java.util.Map<Integer, Integer> fromParquet = labelCounts(new dev.dlpipe.load.EpochIterator(
                    new dev.dlpipe.load.ParquetBlocks(index), dev.dlpipe.load.BatchPolicy.inOrder(256)));
            java.util.Map<Integer, Integer> fromMmap = new java.util.HashMap<>();
            java.io.File[] parts = dir.resolve("pack/mmap").resolve(split).toFile().listFiles(f -> f.getName().startsWith("part-"));
            assertEquals(index.shards().size(), parts.length);
            for (java.io.File part : parts) {
                labelCounts(new dev.dlpipe.load.EpochIterator(new dev.dlpipe.load.MmapShard.Blocks(part.toString(), 500),
                        dev.dlpipe.load.BatchPolicy.inOrder(256))).forEach((k, v) -> fromMmap.merge(k, v, Integer::sum));
            }
            assertEquals(fromParquet, fromMmap);
            java.util.Map<Integer, Integer> fromHdf5 = new java.util.HashMap<>();
            for (java.io.File h5 : dir.resolve("pack/hdf5").resolve(split).toFile().listFiles(f -> f.getName().endsWith(".h5"))) {
                try (dev.dlpipe.load.Hdf5Shard.Blocks b = new dev.dlpipe.load.Hdf5Shard.Blocks(h5.toString(), 100)) {
                    labelCounts(new dev.dlpipe.load.EpochIterator(b, dev.dlpipe.load.BatchPolicy.inOrder(256)))
                            .forEach((k, v) -> fromHdf5.merge(k, v, Integer::sum));
                }
            }
            assertEquals(fromParquet, fromHdf5);
        }
        assertEquals(a1.count(), total);
        assertEquals(total, p.counts().out());
    }
}
