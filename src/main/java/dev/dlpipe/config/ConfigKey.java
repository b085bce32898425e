package dev.dlpipe.config;

import java.util.List;
import java.util.Objects;

/**
 * One known configuration key: its dotted name, type, what it means, and the constraints its value must meet.
 * Defaults are not here but in {@code conf/defaults.yaml}, so users read them in one place.
 */
public record ConfigKey(String name, ValueType type, String doc, Double min, Double max, List<String> allowed) {

    public ConfigKey {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        allowed = allowed == null ? List.of() : List.copyOf(allowed);
    }

    public static ConfigKey of(String name, ValueType type, String doc) {
        return new ConfigKey(name, type, doc, null, null, null);
    }

    public static ConfigKey range(String name, ValueType type, double min, double max, String doc) {
        return new ConfigKey(name, type, doc, min, max, null);
    }

    public static ConfigKey oneOf(String name, String doc, String... allowed) {
        return new ConfigKey(name, ValueType.STRING, doc, null, null, List.of(allowed));
    }

    /** Element constraint for a list of strings: each element must be one of {@code allowed}. */
    public static ConfigKey listOf(String name, String doc, String... allowed) {
        return new ConfigKey(name, ValueType.STRING_LIST, doc, null, null, List.of(allowed));
    }
}
