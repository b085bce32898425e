package dev.dlpipe.serve;

import dev.dlpipe.core.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pipeline tests' way to ask a real server (on 127.0.0.1, a free port) for predictions of raw instances and compare
 * them with what the score stage wrote for the same rows.
 */
public final class ServeClient implements AutoCloseable {

    /** One answer: HTTP status, and for 200 the class and its probability; else the error's field and message. */
    public record Answer(int status, int predicted, float confidence, String field, String error) {
    }

    private final ModelServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    private ServeClient(ModelServer server) {
        this.server = server;
    }

    /** A server over the export with batching on (up to 32 rows, 2 ms), FP32, one replica. */
    public static ServeClient start(String exportDir) throws java.io.IOException {
        return new ServeClient(ModelServer.start(exportDir,
                new ServeSettings("127.0.0.1", 0, 32, 2, 1, 256, 4 << 20, "fp32", 1, 4)));
    }

    /** Each instance sent alone (so one bad one does not hide the others' answers). */
    public List<Answer> predictEach(List<Map<String, Object>> instances) throws Exception {
        List<Answer> out = new ArrayList<>();
        for (Map<String, Object> instance : instances) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                            + "/v1/predict")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("instances", List.of(instance)))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            Map<String, Object> body = Json.readMap(r.body());
            if (r.statusCode() != 200) {
                out.add(new Answer(r.statusCode(), -1, Float.NaN, String.valueOf(body.get("field")),
                        String.valueOf(body.get("error"))));
                continue;
            }
            Map<?, ?> p = (Map<?, ?>) ((List<?>) body.get("predictions")).get(0);
            int predicted = ((Number) p.get("class")).intValue();
            out.add(new Answer(200, predicted,
                    ((Number) ((List<?>) p.get("probabilities")).get(predicted)).floatValue(), null, null));
        }
        return out;
    }

    @Override
    public void close() {
        server.close();
    }
}
