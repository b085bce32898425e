package dev.dlpipe.bench;

import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.load.BatchPolicy;
import dev.dlpipe.load.ConcatBlocks;
import dev.dlpipe.load.EpochIterator;
import dev.dlpipe.load.Hdf5Shard;
import dev.dlpipe.load.MmapShard;
import dev.dlpipe.load.ParquetBlocks;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.pack.TensorShardWriter;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Loader throughput on one generated tensor dataset (1x28x28 float32 rows, values k/255): our Parquet loader,
 * our memory-mapped loader, DL4J's CSVRecordReader + RecordReaderDataSetIterator, and a raw sequential read of
 * the decoded bytes, each over the same rows and printing samples/s and MB/s (MB of decoded float32 data).
 */
public final class LoaderBenchmark {

    static final TensorSpec SPEC = new TensorSpec(1, 28, 28, "unit", 10);

    private LoaderBenchmark() {
    }

    /** Writes {@code shards} shards of {@code rows} rows in total as Parquet, mmap and (for {@code csvRows}) CSV. */
    static void generate(Path dir, long rows, int shards, long csvRows, int rowGroupMb) throws IOException {
        int fs = SPEC.featureSize();
        float[] f = new float[fs];
        long perShard = (rows + shards - 1) / shards;
        long written = 0;
        try (BufferedWriter csv = Files.newBufferedWriter(dir.resolve("data.csv"), StandardCharsets.US_ASCII)) {
            for (int s = 0; s < shards; s++) {
                String name = String.format("part-%05d", s);
                try (TensorShardWriter pq = new TensorShardWriter(dir.resolve("parquet").resolve(name + ".parquet").toString(),
                        SPEC, "train", (long) rowGroupMb << 20);
                     MmapShard.Writer mm = new MmapShard.Writer(dir.resolve("mmap").resolve(name).toString(), SPEC);
                     dev.dlpipe.load.Hdf5Shard.Writer h5 = new dev.dlpipe.load.Hdf5Shard.Writer(
                             dir.resolve("hdf5").resolve(name + ".h5").toString(), SPEC, 1024, 0)) {
                    for (long i = 0; i < perShard && written < rows; i++, written++) {
                        SplittableRandom rnd = new SplittableRandom(written);
                        for (int j = 0; j < fs; j++) {
                            f[j] = rnd.nextInt(256) / 255f;
                        }
                        int label = rnd.nextInt(10);
                        pq.write("r" + written, label, f);
                        mm.write(label, f);
                        h5.write(label, f);
                        if (written < csvRows) {
                            csv.write(Integer.toString(label));
                            for (float v : f) {
                                csv.write(',');
                                csv.write(Float.toString(v));
                            }
                            csv.write('\n');
                        }
                    }
                }
            }
        }
        Files.writeString(dir.resolve("COMPLETE"), rows + "," + shards + "," + csvRows);
    }

    public static Map<String, Object> run(String work, long rows, int shards, long csvRows, int batch, int rowGroupMb)
            throws IOException {
        Path dir = Path.of(work, "loaders-" + rows + "-rg" + rowGroupMb);
        if (!Files.exists(dir.resolve("COMPLETE"))) {
            Files.createDirectories(dir.resolve("parquet"));
            long t0 = System.nanoTime();
            generate(dir, rows, shards, csvRows, rowGroupMb);
            System.out.printf(Locale.ROOT, "generated %,d rows (%.2f GB decoded) in %.0f s%n", rows,
                    rows * SPEC.featureSize() * 4 / 1e9, (System.nanoTime() - t0) / 1e9);
        }
        List<Map<String, Object>> results = new ArrayList<>();
        double mbPerRow = SPEC.featureSize() * 4 / 1e6;

        // raw sequential read of the decoded bytes (the mmap features files), 16 MB reads
        long t0 = System.nanoTime();
        long bytes = 0;
        ByteBuffer buf = ByteBuffer.allocateDirect(16 << 20);
        for (File part : parts(dir.resolve("mmap"))) {
            try (FileChannel ch = FileChannel.open(part.toPath().resolve(MmapShard.FEATURES), StandardOpenOption.READ)) {
                int n;
                while ((n = ch.read(buf)) > 0) {
                    bytes += n;
                    buf.clear();
                }
            }
        }
        results.add(result("raw sequential read", bytes / (SPEC.featureSize() * 4L), (System.nanoTime() - t0) / 1e9, mbPerRow));

        BatchPolicy policy = new BatchPolicy(batch, false, 0, 0, false, 2).withReusedBuffers();
        results.add(time("dlpipe Parquet loader", new EpochIterator(new ParquetBlocks(ShardIndex.of(dir.resolve("parquet").toString())), policy), mbPerRow));
        results.add(time("dlpipe memory-mapped loader", new EpochIterator(new ConcatBlocks(java.util.Arrays.stream(parts(dir.resolve("mmap")))
                .map(p -> new MmapShard.Blocks(p.toString(), 8192)).toList()), policy), mbPerRow));
        try {
            CSVRecordReader reader = new CSVRecordReader(0, ',');
            reader.initialize(new FileSplit(dir.resolve("data.csv").toFile()));
            results.add(time("DL4J CSVRecordReader + RecordReaderDataSetIterator (first " + csvRows + " rows)",
                    new RecordReaderDataSetIterator(reader, batch, 0, 10), mbPerRow));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        results.add(time("dlpipe HDF5 loader (libhdf5 hyperslabs of 8 chunks, uncompressed)",
                new EpochIterator(new ConcatBlocks(java.util.Arrays.stream(sorted(dir.resolve("hdf5").toFile()
                .listFiles(f -> f.getName().endsWith(".h5")))).map(f -> new Hdf5Shard.Blocks(f.toString(), 8192)).toList()), policy), mbPerRow));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("decoded_gb", Math.round(rows * mbPerRow / 10) / 100.0);
        out.put("batch", batch);
        out.put("results", results);
        double parquet = (double) results.get(1).get("samples_per_second");
        double csv = (double) results.get(3).get("samples_per_second");
        double raw = (double) results.get(0).get("samples_per_second");
        out.put("parquet_vs_csv", Math.round(parquet / csv * 10) / 10.0);
        out.put("parquet_vs_raw", Math.round(parquet / raw * 100) / 100.0);
        return out;
    }

    private static File[] parts(Path dir) {
        return sorted(dir.toFile().listFiles(f -> f.getName().startsWith("part-")));
    }

    private static File[] sorted(File[] files) {
        java.util.Arrays.sort(files);
        return files;
    }

    private static Map<String, Object> time(String name, DataSetIterator it, double mbPerRow) {
        long t0 = System.nanoTime();
        long n = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            n += ds.numExamples();
        }
        return result(name, n, (System.nanoTime() - t0) / 1e9, mbPerRow);
    }

    private static Map<String, Object> result(String name, long rows, double seconds, double mbPerRow) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("loader", name);
        r.put("rows", rows);
        r.put("seconds", Math.round(seconds * 100) / 100.0);
        r.put("samples_per_second", (double) Math.round(rows / seconds));
        r.put("mb_per_second", Math.round(rows * mbPerRow / seconds));
        System.out.printf(Locale.ROOT, "%-75s %,10d rows %8.2f s %,12.0f samples/s %,8.0f MB/s%n", name, rows, seconds,
                rows / seconds, rows * mbPerRow / seconds);
        return r;
    }
}
