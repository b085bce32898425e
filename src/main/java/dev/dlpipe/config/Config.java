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
    /** Keys read through this instance, when it tracks them (see {@link #tracking()}); null otherwise. */
    private final transient java.util.Set<String> reads;

    Config(Map<String, Object> values, Map<String, String> origins) {
        this(Collections.unmodifiableMap(new TreeMap<>(values)), Collections.unmodifiableMap(new TreeMap<>(origins)),
                null);
    }

    private Config(Map<String, Object> values, Map<String, String> origins, java.util.Set<String> reads) {
        this.values = values;
        this.origins = origins;
        this.reads = reads;
    }

    /** The same configuration with one value replaced (already validated by the caller), its origin recorded. */
    public Config with(String key, Object value, String origin) {
        Map<String, Object> v = new TreeMap<>(values);
        Map<String, String> o = new TreeMap<>(origins);
        v.put(key, value);
        o.put(key, origin);
        return new Config(Collections.unmodifiableMap(v), Collections.unmodifiableMap(o), reads);
    }

    /**
     * The same values, remembering which keys are read: a stage's manifest records exactly the configuration it
     * used, however it reads it (directly, through a settings record, or through another stage's helpers).
     */
    public Config tracking() {
        return new Config(values, origins, new java.util.concurrent.ConcurrentSkipListSet<>());
    }

    /** The keys read so far through a {@link #tracking()} instance, sorted. */
    public java.util.SortedSet<String> readKeys() {
        return reads == null ? new java.util.TreeSet<>() : new java.util.TreeSet<>(reads);
    }

    private Object raw(String key) {
        if (!values.containsKey(key)) {
            throw new ConfigException("config key '" + key + "' is not defined (not a known key, or missing from conf/defaults.yaml)");
        }
        if (reads != null) {
            reads.add(key);
        }
        return values.get(key);
    }

    /** One key's value as manifests show it (secrets redacted). */
    public Object shown(String key) {
        return redact(key, raw(key));
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

    /**
     * The values as a sorted map, for manifests, run.json and {@code --print-config}: anything that is written or
     * shown. Values of secret-looking keys ({@link #isSecret}) read {@value #REDACTED}, also inside maps such as
     * {@code spark.conf}; the stages read the real values through {@link #string} and {@link #map}.
     */
    public Map<String, Object> asMap() {
        Map<String, Object> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, redact(k, v)));
        return out;
    }

    /** Values whose names start with {@code prefix + "."}, for a stage's manifest; redacted like {@link #asMap}. */
    public Map<String, Object> section(String prefix) {
        Map<String, Object> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix + ".")) {
                out.put(k, redact(k, raw(k)));
            }
        });
        return out;
    }

    public static final String REDACTED = "*** (redacted)";
    private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
            "(?i).*(secret|password|passwd|token|credential|access[._-]?key|private[._-]?key|api[._-]?key).*");

    /** A key whose value must never be written down: spark.authenticate.secret, fs.s3a.secret.key, ... */
    public static boolean isSecret(String key) {
        return SECRET.matcher(key).matches();
    }

    private static Object redact(String key, Object value) {
        if (isSecret(key)) {
            return REDACTED;
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), isSecret(String.valueOf(k)) ? REDACTED : v));
            return out;
        }
        return value;
    }
}
