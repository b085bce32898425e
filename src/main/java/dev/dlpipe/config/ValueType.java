package dev.dlpipe.config;

/** The types a configuration value can have; parsing is strict so a typo fails before Spark starts. */
public enum ValueType {
    STRING("a string"),
    INT("an integer"),
    DOUBLE("a number"),
    BOOLEAN("true or false"),
    STRING_LIST("a list of strings"),
    /** A free-form map of string keys to scalar values (e.g. extra Spark settings). */
    MAP("a map of key: value"),
    /** A path that must exist when the configuration is validated (local paths only; URIs are checked by the stage). */
    INPUT_PATH("an existing path"),
    /** A path that will be created. */
    OUTPUT_PATH("a path");

    private final String description;

    ValueType(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
