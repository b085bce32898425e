package dev.dlpipe.load;

import dev.dlpipe.LocalPaths;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The raw memory-mapped layout of one shard: a directory with {@code features.f32} (N x C*H*W float32,
 * little-endian, row after row), {@code labels.i32} (N int32) and {@code meta.json} (rows, shape, dtype, classes).
 * No decoding at all on read: the fastest route on a node with local disk. Reading maps fixed windows of rows, so
 * files larger than 2 GB and than the heap are fine.
 */
public final class MmapShard {

    public static final String FEATURES = "features.f32";
    public static final String LABELS = "labels.i32";
    public static final String META = "meta.json";

    private MmapShard() {
    }

    /** Streams examples into a shard directory; {@link #close()} writes meta.json last, so a shard without it is incomplete. */
    public static final class Writer implements Closeable {
        private final String dir;
        private final TensorSpec spec;
        private final OutputStream features;
        private final OutputStream labels;
        private final ByteBuffer row;
        private final ByteBuffer label = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        private long rows;

        public Writer(String dir, TensorSpec spec) throws IOException {
            this.dir = dir;
            this.spec = spec;
            this.features = new BufferedOutputStream(Fs.create(Fs.child(dir, FEATURES)), 1 << 20);
            this.labels = new BufferedOutputStream(Fs.create(Fs.child(dir, LABELS)), 1 << 16);
            this.row = ByteBuffer.allocate(spec.featureSize() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }

        public void write(int labelValue, float[] values) throws IOException {
            row.clear();
            row.asFloatBuffer().put(values);
            features.write(row.array(), 0, values.length * Float.BYTES);
            label.clear();
            label.putInt(labelValue);
            labels.write(label.array(), 0, 4);
            rows++;
        }

        @Override
        public void close() throws IOException {
            features.close();
            labels.close();
            Map<String, Object> meta = new LinkedHashMap<>(spec.toMap());
            meta.put("rows", rows);
            Fs.writeString(Fs.child(dir, META), Json.write(meta));
        }
    }

    /** Blocks of {@code rowsPerBlock} rows mapped from a local shard directory. */
    public static final class Blocks implements EpochIterator.Blocks {
        private final Path dir;
        private final TensorSpec spec;
        private final long rows;
        private final int rowsPerBlock;

        public Blocks(String shardDir, int rowsPerBlock) {
            if (!LocalPaths.isLocal(shardDir)) {
                throw new UserError(shardDir + ": the memory-mapped layout needs a local path");
            }
            this.dir = Path.of(LocalPaths.stripFileScheme(shardDir));
            Path meta = dir.resolve(META);
            if (!meta.toFile().isFile()) {
                throw new UserError(dir + ": no " + META + " (not a memory-mapped shard, or its writer did not finish)");
            }
            Map<String, Object> m = Json.readMap(Fs.readString(meta.toString()));
            this.spec = TensorSpec.fromMap(m);
            this.rows = ((Number) m.get("rows")).longValue();
            this.rowsPerBlock = rowsPerBlock;
            long expected = rows * spec.featureSize() * Float.BYTES;
            long actual = dir.resolve(FEATURES).toFile().length();
            if (actual != expected || dir.resolve(LABELS).toFile().length() != rows * 4) {
                throw new UserError(dir.resolve(FEATURES) + ": " + actual + " bytes, expected " + expected
                        + " for " + rows + " rows (truncated?)");
            }
        }

        public long rows() {
            return rows;
        }

        @Override
        public TensorSpec spec() {
            return spec;
        }

        @Override
        public int count() {
            return (int) ((rows + rowsPerBlock - 1) / rowsPerBlock);
        }

        @Override
        public TensorBlock read(int index) {
            long first = (long) index * rowsPerBlock;
            int n = (int) Math.min(rowsPerBlock, rows - first);
            int rowBytes = spec.featureSize() * Float.BYTES;
            try {
                MappedByteBuffer labelBytes = MappedFile.map(dir.resolve(LABELS), first * 4, (long) n * 4);
                int[] labels = new int[n];
                labelBytes.asIntBuffer().get(labels);
                MappedFile.unmapper(labelBytes).run();
                // features stay mapped: rows are copied from the page cache straight into the batch
                MappedByteBuffer features = MappedFile.map(dir.resolve(FEATURES), first * rowBytes, (long) n * rowBytes);
                return TensorBlock.packed(n, spec.featureSize(), features, labels, MappedFile.unmapper(features));
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot map rows " + first + ".." + (first + n), e);
            }
        }
    }
}
