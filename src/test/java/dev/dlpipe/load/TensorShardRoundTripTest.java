package dev.dlpipe.load;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.pack.TensorShardWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** Writes shards with small row groups and checks every loader returns exactly the values written. */
class TensorShardRoundTripTest {

    static final TensorSpec SPEC = new TensorSpec(1, 6, 5, "unit", 4);

    @TempDir
    Path dir;

    /** Feature value j of example i: unique per (i, j), so any misplacement shows. */
    static float value(int i, int j) {
        return i * 1000 + j;
    }

    private void writeShards(int shards, int rowsPerShard, long rowGroupBytes) throws Exception {
        int i = 0;
        for (int s = 0; s < shards; s++) {
            try (TensorShardWriter w = new TensorShardWriter(dir.resolve(String.format("part-%05d.parquet", s)).toString(),
                    SPEC, "train", rowGroupBytes)) {
                for (int r = 0; r < rowsPerShard; r++, i++) {
                    float[] f = new float[SPEC.featureSize()];
                    for (int j = 0; j < f.length; j++) {
                        f[j] = value(i, j);
                    }
                    w.write("row-" + i, i % SPEC.numClasses(), f);
                }
            }
        }
    }

    @Test
    void iteratorAndMinibatchLoaderReturnThePackedValuesInOrder() throws Exception {
        writeShards(3, 700, 16 * 1024); // ~120 bytes/row -> several row groups per shard
        ShardIndex index = ShardIndex.of(dir.toString());
        assertEquals(2100, index.rows());
        assertEquals(SPEC, index.spec());
        assertTrue(index.rowGroups() > 3, "row groups: " + index.rowGroups());
        TensorShardReader reader = new TensorShardReader(index.shards().get(0).uri());
        TensorBlock plain = reader.readPlainPages(0);
        assertNotNull(plain, "pack's layout takes the plain-page route");
        assertTrue(reader.rowGroups().get(0).getColumns().stream()
                .anyMatch(c -> c.getTotalUncompressedSize() > 4 * 2048), "several pages per row group");
        assertEquals(value(0, 0), plain.feature(0, 0));
        plain.release();

        List<DataSet> viaIterator = new ArrayList<>();
        EpochIterator it = new EpochIterator(new ParquetBlocks(index), BatchPolicy.inOrder(64));
        while (it.hasNext()) {
            viaIterator.add(it.next());
        }
        assertExact(viaIterator, 2100);
        it.reset();
        int again = 0;
        while (it.hasNext()) {
            again += it.next().numExamples();
        }
        assertEquals(2100, again, "reset() starts a new epoch");

        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(index.spec().numClasses());
        List<DataSet> viaRefs = new ArrayList<>();
        for (String ref : index.minibatches(64)) {
            viaRefs.add(loader.load(new PathSource(ref)));
        }
        assertExact(viaRefs, 2100);
    }

    private static void assertExact(List<DataSet> batches, int rows) {
        int i = 0;
        for (DataSet ds : batches) {
            float[] f = ds.getFeatures().dup('c').data().asFloat();
            int n = ds.numExamples();
            assertEquals(SPEC.featureSize(), ds.getFeatures().size(1));
            for (int r = 0; r < n; r++, i++) {
                for (int j = 0; j < SPEC.featureSize(); j++) {
                    assertEquals(value(i, j), f[r * SPEC.featureSize() + j], "row " + i + " feature " + j);
                }
                assertEquals(i % SPEC.numClasses(), ds.getLabels().getRow(r).argMax().getInt(0), "label of row " + i);
                assertEquals(1.0, ds.getLabels().getRow(r).sumNumber().doubleValue(), 1e-6, "one-hot");
            }
        }
        assertEquals(rows, i);
    }

    @Test
    void minibatchRefsSurviveSpacesAndRejectGarbage() {
        String ref = MinibatchRef.encode("file:/tmp/a dir/part-00001.parquet", 3, 64, 32);
        assertTrue(ref.contains("%20"), ref);
        MinibatchRef parsed = MinibatchRef.parse(ref);
        assertEquals(new MinibatchRef("file:/tmp/a dir/part-00001.parquet", 3, 64, 32), parsed);
        assertThrows(IllegalArgumentException.class, () -> MinibatchRef.parse("file:/x.parquet"));
        assertThrows(IllegalArgumentException.class, () -> MinibatchRef.parse("file:/x.parquet#rg=1,n=0,from=0"));
    }

    @Test
    void corruptAndForeignFilesAreReportedByName() throws Exception {
        writeShards(1, 50, 1 << 20);
        Path good = dir.resolve("part-00000.parquet");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.parquet");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        UserError e = assertThrows(UserError.class, () -> new TensorShardReader(truncated.toString()));
        assertTrue(e.getMessage().contains("truncated.parquet"), e.getMessage());

        Path garbage = dir.resolve("garbage.parquet");
        Files.writeString(garbage, "definitely not parquet");
        assertTrue(assertThrows(UserError.class, () -> new TensorShardReader(garbage.toString()))
                .getMessage().contains("garbage.parquet"));

        Path foreign = dir.resolve("foreign");
        dev.dlpipe.sampledata.ImageSetWriter.write(foreign.resolve("images.parquet").toString(), 5, 1);
        assertTrue(assertThrows(UserError.class,
                () -> new TensorShardReader(foreign.resolve("images.parquet").toString()))
                .getMessage().contains("images.parquet: tensor shard has no column 'features'"));
    }
}
