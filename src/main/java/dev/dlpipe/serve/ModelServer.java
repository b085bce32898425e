package dev.dlpipe.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dlpipe.UserError;
import dev.dlpipe.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online model server. HTTP is the JDK's own server ({@code com.sun.net.httpserver}, module jdk.httpserver):
 * maintained with the JDK, already on every Java 17 install, so serving adds no dependency and no HTTP parsing of
 * ours; it handles keep-alive and chunked bodies, and its threads only wait here, since the work runs in the
 * batcher's workers on one shared ONNX Runtime session.
 * <ul>
 * <li>{@code POST /v1/predict} {@code {"instances": [{"features": [...]}, {"image": "<base64>"}, {"record": {..}},
 *     {"text": ".."}]}} answers
 *     {@code {"model_version", "predictions": [{"label", "class", "probabilities"}]}}; a bad field is 400 naming
 *     it, a body over {@code serve.max-body-bytes} 413, a full queue 503 with Retry-After;
 * <li>{@code GET /healthz} (the process answers), {@code GET /readyz} (a model is loaded and warmed up, and the
 *     server is not shutting down), {@code GET /metrics} (Prometheus), {@code GET /v1/model} (the export manifest
 *     and what is served from it);
 * <li>{@code POST /v1/reload} {@code {"model": "EXPORT_DIR"}} loads and warms the new export, then swaps it in:
 *     batches already running finish on the old session, which closes after the last one.
 * </ul>
 * {@link #close()} stops taking connections, answers everything already queued, then closes the session.
 */
public final class ModelServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
    private static final int WAIT_SECONDS = 30;

    static {
        // the JDK server leaves Nagle's algorithm on unless told; with the client's delayed ACKs every small answer
        // then waited ~40 ms (measured: p50 48 ms at one client). Read once, when its first server starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final ServeSettings settings;
    private final AtomicReference<ServedModel> model = new AtomicReference<>();
    private final ServeMetrics metrics;
    private final DynamicBatcher batcher;
    private final HttpServer http;
    private final ExecutorService handlers;
    private volatile boolean ready;

    private ModelServer(ServeSettings s, ServedModel first) throws IOException {
        this.settings = s;
        this.model.set(first);
        this.metrics = new ServeMetrics(this::queueDepth);
        this.metrics.model(first.version);
        this.batcher = new DynamicBatcher(s, metrics);
        this.http = HttpServer.create(new InetSocketAddress(s.host(), s.port()), 256);
        this.handlers = Executors.newFixedThreadPool(s.httpThreads(), r -> {
            Thread t = new Thread(r, "dlpipe-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(handlers);
        http.createContext("/v1/predict", this::predict);
        http.createContext("/v1/model", e -> answer(e, 200, Json.write(model.get().describe(settings))));
        http.createContext("/v1/reload", this::reload);
        http.createContext("/healthz", e -> answer(e, 200, "{\"status\":\"ok\"}"));
        http.createContext("/readyz", e -> answer(e, ready ? 200 : 503, ready ? "{\"status\":\"ready\"}"
                : "{\"status\":\"not ready\"}"));
        http.createContext("/metrics", e -> {
            byte[] body = metrics.text().getBytes(StandardCharsets.UTF_8);
            e.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            e.sendResponseHeaders(200, body.length);
            try (OutputStream out = e.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        ready = true;
    }

    /** Loads and warms the export, then listens; a model that cannot be served is a one-line error first. */
    public static ModelServer start(String exportDir, ServeSettings s) throws IOException {
        ServedModel m = ServedModel.load(exportDir, s);
        try {
            ModelServer server = new ModelServer(s, m);
            LOG.info("serving {} ({}; {}) on http://{}:{}/v1/predict, batches up to {} rows within {} ms, {} replica(s)",
                    m.version, m.kind(), m.why, s.host(), server.port(), s.maxBatchSize(), s.maxDelayMs(), s.replicas());
            return server;
        } catch (java.net.BindException e) {
            m.close();
            throw new UserError("serve: cannot listen on " + s.host() + ":" + s.port() + " (" + e.getMessage()
                    + "); choose another serve.port (--port)");
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private int queueDepth() {
        return batcher == null ? 0 : batcher.depth();
    }

    private void predict(HttpExchange e) throws IOException {
        long t0 = System.nanoTime();
        int code;
        try {
            code = predictOrRefuse(e);
        } catch (IOException gone) {
            // the connection broke while reading the body or writing the answer: the client closed it (a load
            // generator stopping, a timeout on its side). Nothing can be answered; counted as 499 (nginx's
            // "client closed request"), not logged as a server error
            LOG.debug("client went away: {}", gone.toString());
            code = 499;
        } catch (RuntimeException ex) {
            LOG.error("predict failed: {}", ex.toString());
            code = 500;
            answer(e, 500, error(null, "internal error: " + ex.getMessage()));
        }
        metrics.request(code, (System.nanoTime() - t0) / 1e9);
    }

    private int predictOrRefuse(HttpExchange e) throws IOException {
        if (!"POST".equals(e.getRequestMethod())) {
            e.getResponseHeaders().set("Allow", "POST");
            return answer(e, 405, error(null, "POST a JSON body {\"instances\": [...]} here"));
        }
        byte[] body = readBody(e);
        if (body == null) {
            return answer(e, 413, error(null, "the body is larger than serve.max-body-bytes (" + settings.maxBodyBytes()
                    + " bytes); send fewer instances per request"));
        }
        ServedModel m = model.get();
        while (!m.acquire()) { // retired between get() and acquire(): the reload has published its successor
            m = model.get();
        }
        try {
            return predictWith(e, body, m);
        } finally {
            m.release();
        }
    }

    /** Rows prepared by {@code m}'s preprocessing are answered by {@code m}, even when a reload comes in between. */
    private int predictWith(HttpExchange e, byte[] body, ServedModel m) throws IOException {
        PredictRequest request;
        try {
            request = PredictRequest.parse(body, m);
        } catch (ServedModel.BadInstance bad) {
            return answer(e, 400, error(bad.field, bad.getMessage()));
        }
        CompletableFuture<DynamicBatcher.Answer> result = new CompletableFuture<>();
        m.acquire(); // held by the queued job until it is answered, even if this request stops waiting first
        result.whenComplete((answer, failure) -> m.release());
        if (!batcher.offer(new DynamicBatcher.Job(request.features, request.rows, m, result))) {
            result.cancel(false);
            e.getResponseHeaders().set("Retry-After", "1");
            return answer(e, 503, error(null, ready ? "the queue is full (serve.queue-capacity "
                    + settings.queueCapacity() + "); retry after a second" : "shutting down"));
        }
        DynamicBatcher.Answer a;
        try {
            a = result.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException ex) {
            return answer(e, 503, error(null, "no answer within " + WAIT_SECONDS + " s"));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return answer(e, 503, error(null, "interrupted"));
        } catch (ExecutionException ex) {
            return answer(e, 500, error(null, "the model failed: " + ex.getCause().getMessage()));
        }
        List<Map<String, Object>> predictions = new ArrayList<>();
        for (float[] p : a.probabilities()) {
            int best = dev.dlpipe.model.Probabilities.argMax(p);
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("label", best < a.model().classNames.size() ? a.model().classNames.get(best) : String.valueOf(best));
            one.put("class", best);
            one.put("probabilities", p);
            predictions.add(one);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_version", a.model().version);
        out.put("predictions", predictions);
        return answer(e, 200, Json.MAPPER.writeValueAsString(out));
    }

    private void reload(HttpExchange e) throws IOException {
        if (!"POST".equals(e.getRequestMethod())) {
            e.getResponseHeaders().set("Allow", "POST");
            answer(e, 405, error(null, "POST {\"model\": \"EXPORT_DIR\"} here"));
            return;
        }
        byte[] body = readBody(e);
        Object dir;
        try {
            dir = body == null ? null : Json.MAPPER.readValue(body, Object.class) instanceof Map<?, ?> m ? m.get("model") : null;
        } catch (IOException ex) {
            dir = null;
        }
        if (!(dir instanceof String exportDir) || exportDir.isBlank()) {
            answer(e, 400, error("model", "the body must be {\"model\": \"EXPORT_DIR\"}"));
            return;
        }
        ServedModel next;
        try {
            next = ServedModel.load(exportDir, settings);
        } catch (RuntimeException ex) {
            answer(e, 400, error("model", "cannot serve " + exportDir + ": " + ex.getMessage()));
            return;
        }
        if (next.spec.featureSize() != model.get().spec.featureSize()) { // clients send the served shape
            String msg = exportDir + " takes " + next.kind() + ", the served model " + model.get().kind()
                    + ": a model of another input needs a server of its own";
            next.close();
            answer(e, 400, error("model", msg));
            return;
        }
        ServedModel old = model.getAndSet(next);
        metrics.model(next.version);
        old.close(); // closes its session when the batches running on it are done
        LOG.info("reloaded: now serving {} from {} (was {})", next.version, exportDir, old.version);
        answer(e, 200, Json.write(Map.of("model_version", next.version, "previous", old.version)));
    }

    /** The body, or null when it is larger than the limit (read no further than one byte past it). */
    private byte[] readBody(HttpExchange e) throws IOException {
        String length = e.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > settings.maxBodyBytes()) {
                    return null;
                }
            } catch (NumberFormatException ignored) {
                // the read below enforces the limit
            }
        }
        try (InputStream in = e.getRequestBody()) {
            byte[] b = in.readNBytes(settings.maxBodyBytes() + 1);
            return b.length > settings.maxBodyBytes() ? null : b;
        }
    }

    private static String error(String field, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        if (field != null) {
            m.put("field", field);
        }
        return Json.write(m);
    }

    private static int answer(HttpExchange e, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("Content-Type", "application/json");
        e.sendResponseHeaders(code, body.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(body);
        }
        return code;
    }

    /** Not ready any more, no new connections; queued requests are answered, then the session closes. */
    @Override
    public void close() {
        ready = false;
        try {
            batcher.drain(WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.stop(1); // waits (up to a second) for exchanges that are writing their answers
        handlers.shutdown();
        model.get().close();
        LOG.info("server stopped");
    }
}
