package dev.dlpipe.bench;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.load.TensorBlock;
import dev.dlpipe.load.BlockCache;
import dev.dlpipe.serve.ModelServer;
import dev.dlpipe.serve.ServeSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench serve}: a closed-loop load generator on loopback against {@code serve} over the quickstart export, at
 * concurrency 1, 8 and 64, with dynamic batching off (every request alone) and on, each for a fixed time after a
 * warm-up. Each client sends one real test row per request (the pack's test split, in turn) and waits for the
 * answer before the next. Prints requests/s and the latency percentiles; the server and the clients share this
 * machine's cores, as they would on one box.
 */
public final class ServeBenchmark {

    private ServeBenchmark() {
    }

    public static Map<String, Object> run(Config config, String export, String pack, int seconds, int[] concurrency,
                                          int batchOn, int delayOn) throws Exception {
        if (!Fs.exists(Fs.child(export, ExportStage.MANIFEST))) {
            throw new UserError("bench serve: " + export + " is not an export output; run ./run quickstart first, or give --export");
        }
        List<String> bodies = requests(pack, 512);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpu", dev.dlpipe.core.CpuInfo.describe());
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        ServeSettings base = ServeSettings.from(config).onPort(0);
        System.out.printf(Locale.ROOT, "%-22s %11s %12s %9s %9s %9s %8s%n", "batching", "concurrency", "requests/s",
                "p50 ms", "p95 ms", "p99 ms", "errors");
        for (boolean batching : new boolean[] {false, true}) {
            ServeSettings s = batching ? base.batching(batchOn, delayOn) : base.batching(1, 0);
            try (ModelServer server = ModelServer.start(export, s)) {
                String url = "http://127.0.0.1:" + server.port() + "/v1/predict";
                for (int c : concurrency) {
                    load(url, bodies, c, 2); // warm-up: JIT, connections
                    Map<String, Object> r = load(url, bodies, c, seconds);
                    String name = (batching ? "on (<=" + batchOn + " rows, " + delayOn + " ms)" : "off");
                    results.put(name + " c=" + c, r);
                    System.out.printf(Locale.ROOT, "%-22s %11d %,12.0f %9.2f %9.2f %9.2f %8s%n", name, c,
                            r.get("requests_per_second"), r.get("p50_ms"), r.get("p95_ms"), r.get("p99_ms"), r.get("errors"));
                }
            }
        }
        out.put("results", results);
        return out;
    }

    /** One JSON body per test row: {"instances": [{"features": [...]}]}. */
    private static List<String> requests(String pack, int max) {
        List<String> bodies = new ArrayList<>();
        for (dev.dlpipe.load.ShardIndex.Shard shard : dev.dlpipe.load.ShardIndex.of(Fs.child(pack, "test")).shards()) {
            TensorBlock block = BlockCache.read(shard.uri(), 0);
            try {
                for (int r = 0; r < block.rows() && bodies.size() < max; r++) {
                    float[] f = new float[block.featureSize()];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = block.feature(r, i);
                    }
                    bodies.add(Json.write(Map.of("instances", List.of(Map.of("features", f)))));
                }
            } finally {
                block.release();
            }
            if (bodies.size() >= max) {
                break;
            }
        }
        if (bodies.isEmpty()) {
            throw new UserError("bench serve: no test rows in " + pack);
        }
        return bodies;
    }

    private static Map<String, Object> load(String url, List<String> bodies, int clients, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4)).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int first = c;
            futures.add(pool.submit(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                long errors = 0;
                for (int i = first; System.nanoTime() < end; i += clients) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size()))).build();
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    long t = System.nanoTime() - t0;
                    if (r.statusCode() != 200) {
                        errors++;
                        continue;
                    }
                    if (n == lat.length) {
                        lat = Arrays.copyOf(lat, n * 2);
                    }
                    lat[n++] = t;
                }
                long[] result = Arrays.copyOf(lat, n + 1);
                result[n] = errors;
                return result;
            }));
        }
        List<Long> all = new ArrayList<>();
        long errors = 0;
        for (Future<long[]> f : futures) {
            long[] r = f.get();
            for (int i = 0; i < r.length - 1; i++) {
                all.add(r[i]);
            }
            errors += r[r.length - 1];
        }
        pool.shutdown();
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clients", clients);
        m.put("requests", sorted.length);
        m.put("requests_per_second", sorted.length / (double) seconds);
        m.put("p50_ms", percentile(sorted, 0.50));
        m.put("p95_ms", percentile(sorted, 0.95));
        m.put("p99_ms", percentile(sorted, 0.99));
        m.put("errors", errors);
        return m;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
