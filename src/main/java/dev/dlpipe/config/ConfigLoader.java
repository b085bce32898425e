package dev.dlpipe.config;

import dev.dlpipe.LocalPaths;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link Config} from layers, later layers winning: {@code conf/defaults.yaml} (bundled in the jar) →
 * the files given (a profile such as {@code conf/local.yaml}, then a pipeline file) → {@code --set key=value}
 * overrides. Everything is validated here, so errors name the key and the file before Spark starts.
 */
public final class ConfigLoader {

    public static final String DEFAULTS_RESOURCE = "/conf/defaults.yaml";
    public static final String DEFAULTS_NAME = "conf/defaults.yaml";
    static final String OVERRIDE_ORIGIN = "--set";

    /** Duplicate keys are an error, not "last one wins": a file that says epochs twice means one of them by mistake. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Map<String, Object> values = new TreeMap<>();
    private final Map<String, String> origins = new TreeMap<>();

    private ConfigLoader() {
    }

    /** Loads defaults, then each file in order, then the {@code key=value} overrides; validates the result. */
    public static Config load(List<Path> files, List<String> overrides) {
        ConfigLoader loader = new ConfigLoader();
        loader.applyTree(readDefaults(), DEFAULTS_NAME);
        for (Path file : files) {
            loader.applyTree(readFile(file), file.toString());
        }
        for (String override : overrides) {
            loader.applyOverride(override);
        }
        return loader.validate();
    }

    public static Config defaults() {
        return load(List.of(), List.of());
    }

