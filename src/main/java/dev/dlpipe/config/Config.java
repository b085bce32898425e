package dev.dlpipe.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The effective configuration: typed values after layering and validation, each with the layer it came from.
 * Immutable; stages read it through their own small settings records.
 */
public final class Config implements Serializable {

    private final Map<String, Object> values;
    private final Map<String, String> origins;

    Config(Map<String, Object> values, Map<String, String> origins) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.origins = Collections.unmodifiableMap(new TreeMap<>(origins));
    }

    private Object raw(String key) {
        if (!values.containsKey(key)) {
            throw new ConfigException("config key '" + key + "' is not defined (not a known key, or missing from conf/defaults.yaml)");
        }
        return values.get(key);
    }

    public String string(String key) {
        return (String) raw(key);
    }

    public int integer(String key) {
        return (Integer) raw(key);
    }

    public double number(String key) {
        return (Double) raw(key);
    }

    public boolean bool(String key) {
        return (Boolean) raw(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        return (List<String>) raw(key);
    }

    @SuppressWarnings("unchecked")
    public Map<String, String> map(String key) {
        return (Map<String, String>) raw(key);
    }

    /** Which layer (file or command-line flag) the key's value came from. */
    public String origin(String key) {
        return origins.getOrDefault(key, "?");
    }

    /** The values as a sorted map, for manifests and {@code --print-config}. */
    public Map<String, Object> asMap() {
        return values;
    }

    /** Values whose names start with {@code prefix + "."}, for a stage's manifest. */
    public Map<String, Object> section(String prefix) {
        Map<String, Object> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix + ".")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
