package dev.dlpipe.load;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.tensor.TensorShardFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupWriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parquet written by others reads back exactly: Spark's {@code array<float>} / {@code array<double>} with long
 * labels (no dlpipe footer keys, so the shape and class count are inferred), and our layout written by parquet-mr's
 * example writer with compression, dictionaries and v2 pages (the column-reader route instead of the plain-page one).
 */
class ForeignParquetTest {

    @TempDir
    Path dir;

    static float value(int i, int j) {
        return i * 100 + j + 0.25f;
    }

    @Test
    void sparkWrittenFloatAndDoubleArraysReadExactly() {
        SparkSession spark = TestSpark.session();
        int rows = 1000;
        int width = 12;
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            Float[] f = new Float[width];
            for (int j = 0; j < width; j++) {
                f[j] = value(i, j);
            }
            data.add(RowFactory.create("id-" + i, (long) (i % 7), f));
        }
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("label", DataTypes.LongType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        Dataset<Row> df = spark.createDataFrame(data, schema).repartition(3); // three shards, rows shuffled across them
        String floats = dir.resolve("spark-float").toString();
        df.write().option("parquet.block.size", 16 * 1024).parquet(floats);
        String doubles = dir.resolve("spark-double").toString();
        df.withColumn("features", col("features").cast("array<double>")).write().parquet(doubles);

        for (String written : List.of(floats, doubles)) {
            ShardIndex index = ShardIndex.of(written);
            assertEquals(rows, index.rows());
            assertEquals(new TensorSpec(1, 1, width, TensorSpec.AS_STORED, 7), index.spec(), "inferred from row length and labels");
            boolean[] seen = new boolean[rows];
            EpochIterator it = new EpochIterator(new ParquetBlocks(index), BatchPolicy.inOrder(64));
            int n = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                for (int r = 0; r < ds.numExamples(); r++, n++) {
                    int i = Math.round((ds.getFeatures().getFloat(r, 0) - 0.25f) / 100); // which row this is
                    assertFalse(seen[i], "row " + i + " twice");
                    seen[i] = true;
                    for (int j = 0; j < width; j++) {
                        assertEquals(value(i, j), ds.getFeatures().getFloat(r, j), 0f);
                    }
                    assertEquals(1f, ds.getLabels().getFloat(r, i % 7), 0f, "label of row " + i);
                }
            }
            assertEquals(rows, n, written);
        }
        if (new java.io.File(floats).list((d, name) -> name.endsWith(".parquet")).length < 2) {
            fail("expected several Spark part files");
        }
    }

    @Test
    void sparkRowsOfTheWrongLengthOrWithNullsNameTheFile() {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("label", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        String ragged = dir.resolve("ragged").toString();
        spark.createDataFrame(List.of(RowFactory.create(0, new Float[] {1f, 2f}), RowFactory.create(1, new Float[] {1f, 2f, 3f})),
                schema).coalesce(1).write().parquet(ragged);
        UserError e = assertThrows(UserError.class, () -> ShardIndex.of(ragged));
        assertTrue(e.getMessage().contains("part-") && e.getMessage().contains("rows differ in length"), e.getMessage());

        String nulls = dir.resolve("nulls").toString();
        spark.createDataFrame(List.of(RowFactory.create(0, new Float[] {1f, 2f}), RowFactory.create(1, new Float[] {1f, null})),
                schema).coalesce(1).write().parquet(nulls);
        ShardIndex index = ShardIndex.of(nulls);
        UserError e2 = assertThrows(UserError.class,
                () -> new ParquetBlocks(index).read(0));
        assertTrue(e2.getMessage().contains("part-") && e2.getMessage().contains("null element"), e2.getMessage());
    }

    /**
     * Files written by pyarrow 25 (src/test/resources/fixtures/make_pyarrow_fixtures.py): list&lt;float32&gt; with our
     * shape keys in the schema metadata (snappy, dictionaries), fixed_size_list&lt;float64&gt; without metadata (zstd,
     * v2 pages), and our binary layout (plain, uncompressed: the mapped route on pyarrow's page headers).
     */
    @Test
    void pyarrowWrittenFilesReadExactly() throws Exception {
        record Fixture(String file, TensorSpec spec, int rowGroups, boolean plainRoute) {
        }
        List<Fixture> fixtures = List.of(
                new Fixture("pyarrow_list_float32.parquet", new TensorSpec(2, 3, 4, "unit", 5), 3, false),
                new Fixture("pyarrow_fixed_list_float64_v2.parquet", new TensorSpec(1, 1, 24, TensorSpec.AS_STORED, 5), 2, false),
                new Fixture("pyarrow_binary_plain.parquet", new TensorSpec(2, 3, 4, "unit", 5), 4, true));
        for (Fixture f : fixtures) {
            Path shardDir = dir.resolve(f.file().replace(".parquet", ""));
            java.nio.file.Files.createDirectories(shardDir);
            try (java.io.InputStream in = getClass().getResourceAsStream("/fixtures/" + f.file())) {
                assertNotNull(in, f.file());
                java.nio.file.Files.copy(in, shardDir.resolve("part-00000.parquet"));
            }
            ShardIndex index = ShardIndex.of(shardDir.toString());
            assertEquals(f.spec(), index.spec(), f.file());
            assertEquals(f.rowGroups(), index.rowGroups(), f.file());
            TensorShardReader reader = new TensorShardReader(index.shards().get(0).uri());
            TensorBlock plain = reader.readPlainPages(0);
            assertEquals(f.plainRoute(), plain != null, f.file() + " route");
            EpochIterator it = new EpochIterator(new ParquetBlocks(index), BatchPolicy.inOrder(32));
            int i = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                for (int r = 0; r < ds.numExamples(); r++, i++) {
                    for (int j = 0; j < 24; j++) {
                        assertEquals(value(i, j), ds.getFeatures().getFloat(r, j), 0f, f.file() + " row " + i);
                    }
                    assertEquals(1f, ds.getLabels().getFloat(r, i % 5), 0f, f.file() + " label " + i);
                }
            }
            assertEquals(100, i, f.file());
        }
    }

    /** The two-level list of older writers (Spark's legacy format, Hive, parquet-avro): {@code repeated float array}. */
    @Test
    void legacyTwoLevelListsReadExactly() throws Exception {
        org.apache.parquet.schema.MessageType schema = org.apache.parquet.schema.MessageTypeParser.parseMessageType(
                "message legacy { required int32 label; optional group features (LIST) { repeated float array; } }");
        Path file = dir.resolve("legacy").resolve("part-0.parquet");
        Configuration conf = new Configuration();
        GroupWriteSupport.setSchema(schema, conf);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
                .withConf(conf).build()) {
            for (int i = 0; i < 30; i++) {
                Group g = groups.newGroup().append("label", i % 3);
                Group list = g.addGroup("features");
                for (int j = 0; j < 4; j++) {
                    list.append("array", value(i, j));
                }
                w.write(g);
            }
        }
        ShardIndex index = ShardIndex.of(file.getParent().toString());
        assertEquals(new TensorSpec(1, 1, 4, TensorSpec.AS_STORED, 3), index.spec());
        DataSet ds = new EpochIterator(new ParquetBlocks(index), BatchPolicy.inOrder(30)).next();
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(value(i, j), ds.getFeatures().getFloat(i, j), 0f);
            }
        }
    }

    /** Our layout, written by parquet-mr's example API in ways pack never writes: each goes through column readers. */
    @Test
    void ourLayoutWithCompressionDictionaryOrV2PagesReadsExactly() throws Exception {
        TensorSpec spec = new TensorSpec(1, 3, 4, "unit", 5);
        int rows = 600;
        record Variant(String name, CompressionCodecName codec, boolean dictionary,
                       ParquetProperties.WriterVersion version) {
        }
        for (Variant v : List.of(new Variant("snappy", CompressionCodecName.SNAPPY, false, ParquetProperties.WriterVersion.PARQUET_1_0),
                new Variant("dictionary", CompressionCodecName.UNCOMPRESSED, true, ParquetProperties.WriterVersion.PARQUET_1_0),
                new Variant("v2-gzip", CompressionCodecName.GZIP, false, ParquetProperties.WriterVersion.PARQUET_2_0),
                new Variant("v2-plain", CompressionCodecName.UNCOMPRESSED, false, ParquetProperties.WriterVersion.PARQUET_2_0))) {
            Path file = dir.resolve(v.name()).resolve("part-00000.parquet");
            Configuration conf = new Configuration();
            GroupWriteSupport.setSchema(TensorShardFormat.SCHEMA, conf);
            SimpleGroupFactory groups = new SimpleGroupFactory(TensorShardFormat.SCHEMA);
            try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
                    .withConf(conf).withCompressionCodec(v.codec()).withDictionaryEncoding(v.dictionary())
                    .withWriterVersion(v.version()).withRowGroupSize(8 * 1024).withPageSize(2048)
                    .withExtraMetaData(TensorShardFormat.footer(spec, "train")).build()) {
                for (int i = 0; i < rows; i++) {
                    ByteBuffer b = ByteBuffer.allocate(spec.featureSize() * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (int j = 0; j < spec.featureSize(); j++) {
                        b.putFloat(i % 50 == 0 ? 7f : value(i, j)); // repeats give the dictionary something to do
                    }
                    w.write(groups.newGroup().append("id", "r" + i).append("label", i % 5)
                            .append("features", Binary.fromConstantByteArray(b.array())));
                }
            }
            ShardIndex index = ShardIndex.of(file.getParent().toString());
            assertEquals(spec, index.spec());
            assertTrue(index.rowGroups() > 1, v.name());
            EpochIterator it = new EpochIterator(new ParquetBlocks(index), BatchPolicy.inOrder(50));
            int i = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                for (int r = 0; r < ds.numExamples(); r++, i++) {
                    for (int j = 0; j < spec.featureSize(); j++) {
                        assertEquals(i % 50 == 0 ? 7f : value(i, j), ds.getFeatures().getFloat(r, j), 0f, v.name() + " row " + i);
                    }
                    assertEquals(1f, ds.getLabels().getFloat(r, i % 5), 0f);
                }
            }
            assertEquals(rows, i, v.name());
        }
    }
}
