package dev.dlpipe.bench;

import dev.dlpipe.core.Fingerprint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * How long identifying an input takes: every byte hashed on the driver (what every stage did before), the same
 * digest computed by Spark tasks, and a listing (sizes and store checksums), with coreutils' sha256sum over the same
 * files as the peer. Writes {@code gb} GiB of shards once.
 */
public final class FingerprintBenchmark {

    private FingerprintBenchmark() {
    }

    public static Map<String, Object> run(SparkSession spark, String work, int gb) throws IOException {
        Path dir = Path.of(work, "fingerprint-" + gb + "g");
        int files = gb * 4; // 256 MiB each, like large Parquet shards
        if (!Files.isDirectory(dir) || Files.list(dir).count() != files) {
            Files.createDirectories(dir);
            byte[] block = new byte[1 << 20];
            SplittableRandom rnd = new SplittableRandom(1);
            for (int f = 0; f < files; f++) {
                try (OutputStream out = Files.newOutputStream(dir.resolve(String.format("part-%05d.parquet", f)))) {
                    for (int mb = 0; mb < 256; mb++) {
                        for (int i = 0; i < block.length; i += 8) {
                            long v = rnd.nextLong();
                            for (int b = 0; b < 8; b++) {
                                block[i + b] = (byte) (v >>> (8 * b));
                            }
                        }
                        out.write(block);
                    }
                }
            }
            System.out.println("wrote " + files + " files of 256 MiB in " + dir);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("input_gib", gb);
        out.put("files", files);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        for (String[] way : new String[][] {{"content_on_driver", "content"}, {"content_in_tasks", "content"},
                {"listing", "listing"}}) {
            long t0 = System.nanoTime();
            Map<String, Object> fp = Fingerprint.of(dir.toString(), way[1], way[0].equals("content_on_driver") ? null : jsc);
            double s = (System.nanoTime() - t0) / 1e9;
            out.put(way[0] + "_seconds", Math.round(s * 100) / 100.0);
            out.put(way[0] + "_gib_per_s", Math.round(gb / s * 100) / 100.0);
            System.out.printf("%-18s %7.2f s  (%s)%n", way[0], s, fp.get("sha256"));
        }
        // the peer a user would reach for: coreutils' sha256sum over the same files, one process, one core
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("sha256sum"));
        try (java.util.stream.Stream<Path> shards = Files.list(dir)) {
            shards.sorted().forEach(p -> cmd.add(p.toString()));
        }
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            int rc = p.waitFor();
            double s = (System.nanoTime() - t0) / 1e9;
            if (rc == 0) {
                out.put("sha256sum_seconds", Math.round(s * 100) / 100.0);
                out.put("sha256sum_gib_per_s", Math.round(gb / s * 100) / 100.0);
                System.out.printf("%-18s %7.2f s  (coreutils, for comparison)%n", "sha256sum", s);
            }
        } catch (IOException | InterruptedException e) {
            System.out.println("sha256sum not run: " + e.getMessage());
        }
        return out;
    }
}
