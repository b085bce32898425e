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

    /**
     * {@code load}: "java" (the JDK's HttpClient in this JVM) or "wrk" (Debian's wrk, a C load generator in its own
     * process: it takes a smaller share of the shared cores than the JDK client).
     */
    public static Map<String, Object> run(Config config, String export, String pack, int seconds, int[] concurrency,
                                          int batchOn, int delayOn, String load) throws Exception {
        if (!Fs.exists(Fs.child(export, ExportStage.MANIFEST))) {
            throw new UserError("bench serve: " + export + " is not an export output; run ./run quickstart first, or give --export");
        }
        if (!load.equals("java") && !load.equals("wrk")) {
            throw new UserError("bench serve: --load must be java or wrk, not " + load);
        }
        java.nio.file.Path wrk = load.equals("wrk") ? onPath("wrk") : null;
        if (load.equals("wrk") && wrk == null) {
            throw new UserError("bench serve --load wrk: wrk is not on the PATH (Debian: apt-get install wrk)");
        }
        List<String> bodies = requests(pack, 512);
        java.nio.file.Path scratch = wrk == null ? null : java.nio.file.Files.createTempDirectory("dlpipe-wrk");
        if (scratch != null) {
            // one body per line: the same bytes the JDK client sends, with its line breaks (whitespace) as spaces
            java.nio.file.Files.write(scratch.resolve("bodies.txt"),
                    bodies.stream().map(b -> b.replace('\n', ' ').replace('\r', ' ')).toList());
            java.nio.file.Files.writeString(scratch.resolve("post.lua"), WRK_SCRIPT);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpu", dev.dlpipe.core.CpuInfo.describe());
        out.put("load_generator", wrk == null ? "JDK HttpClient in the benchmark's JVM" : "wrk (" + wrk + "), 1 thread");
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        ServeSettings base = ServeSettings.from(config).onPort(0);
        System.out.printf(Locale.ROOT, "%-22s %11s %12s %9s %9s %9s %8s%n", "batching", "concurrency", "requests/s",
                "p50 ms", "p95 ms", "p99 ms", "errors");
        for (boolean batching : new boolean[] {false, true}) {
            ServeSettings s = batching ? base.batching(batchOn, delayOn) : base.batching(1, 0);
            try (ModelServer server = ModelServer.start(export, s)) {
                String url = "http://127.0.0.1:" + server.port() + "/v1/predict";
                for (int c : concurrency) {
                    Map<String, Object> r;
                    if (scratch == null) {
                        load(url, bodies, c, 2); // warm-up: JIT, connections
                        r = load(url, bodies, c, seconds);
                    } else {
                        wrk(wrk, scratch, url, c, 2);
                        r = wrk(wrk, scratch, url, c, seconds);
                    }
                    String name = (batching ? "on (<=" + batchOn + " rows, " + delayOn + " ms)" : "off");
                    results.put(name + " c=" + c, r);
                    System.out.printf(Locale.ROOT, "%-22s %11d %,12.0f %9.2f %9.2f %9.2f %8s%n", name, c,
                            r.get("requests_per_second"), r.get("p50_ms"), r.get("p95_ms"), r.get("p99_ms"), r.get("errors"));
                }
            }
        }
        out.put("results", results);
        if (scratch != null) {
            java.nio.file.Files.delete(scratch.resolve("bodies.txt"));
            java.nio.file.Files.delete(scratch.resolve("post.lua"));
            java.nio.file.Files.delete(scratch);
        }
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

    /**
     * wrk's script: POSTs the bodies file's lines in turn, then prints one line wrk's own summary lacks (p95 and
     * every error kind together).
     */
    private static final String WRK_SCRIPT = String.join("\n",
            "local bodies = {}",
            "local i = 0",
            "function init(args)",
            "  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end",
            "end",
            "wrk.method = \"POST\"",
            "wrk.headers[\"Content-Type\"] = \"application/json\"",
            "function request()",
            "  i = i % #bodies + 1",
            "  return wrk.format(nil, nil, nil, bodies[i])",
            "end",
            "function done(summary, latency, requests)",
            "  local e = summary.errors",
            "  io.write(string.format(\"DLPIPE %d %d %.3f %.3f %.3f %d\\n\", summary.requests, summary.duration,",
            "    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,",
            "    e.connect + e.read + e.write + e.status + e.timeout))",
            "end", "");

    /** One point with wrk: {@code clients} connections on one thread for {@code seconds}. */
    private static Map<String, Object> wrk(java.nio.file.Path wrk, java.nio.file.Path scratch, String url, int clients,
                                           int seconds) throws Exception {
        Process p = new ProcessBuilder(wrk.toString(), "-t1", "-c" + clients, "-d" + seconds + "s", "--timeout", "10s",
                "-s", scratch.resolve("post.lua").toString(), url, "--", scratch.resolve("bodies.txt").toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + output);
        }
        String line = output.lines().filter(l -> l.startsWith("DLPIPE ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("wrk printed no summary: " + output));
        String[] f = line.split(" ");
        long requests = Long.parseLong(f[1]);
        double duration = Long.parseLong(f[2]) / 1e6;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clients", clients);
        m.put("requests", requests);
        m.put("requests_per_second", requests / duration);
        m.put("p50_ms", Double.parseDouble(f[3]));
        m.put("p95_ms", Double.parseDouble(f[4]));
        m.put("p99_ms", Double.parseDouble(f[5]));
        m.put("errors", Long.parseLong(f[6]));
        return m;
    }

    private static java.nio.file.Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            java.nio.file.Path p = java.nio.file.Path.of(dir, program);
            if (java.nio.file.Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
