package dev.dlpipe.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * A {@code /v1/predict} body read straight into the model's input: {@code {"instances": [{"features": [...]},
 * {"image": "<base64>"}, {"record": {...}}, {"text": "..."}]}}. Numbers stream from the parser into one float array (nested arrays flatten in
 * row-major order), with no tree of boxed numbers in between: at one row per request, parsing is most of a
 * request's cost. Anything else is a {@link ServedModel.BadInstance} naming the field.
 */
final class PredictRequest {

    /**
     * Jackson's fast floating-point parser (Lemire's algorithm, correctly rounded like {@link Float#parseFloat}):
     * clients such as Python's json module write 17 significant digits per number, and the JDK's parser takes its
     * big-integer path for those; with it, reading the numbers was half of the server's CPU at one row per request.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    final float[] features;
    final int rows;

    private PredictRequest(float[] features, int rows) {
        this.features = features;
        this.rows = rows;
    }

    static PredictRequest parse(byte[] body, ServedModel model) {
        int width = model.spec.featureSize();
        float[] out = new float[width * 4];
        int rows = 0;
        boolean sawInstances = false;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ServedModel.BadInstance("instances", "the body must be {\"instances\": [ ... ]}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (!"instances".equals(name)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw new ServedModel.BadInstance("instances", "instances must be an array");
                }
                sawInstances = true;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    String field = "instances[" + rows + "]";
                    if ((rows + 1) * width > out.length) {
                        out = java.util.Arrays.copyOf(out, out.length * 2);
                    }
                    instance(p, model, field, out, rows * width, width);
                    rows++;
                }
            }
        } catch (JsonParseException e) {
            throw new ServedModel.BadInstance("body", "the body is not JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new ServedModel.BadInstance("body", "the body cannot be read: " + e.getMessage());
        }
        if (!sawInstances || rows == 0) {
            throw new ServedModel.BadInstance("instances",
                    "the body must be {\"instances\": [ ... ]} with at least one instance");
        }
        return new PredictRequest(out.length == rows * width ? out : java.util.Arrays.copyOf(out, rows * width), rows);
    }

    private static void instance(JsonParser p, ServedModel model, String field, float[] out, int at, int width)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            throw new ServedModel.BadInstance(field, field + " must be an object with " + model.instanceKeys());
        }
        boolean done = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (done) {
                p.skipChildren();
                continue;
            }
            if ("features".equals(name)) {
                int n = numbers(p, field + ".features", out, at, width, 0);
                if (n != width) {
                    throw new ServedModel.BadInstance(field + ".features", field + ".features has " + n
                            + " values; the model takes " + width + " (" + model.kind() + ")");
                }
                done = true;
            } else if ("image".equals(name) || "text".equals(name)) {
                String key = field + "." + name;
                if (t != JsonToken.VALUE_STRING) {
                    p.skipChildren();
                    throw new ServedModel.BadInstance(key, key + " must be a " + ("image".equals(name) ? "base64 " : "")
                            + "string");
                }
                float[] f = "image".equals(name) ? model.image(p.getText(), key) : model.text(p.getText(), key);
                System.arraycopy(f, 0, out, at, width);
                done = true;
            } else if ("record".equals(name)) {
                if (t != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    throw new ServedModel.BadInstance(field + ".record", field + ".record must be an object {column: value}");
                }
                @SuppressWarnings("unchecked")
                java.util.Map<String, Object> record = dev.dlpipe.core.Json.MAPPER.readValue(p, java.util.Map.class);
                float[] f = model.record(record, field + ".record");
                if (f.length != width) {
                    throw new ServedModel.BadInstance(field + ".record", "the record gives " + f.length
                            + " features; the model takes " + width);
                }
                System.arraycopy(f, 0, out, at, width);
                done = true;
            } else {
                p.skipChildren();
            }
        }
        if (!done) {
            throw new ServedModel.BadInstance(field, field + " has none of " + model.instanceKeys());
        }
    }

    /** Reads the value at the parser into out[at..], flattening arrays; returns how many numbers it held. */
    private static int numbers(JsonParser p, String field, float[] out, int at, int width, int n) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_ARRAY) {
            while (p.nextToken() != JsonToken.END_ARRAY) {
                n = numbers(p, field, out, at, width, n);
            }
            return n;
        }
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            float v = p.getFloatValue();
            if (!Float.isFinite(v)) {
                throw new ServedModel.BadInstance(field, field + "[" + n + "] is not a finite number");
            }
            if (n < width) {
                out[at + n] = v;
            }
            return n + 1;
        }
        p.skipChildren();
        throw new ServedModel.BadInstance(field, field + "[" + n + "] is " + (t == JsonToken.VALUE_NULL ? "null"
                : t == JsonToken.VALUE_STRING ? "a string" : t == JsonToken.START_OBJECT ? "an object" : "a boolean")
                + ", not a number");
    }
}