    private static Map<String, Object> readDefaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new ConfigException(DEFAULTS_NAME + " is missing from the classpath (the build copies it from conf/)");
            }
            return parse(YAML.readTree(in), DEFAULTS_NAME);
        } catch (IOException e) {
            throw new ConfigException(DEFAULTS_NAME + ": cannot be read: " + e.getMessage());
        }
    }

    private static Map<String, Object> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file not found: " + file);
        }
        try {
            return parse(YAML.readTree(file.toFile()), file.toString());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException(file + ": invalid YAML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(com.fasterxml.jackson.databind.JsonNode node, String origin) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new ConfigException(origin + ": the top level must be a map of keys, not " + node.getNodeType());
        }
        return YAML.convertValue(node, LinkedHashMap.class);
    }

    /** Walks a nested YAML tree; dotted keys and nested sections are equivalent ({@code train: {epochs: 3}} = {@code train.epochs: 3}). */
    private void applyTree(Map<String, Object> tree, String origin) {
        fromThisLayer.clear();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            applyNode(String.valueOf(e.getKey()), e.getValue(), origin);
        }
    }

    /** Keys set by the layer being read: {@code train: {epochs: 3}} beside {@code train.epochs: 4} is a duplicate too. */
    private final java.util.Set<String> fromThisLayer = new java.util.HashSet<>();

    @SuppressWarnings("unchecked")
    private void applyNode(String name, Object value, String origin) {
        ConfigKey key = ConfigSchema.get(name);
        if (key != null) {
            if (!fromThisLayer.add(name)) {
                throw new ConfigException("config key '" + name + "' is set twice in " + origin);
            }
            set(key, value, origin);
        } else if (value instanceof Map<?, ?> m && ConfigSchema.isSection(name)) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                applyNode(name + "." + e.getKey(), e.getValue(), origin);
            }
        } else {
            throw unknownKey(name, origin);
        }
    }

    private void applyOverride(String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException(OVERRIDE_ORIGIN + " '" + override + "': expected key=value");
        }
        String name = override.substring(0, eq).trim();
        String text = override.substring(eq + 1).trim();
        ConfigKey key = ConfigSchema.get(name);
        if (key != null) {
            set(key, text, OVERRIDE_ORIGIN + " " + name);
            return;
        }
        // spark.conf.spark.sql.shuffle.partitions=4 : one entry of a MAP-typed key
        for (ConfigKey k : ConfigSchema.keys().values()) {
            if (k.type() == ValueType.MAP && name.startsWith(k.name() + ".")) {
                set(k, Map.of(name.substring(k.name().length() + 1), text), OVERRIDE_ORIGIN + " " + name);
                return;
            }
        }
        throw unknownKey(name, OVERRIDE_ORIGIN);
    }

    private static ConfigException unknownKey(String name, String origin) {
        String hint = ConfigSchema.closest(name);
        return new ConfigException("unknown config key '" + name + "' in " + origin
                + (hint == null ? "" : " (did you mean '" + hint + "'?)"));
    }

    @SuppressWarnings("unchecked")
    private void set(ConfigKey key, Object value, String origin) {
        Object typed = coerce(key, value, origin);
        if (key.type() == ValueType.MAP && values.get(key.name()) instanceof Map<?, ?> previous) {
            Map<String, String> merged = new TreeMap<>((Map<String, String>) previous);
            merged.putAll((Map<String, String>) typed);
            typed = merged;
        }
        values.put(key.name(), typed);
        origins.put(key.name(), origin);
    }

    private static Object coerce(ConfigKey key, Object value, String origin) {
        String where = "config key '" + key.name() + "' in " + origin;
        if (value == null) {
            throw new ConfigException(where + " has no value; expected " + key.type().description());
        }
        try {
            switch (key.type()) {
                case INT: {
                    long v;
                    if (value instanceof Number n && !(value instanceof Double || value instanceof Float)) {
                        v = n.longValue();
                    } else if (value instanceof String s) {
                        v = Long.parseLong(s.trim());
                    } else {
                        throw new NumberFormatException();
                    }
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw new NumberFormatException();
                    }
                    return (int) v;
                }
                case DOUBLE:
                    if (value instanceof Number n) {
                        return n.doubleValue();
                    }
                    if (value instanceof String s) {
                        return Double.parseDouble(s.trim());
                    }
                    throw new NumberFormatException();
                case BOOLEAN:
                    if (value instanceof Boolean b) {
                        return b;
                    }
                    if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                        return Boolean.parseBoolean(s);
                    }
                    throw new NumberFormatException();
                case STRING_LIST: {
                    List<String> out = new ArrayList<>();
                    if (value instanceof List<?> l) {
                        for (Object o : l) {
                            out.add(scalar(o, where, key));
                        }
                    } else if (value instanceof String s) {
                        // --set k=a,b and YAML's flow style --set k=[a, b] mean the same list
                        String items = s.trim().startsWith("[") && s.trim().endsWith("]")
                                ? s.trim().substring(1, s.trim().length() - 1) : s;
                        for (String part : items.split(",")) {
                            if (!part.isBlank()) {
                                out.add(part.trim());
                            }
                        }
                    } else {
                        throw new NumberFormatException();
                    }
                    return List.copyOf(out);
                }
                case MAP: {
                    if (!(value instanceof Map<?, ?> m)) {
                        throw new NumberFormatException();
                    }
                    Map<String, String> out = new TreeMap<>();
                    flattenMap("", m, out, where, key);
                    return out;
                }
                default:
                    return scalar(value, where, key);
            }
        } catch (NumberFormatException e) {
            throw new ConfigException(where + " must be " + key.type().description() + ", got '" + value + "'");
        }
    }

    private static void flattenMap(String prefix, Map<?, ?> m, Map<String, String> out, String where, ConfigKey key) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> inner) {
                flattenMap(k + ".", inner, out, where, key);
            } else {
                out.put(k, scalar(e.getValue(), where, key));
            }
        }
    }

    private static String scalar(Object o, String where, ConfigKey key) {
        if (o == null || o instanceof Map || o instanceof List) {
            throw new ConfigException(where + " must be " + key.type().description() + ", got '" + o + "'");
        }
        return String.valueOf(o);
    }

    private Config validate() {
        for (ConfigKey key : ConfigSchema.keys().values()) {
            if (!values.containsKey(key.name())) {
                throw new ConfigException("config key '" + key.name() + "' has no value: " + DEFAULTS_NAME
                        + " must define every key");
            }
            Object v = values.get(key.name());
            String where = "config key '" + key.name() + "' in " + origins.get(key.name());
            if (v instanceof Number n && (key.min() != null || key.max() != null)) {
                double d = n.doubleValue();
                if ((key.min() != null && d < key.min()) || (key.max() != null && d > key.max())) {
                    throw new ConfigException(where + " is " + v + ", outside the allowed range ["
                            + fmt(key.min()) + ", " + fmt(key.max()) + "]");
                }
            }
            if (!key.allowed().isEmpty()) {
                List<?> items = v instanceof List<?> l ? l : List.of(v);
                for (Object item : items) {
                    if (!key.allowed().contains(item)) {
                        throw new ConfigException(where + " is '" + item + "'; allowed: " + String.join(", ", key.allowed()));
                    }
                }
            }
            if (key.type() == ValueType.INPUT_PATH && v instanceof String s && !s.isEmpty() && LocalPaths.isLocal(s)
                    && !Files.exists(Path.of(LocalPaths.stripFileScheme(s)))) {
                throw new ConfigException(where + ": path '" + s + "' does not exist");
            }
        }
        return new Config(values, origins);
    }

    private static String fmt(Double d) {
        if (d == null) {
            return "";
        }
        return d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(d);
    }
}
