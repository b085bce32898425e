package dev.dlpipe.bench;

import dev.dlpipe.load.BatchPolicy;
import dev.dlpipe.load.EpochIterator;
import dev.dlpipe.load.ParquetBlocks;
import dev.dlpipe.load.ShardIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Peak resident memory of the Parquet loader: child JVMs with a small heap read either a prefix (the small
 * dataset) or all of the {@code bench loaders} Parquet shards with prefetch on, and report VmHWM from
 * /proc/self/status. Bounded memory means the peak does not grow with the dataset.
 */
public final class LoaderMemoryBenchmark {

    private LoaderMemoryBenchmark() {
    }

    /** In the child JVM: iterate up to {@code maxRows} rows, then print rows read and peak RSS in kB. */
    public static void child(String parquetDir, long maxRows, int batch) throws IOException {
        EpochIterator it = new EpochIterator(new ParquetBlocks(ShardIndex.of(parquetDir)),
                new BatchPolicy(batch, true, 1, 4096, false, 2).withReusedBuffers());
        long rows = 0;
        double checksum = 0;
        while (it.hasNext() && rows < maxRows) {
            DataSet ds = it.next();
            rows += ds.numExamples();
            checksum += ds.getFeatures().getDouble(0, 0);
        }
        long hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        System.out.println("RESULT " + rows + " " + hwm + " " + checksum);
    }

    public static Map<String, Object> run(String work, long rows, long smallRows, String heap, int rowGroupMb)
            throws Exception {
        Path parquet = Path.of(work, "loaders-" + rows + "-rg" + rowGroupMb, "parquet");
        if (!Files.isDirectory(parquet)) {
            throw new dev.dlpipe.UserError(parquet + " does not exist: run ./run bench loaders --rows " + rows
                    + " --row-group-mb " + rowGroupMb + " first");
        }
        long dataBytes = ShardIndex.of(parquet.toString()).bytes();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("heap", heap);
        out.put("row_group_mb", rowGroupMb);
        out.put("dataset_bytes", dataBytes);
        long[] small = measure(parquet, smallRows, heap);
        long[] large = measure(parquet, Long.MAX_VALUE, heap);
        out.put("small_rows", small[0]);
        out.put("small_peak_rss_mb", small[1] / 1024);
        out.put("large_rows", large[0]);
        out.put("large_peak_rss_mb", large[1] / 1024);
        out.put("large_to_small_peak", Math.round(100.0 * large[1] / small[1]) / 100.0);
        return out;
    }

    private static long[] measure(Path parquet, long maxRows, String heap) throws Exception {
        List<String> cmd = ChildJvm.command(heap, List.of("bench", "loader-memory-child", "--dir", parquet.toString(),
                "--max-rows", String.valueOf(maxRows)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        for (String line : output.split("\n")) {
            if (line.startsWith("RESULT ")) {
                String[] parts = line.split(" ");
                System.out.printf("read %s rows with -Xmx%s: peak RSS %,d MB%n", parts[1], heap, Long.parseLong(parts[2]) / 1024);
                return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])};
            }
        }
        throw new IllegalStateException("child JVM exited " + code + " without a result:\n" + output);
    }
}
