package dev.dlpipe.serve;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Fingerprint;
import dev.dlpipe.core.Json;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.image.CleanImagesStage;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.train.TrainSettings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The server on 127.0.0.1 and a free port, over a real export (model.zip, model.onnx, tensor.json, the manifest)
 * in ONNX Runtime: every endpoint, predictions equal to DL4J's on the same rows (features and base64 PNGs), the
 * 400/405/413 answers naming the field, concurrent requests landing in shared batches, a full queue refusing,
 * a reload under load that drops nothing, and a shutdown that answers what it had taken.
 */
class ModelServerTest {

    static final TensorSpec SPEC = new TensorSpec(1, 8, 8, "unit", 3);
    static final List<String> CLASSES = List.of("cat", "dog", "eel");

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void endpointsPredictionsAndErrors() throws Exception {
        Network net = network(1);
        Path export = export(net, "a");
        try (ModelServer server = ModelServer.start(export.toString(), settings(8, 1))) {
            String base = "http://127.0.0.1:" + server.port();
            assertEquals(200, get(base + "/healthz").statusCode());
            assertEquals(200, get(base + "/readyz").statusCode());
            Map<String, Object> described = Json.readMap(get(base + "/v1/model").body());
            assertEquals("model.onnx", described.get("served_file"));
            assertEquals(CLASSES, ((Map<?, ?>) described.get("export_manifest")).get("class_names"));

            float[][] rows = randomRows(5, 11);
            List<Map<String, Object>> instances = new ArrayList<>();
            for (float[] r : rows) {
                instances.add(Map.of("features", r));
            }
            HttpResponse<String> r = post(base + "/v1/predict", Json.write(Map.of("instances", instances)));
            assertEquals(200, r.statusCode(), r.body());
            Map<String, Object> answer = Json.readMap(r.body());
            assertEquals(described.get("model_version"), answer.get("model_version"));
            List<?> predictions = (List<?>) answer.get("predictions");
            float[][] dl4j = net.output(Nd4j.create(rows)).toFloatMatrix();
            for (int i = 0; i < rows.length; i++) {
                Map<?, ?> p = (Map<?, ?>) predictions.get(i);
                List<?> probabilities = (List<?>) p.get("probabilities");
                int best = 0;
                for (int c = 0; c < 3; c++) {
                    assertEquals(dl4j[i][c], ((Number) probabilities.get(c)).floatValue(), 1e-5, "row " + i);
                    best = dl4j[i][c] > dl4j[i][best] ? c : best;
                }
                assertEquals(best, p.get("class"));
                assertEquals(CLASSES.get(best), p.get("label"));
            }

            // a PNG, decoded and scaled as clean does
            BufferedImage img = new BufferedImage(12, 10, BufferedImage.TYPE_BYTE_GRAY);
            Random random = new Random(3);
            for (int y = 0; y < 10; y++) {
                for (int x = 0; x < 12; x++) {
                    img.getRaster().setSample(x, y, 0, random.nextInt(256));
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            float[] cleaned = CleanImagesStage.clean("png", png.toByteArray(), 0, 0, 0,
                    new CleanImagesStage.Settings(8, 8, 1, "unit"));
            Map<String, Object> byImage = Json.readMap(post(base + "/v1/predict", Json.write(Map.of("instances",
                    List.of(Map.of("image", Base64.getEncoder().encodeToString(png.toByteArray())))))).body());
            Map<String, Object> byFeatures = Json.readMap(post(base + "/v1/predict", Json.write(Map.of("instances",
                    List.of(Map.of("features", cleaned))))).body());
            assertEquals(byFeatures.get("predictions"), byImage.get("predictions"));

            assertError(post(base + "/v1/predict", "{not json"), 400, "body");
            assertError(post(base + "/v1/predict", "{\"rows\": []}"), 400, "instances");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("features", rows[0]),
                    Map.of("features", List.of(1, 2, 3)))))), 400, "instances[1].features");
            List<Object> withText = new ArrayList<>();
            for (float v : rows[0]) {
                withText.add(v);
            }
            withText.set(7, "seven");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("features", withText))))),
                    400, "instances[0].features");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("image", "%%%"))))),
                    400, "instances[0].image");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("image",
                    Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})))))), 400, "instances[0].image");
            assertEquals(405, get(base + "/v1/predict").statusCode());
            assertEquals(413, post(base + "/v1/predict", "x".repeat(70_000)).statusCode());

            String metrics = get(base + "/metrics").body();
            assertTrue(metrics.contains("dlpipe_requests_total{code=\"200\"} 3"), metrics);
            assertTrue(metrics.contains("dlpipe_requests_total{code=\"400\"} 6"), metrics);
            assertTrue(metrics.contains("dlpipe_requests_total{code=\"413\"} 1"), metrics);
            assertTrue(metrics.contains("dlpipe_rows_total 7"), metrics);
            assertTrue(metrics.contains("dlpipe_request_latency_seconds_count 3"), metrics);
            assertTrue(metrics.contains("dlpipe_queue_depth 0"), metrics);
        }
    }

    @Test
    void concurrentRequestsShareBatchesAndAFullQueueRefuses() throws Exception {
        Path export = export(network(2), "b");
        int clients = 16;
        try (ModelServer server = ModelServer.start(export.toString(), settings(64, 200))) {
            String base = "http://127.0.0.1:" + server.port();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            String body = Json.write(Map.of("instances", List.of(Map.of("features", randomRows(1, 5)[0]))));
            for (int i = 0; i < clients; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return post(base + "/v1/predict", body);
                }));
            }
            go.countDown();
            for (Future<HttpResponse<String>> a : answers) {
                assertEquals(200, a.get().statusCode(), a.get().body());
            }
            pool.shutdown();
            String metrics = get(base + "/metrics").body();
            assertTrue(metrics.contains("dlpipe_batch_size_sum 16.0") || metrics.contains("dlpipe_rows_total 16"), metrics);
            long batches = Long.parseLong(metrics.lines().filter(l -> l.startsWith("dlpipe_batch_size_count "))
                    .findFirst().orElseThrow().split(" ")[1]);
            assertTrue(batches < clients, clients + " concurrent requests ran in " + batches + " batches: "
                    + "dynamic batching put some together");
        }

        // the queue bound: with the workers not started yet, the third request of a queue of two is refused
        ServeSettings two = new ServeSettings("127.0.0.1", 0, 8, 1, 1, 2, 65_536, "fp32", 1, 4);
        ServedModel m = ServedModel.load(export.toString(), two);
        DynamicBatcher batcher = new DynamicBatcher(two, new ServeMetrics(() -> 0), false);
        List<CompletableFuture<DynamicBatcher.Answer>> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            results.add(new CompletableFuture<>());
        }
        float[] row = randomRows(1, 9)[0];
        assertTrue(batcher.offer(new DynamicBatcher.Job(row, 1, m, results.get(0))));
        assertTrue(batcher.offer(new DynamicBatcher.Job(row, 1, m, results.get(1))));
        assertFalse(batcher.offer(new DynamicBatcher.Job(row, 1, m, results.get(2))), "a full queue refuses at once");
        batcher.start();
        assertEquals(1, results.get(0).get().probabilities().length);
        assertEquals(1, results.get(1).get().probabilities().length);
        batcher.close();
        m.close();
    }

    @Test
    void numbersAreReadAsFloatParseFloatReadsThem() throws Exception {
        // the fast parser must round exactly like the JDK: 17-digit doubles (Python's json), exponents, subnormals,
        // halfway cases, integers and negative zero
        Path export = export(network(4), "n");
        ServeSettings s = new ServeSettings("127.0.0.1", 0, 8, 1, 1, 8, 65_536, "fp32", 1, 4);
        String[] texts = {"0.12549019607843137", "0.1254902", "1", "-0.0", "1e-45", "1.4e-45", "3.4028235e38",
                "1.17549435E-38", "2.2250738585072014E-308", "0.3333333333333333", "16777217", "-7.006492321624085e-46",
                "123456789012345678901234567890", "9.999999999999999e-1", "1.00000017881393421514957253748434595763683319091796875001"};
        StringBuilder body = new StringBuilder("{\"instances\": [{\"features\": [");
        float[] expected = new float[SPEC.featureSize()];
        Random random = new Random(3);
        for (int i = 0; i < expected.length; i++) {
            String t = i < texts.length ? texts[i] : Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(9) - 6));
            expected[i] = Float.parseFloat(t);
            body.append(i == 0 ? "" : ", ").append(t);
        }
        body.append("]}]}");
        try (ServedModel m = ServedModel.load(export.toString(), s)) {
            float[] read = PredictRequest.parse(body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), m).features;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(read[i]),
                        "value " + i + ": " + (i < texts.length ? texts[i] : "") + " read as " + read[i]);
            }
        }
    }

    @Test
    void aReloadUnderLoadDropsNothingAndShutdownAnswersWhatItTook() throws Exception {
        Network first = network(3);
        Network second = network(4);
        Path a = export(first, "first");
        Path b = export(second, "second");
        ModelServer server = ModelServer.start(a.toString(), settings(16, 2));
        String base = "http://127.0.0.1:" + server.port();
        float[] row = randomRows(1, 13)[0];
        String body = Json.write(Map.of("instances", List.of(Map.of("features", row))));
        String v1 = (String) Json.readMap(post(base + "/v1/predict", body).body()).get("model_version");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            load.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = post(base + "/v1/predict", body);
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            });
        }
        Thread.sleep(300);
        assertError(post(base + "/v1/reload", Json.write(Map.of("model", dir.resolve("nowhere").toString()))), 400, "model");
        HttpResponse<String> reloaded = post(base + "/v1/reload", Json.write(Map.of("model", b.toString())));
        assertEquals(200, reloaded.statusCode(), reloaded.body());
        Thread.sleep(300);
        running.set(false);
        load.shutdown();
        assertTrue(load.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(List.of(), failures, "no request failed while the model was swapped");
        assertTrue(ok.get() > 20, "requests kept flowing: " + ok.get());

        Map<String, Object> after = Json.readMap(post(base + "/v1/predict", body).body());
        assertNotEquals(v1, after.get("model_version"));
        float[] expected = second.output(Nd4j.create(new float[][] {row})).toFloatMatrix()[0];
        List<?> p = (List<?>) ((Map<?, ?>) ((List<?>) after.get("predictions")).get(0)).get("probabilities");
        assertEquals(expected[0], ((Number) p.get(0)).floatValue(), 1e-5, "answers come from the new model");

        // shutdown while requests are in flight: each one taken is answered
        ExecutorService last = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inFlight.add(last.submit(() -> post(base + "/v1/predict", body)));
        }
        Thread.sleep(50);
        server.close();
        int answered = 0;
        for (Future<HttpResponse<String>> f : inFlight) {
            try {
                int code = f.get().statusCode();
                assertTrue(code == 200 || code == 503, "answered 200, or refused while shutting down: " + code);
                answered++;
            } catch (java.util.concurrent.ExecutionException e) {
                // a request that reached the socket after it closed: refused, never half-answered
                assertTrue(e.getCause() instanceof java.io.IOException, e.toString());
            }
        }
        last.shutdown();
        assertTrue(answered > 0);
        assertThrows(java.io.IOException.class, () -> get(base + "/healthz"), "closed: nothing listens");
    }

    @Test
    void aTableModelTakesRawRecordsThroughItsFittedStatistics() throws Exception {
        java.util.LinkedHashMap<String, dev.dlpipe.tabular.TabularStats.Numeric> numeric = new java.util.LinkedHashMap<>();
        numeric.put("age", new dev.dlpipe.tabular.TabularStats.Numeric(40.0, 18.0, 90.0, 40.0, 10.0));
        numeric.put("income", new dev.dlpipe.tabular.TabularStats.Numeric(null, null, null, 50_000.0, 20_000.0));
        java.util.LinkedHashMap<String, dev.dlpipe.tabular.TabularStats.Categorical> categorical = new java.util.LinkedHashMap<>();
        categorical.put("city", new dev.dlpipe.tabular.TabularStats.Categorical(List.of("Tokyo", "São Paulo"), "Tokyo"));
        dev.dlpipe.tabular.TabularStats stats = new dev.dlpipe.tabular.TabularStats(numeric, categorical, "onehot", "clip",
                List.of("age", "income", "city=Tokyo", "city=São Paulo", "city=<other>"), null);
        TensorSpec table = new TensorSpec(1, 1, 5, TensorSpec.TABULAR_STATS, 3);
        Nd4j.getRandom().setSeed(5);
        Network net = new Network(ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(),
                List.of("train.model=mlp", "train.hidden-units=8"))), table));
        Path export = export(net, "table", table);
        stats.writeTo(export.toString());
        try (ModelServer server = ModelServer.start(export.toString(), settings(8, 1))) {
            String base = "http://127.0.0.1:" + server.port();
            Map<String, Object> record = Map.of("age", 120, "income", "61000", "city", "São Paulo");
            float[] features = dev.dlpipe.tabular.TabularRecords.features(record, stats);
            assertArrayEquals(new float[] {5.0f, 0.55f, 0f, 1f, 0f}, features, 1e-6f, "age clipped to 90, one-hot");
            HttpResponse<String> r = post(base + "/v1/predict", Json.write(Map.of("instances", List.of(
                    Map.of("record", record), Map.of("features", features)))));
            assertEquals(200, r.statusCode(), r.body());
            List<?> p = (List<?>) Json.readMap(r.body()).get("predictions");
            assertEquals(((Map<?, ?>) p.get(1)).get("probabilities"), ((Map<?, ?>) p.get(0)).get("probabilities"),
                    "a raw record scores as its features");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("record",
                    Map.of("age", 30, "city", "Tokyo")))))), 400, "instances[0].record.income");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("record",
                    Map.of("age", "thirty", "income", 1, "city", "Tokyo")))))), 400, "instances[0].record.age");
            assertError(post(base + "/v1/predict", Json.write(Map.of("instances", List.of(Map.of("image", "AAAA"))))),
                    400, "instances[0].image");
        }
    }

    private ServeSettings settings(int maxBatch, int delayMs) {
        return ServeSettings.from(ConfigLoader.load(List.of(), List.of("serve.port=0", "serve.max-body-bytes=65536",
                "serve.max-batch-size=" + maxBatch, "serve.max-delay-ms=" + delayMs, "serve.variant=fp32",
                "serve.intra-op-threads=1", "serve.http-threads=32")));
    }

    private static Network network(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new Network(ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(),
                List.of("train.model=mlp", "train.hidden-units=16", "run.seed=" + seed))), SPEC));
    }

    private Path export(Network net, String name) throws Exception {
        return export(net, name, SPEC);
    }

    private Path export(Network net, String name, TensorSpec spec) throws Exception {
        Path export = Files.createDirectories(dir.resolve(name));
        Models.write(net, export.resolve(ExportStage.MODEL).toString());
        Files.write(export.resolve(ExportStage.ONNX), OnnxExporter.export(net, spec, false, Map.of(), "test"));
        spec.writeTo(export.toString());
        List<Map<String, Object>> files = new ArrayList<>();
        for (String f : List.of(ExportStage.MODEL, ExportStage.ONNX)) {
            files.add(Map.of("file", f, "sha256", Fingerprint.sha256(export.resolve(f).toString())));
        }
        Files.writeString(export.resolve(ExportStage.MANIFEST), Json.write(Map.of("files", files, "class_names", CLASSES)));
        return export;
    }

    private static float[][] randomRows(int n, long seed) {
        Random r = new Random(seed);
        float[][] rows = new float[n][SPEC.featureSize()];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextFloat();
            }
        }
        return rows;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> r, int code, String field) {
        assertEquals(code, r.statusCode(), r.body());
        Map<String, Object> m = Json.readMap(r.body());
        assertEquals(field, m.get("field"), r.body());
        assertFalse(String.valueOf(m.get("error")).isBlank());
    }
}
