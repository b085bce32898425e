package dev.dlpipe.core;

import java.io.InputStream;
import java.util.Properties;

/** Project version and git commit baked in at build time (dlpipe-build.properties), for provenance. */
public final class BuildInfo {

    private static final Properties PROPS = new Properties();

    static {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dlpipe-build.properties")) {
            if (in != null) {
                PROPS.load(in);
            }
        } catch (Exception ignored) {
            // provenance falls back to "unknown" below
        }
    }

    private BuildInfo() {
    }

    public static String version() {
        return value("version");
    }

    public static String gitCommit() {
        return value("git.commit");
    }

    /** The JVM flags Spark and ND4J need on Java 17 (the pom's spark.java17.opens, also target/jvm-opens.txt). */
    public static String java17Flags() {
        String v = value("java17.opens");
        if (v.equals("unknown")) {
            throw new IllegalStateException("dlpipe-build.properties has no java17.opens: the build filters it from the pom");
        }
        return v;
    }

    private static String value(String key) {
        String v = PROPS.getProperty(key);
        return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v;
    }
}
