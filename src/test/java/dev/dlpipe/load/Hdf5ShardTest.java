package dev.dlpipe.load;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** HDF5 through libhdf5: files written by h5py read exactly; files we write open in h5py unchanged. */
class Hdf5ShardTest {

    static final Path FIXTURES = Path.of(System.getProperty("dlpipe.project.dir", "."), "src/test/resources/fixtures");

    @TempDir
    Path dir;

    /** The fixture formula of make_h5py_fixtures.py. */
    static float fixture(int i, int j) {
        return (i * 7 + j) % 251;
    }

    private static void assertFixture(Hdf5Shard.Blocks blocks, int rows, int featureSize, float scale) {
        EpochIterator it = new EpochIterator(blocks, BatchPolicy.inOrder(4));
        int i = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            float[] f = ds.getFeatures().dup('c').data().asFloat();
            for (int r = 0; r < ds.numExamples(); r++, i++) {
                for (int j = 0; j < featureSize; j++) {
                    assertEquals(fixture(i, j) * scale, f[r * featureSize + j], 1e-6, "row " + i + " value " + j);
                }
                assertEquals(i % 3, ds.getLabels().getRow(r).argMax().getInt(0));
            }
        }
        assertEquals(rows, i);
    }

    @Test
    void readsH5pyFloat32GzipAndUint8Chunked() {
        try (Hdf5Shard.Blocks f32 = new Hdf5Shard.Blocks(FIXTURES.resolve("h5py_float32_gzip.h5").toString(), 5)) {
            assertEquals(new TensorSpec(1, 4, 5, TensorSpec.AS_STORED, 3), f32.spec(), "read as stored");
            assertFixture(f32, 13, 20, 1 / 255f);
        }
        try (Hdf5Shard.Blocks u8 = new Hdf5Shard.Blocks(FIXTURES.resolve("h5py_uint8_chunked.h5").toString(), 3)) {
            assertEquals(new TensorSpec(1, 6, 6, TensorSpec.AS_STORED, 3), u8.spec(), "uint8 arrives as 0..255 floats");
            assertFixture(u8, 10, 36, 1f);
        }
    }

    @Test
    void writtenShardsRoundTripAndOpenInH5py() throws Exception {
        TensorSpec spec = new TensorSpec(2, 3, 4, "unit", 5);
        Path file = dir.resolve("part-00000.h5");
        int rows = 103;
        try (Hdf5Shard.Writer w = new Hdf5Shard.Writer(file.toString(), spec, 16, 4)) {
            for (int i = 0; i < rows; i++) {
                float[] f = new float[spec.featureSize()];
                for (int j = 0; j < f.length; j++) {
                    f[j] = i * 100 + j;
                }
                w.write(i % 5, f);
            }
        }
        double sum = 0;
        try (Hdf5Shard.Blocks b = new Hdf5Shard.Blocks(file.toString(), 32)) {
            assertEquals(rows, b.rows());
            assertEquals(new TensorSpec(2, 3, 4, TensorSpec.AS_STORED, 5), b.spec());
            EpochIterator it = new EpochIterator(b, BatchPolicy.inOrder(10));
            int i = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                float[] f = ds.getFeatures().dup('c').data().asFloat();
                for (int r = 0; r < ds.numExamples(); r++, i++) {
                    for (int j = 0; j < spec.featureSize(); j++) {
                        assertEquals(i * 100 + j, f[r * spec.featureSize() + j]);
                        sum += i * 100 + j;
                    }
                }
            }
            assertEquals(rows, i);
        }
        File python = new File("/usr/bin/python3");
        boolean h5py = python.canExecute() && new ProcessBuilder(python.getPath(), "-c", "import h5py").start().waitFor() == 0;
        if (!h5py && "1".equals(System.getenv("DLPIPE_REQUIRE_H5PY"))) {
            fail("DLPIPE_REQUIRE_H5PY=1 but /usr/bin/python3 has no h5py (apt-get install python3-h5py)");
        }
        Assumptions.assumeTrue(h5py, "h5py not installed: the h5py check of our files is skipped");
        Process p = new ProcessBuilder(python.getPath(), FIXTURES.resolve("check_h5.py").toString(), file.toString())
                .redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", out));
        assertEquals("(103, 2, 3, 4) float32 (16, 2, 3, 4) gzip (103,) int32", out.get(0));
        long labelSum = 0;
        for (int i = 0; i < rows; i++) {
            labelSum += i % 5;
        }
        assertEquals(String.format(java.util.Locale.ROOT, "%.6f %d", sum, labelSum), out.get(1));
    }

    @Test
    void corruptAndForeignFilesAreNamed() throws Exception {
        Path bytes = dir.resolve("truncated.h5");
        byte[] good = Files.readAllBytes(FIXTURES.resolve("h5py_float32_gzip.h5"));
        Files.write(bytes, java.util.Arrays.copyOf(good, good.length / 3));
        UserError e = assertThrows(UserError.class, () -> new Hdf5Shard.Blocks(bytes.toString(), 4));
        assertTrue(e.getMessage().contains("truncated.h5"), e.getMessage());
        Path text = dir.resolve("text.h5");
        Files.writeString(text, "not hdf5");
        assertTrue(assertThrows(UserError.class, () -> new Hdf5Shard.Blocks(text.toString(), 4)).getMessage().contains("text.h5"));
    }
}
