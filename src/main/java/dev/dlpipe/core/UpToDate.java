package dev.dlpipe.core;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether a published stage output already is what running the stage again would write: the same stage, the same
 * dlpipe build, the same input fingerprints, and the same value for every configuration key the earlier run read.
 * That last test is enough because a stage decides what to read from what it has read: with equal values for
 * those keys it takes the same path and reads nothing else. An Airflow retry or a backfill of a finished stage
 * then costs a fingerprint instead of a recomputation, and a rerun with one changed setting runs again.
 *
 * <p>What it does not check: the output's own files. A published output is whole (it was renamed into place after
 * its manifest was written, see {@link AtomicOutput}); one edited by hand afterwards needs {@code --force}.
 */
public final class UpToDate {

    /** The verdict: {@code manifest} is set when the output is current, else {@code reason} says what differs. */
    public record Verdict(Map<String, Object> manifest, String reason) {
        public boolean current() {
            return manifest != null;
        }
    }

    private UpToDate() {
    }

    /**
     * Compares the output's {@code _manifest.json} with this run. {@code inputs} are this run's fingerprints, in
     * the stage's input order ({@link Fingerprint#of}).
     */
    @SuppressWarnings("unchecked")
    public static Verdict check(String stage, String output, List<Map<String, Object>> inputs, Config config) {
        String manifestFile = Fs.child(output, StageRunner.MANIFEST);
        if (!Fs.exists(manifestFile)) {
            return new Verdict(null, "no published output yet");
        }
        Map<String, Object> m;
        try {
            m = Json.readMap(Fs.readString(manifestFile));
        } catch (RuntimeException e) {
            return new Verdict(null, "its " + StageRunner.MANIFEST + " is unreadable (" + e.getMessage() + ")");
        }
        if (!stage.equals(m.get("stage"))) {
            return new Verdict(null, "it is the output of '" + m.get("stage") + "'");
        }
        String build = BuildInfo.version() + " " + BuildInfo.gitCommit();
        String built = m.get("dlpipe_version") + " " + m.get("git_commit");
        if (!build.equals(built)) {
            return new Verdict(null, "it was written by dlpipe " + built + ", this is " + build);
        }
        List<Map<String, Object>> before = m.get("inputs") instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
        if (before.size() != inputs.size()) {
            return new Verdict(null, "it was made from " + before.size() + " input(s), this run has " + inputs.size());
        }
        for (int i = 0; i < inputs.size(); i++) {
            Map<String, Object> now = inputs.get(i);
            Map<String, Object> then = before.get(i);
            if (!Objects.equals(now.get("method"), then.get("method"))
                    || !Objects.equals(now.get("sha256"), then.get("sha256"))) {
                return new Verdict(null, "input " + (i + 1) + " (" + now.get("path") + ") changed: fingerprint "
                        + abbreviate(then.get("sha256")) + " then, " + abbreviate(now.get("sha256")) + " now");
            }
        }
        Map<String, Object> read = m.get("config") instanceof Map<?, ?> c ? (Map<String, Object>) c : Map.of();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Object> e : read.entrySet()) {
            Object now;
            try {
                now = normalized(config.shown(e.getKey()));
            } catch (ConfigException unknown) {
                changed.add(e.getKey() + " (no longer a key)");
                continue;
            }
            if (!Objects.equals(now, e.getValue())) {
                changed.add(e.getKey() + " " + e.getValue() + " -> " + now);
            }
        }
        if (!changed.isEmpty()) {
            return new Verdict(null, "config changed: " + String.join(", ", changed));
        }
        return new Verdict(m, null);
    }

    /** The report a current output stands for: its manifest's counts and metrics, marked as skipped. */
    public static StageReport report(String stage, String output, Map<String, Object> manifest) {
        StageReport was = StageReport.fromManifest(output, manifest);
        String summary = "up to date, skipped (written " + manifest.get("started_at") + ")"
                + (was.summary().isBlank() ? "" : "; " + was.summary());
        return new StageReport(stage, was.output(), was.counts(), was.metrics(), summary, 0.0);
    }

    /** A value as the manifest holds it after a JSON round trip (numbers, lists and maps as Jackson reads them). */
    private static Object normalized(Object value) {
        return Json.readMap(Json.write(Map.of("v", value == null ? "" : value))).get("v");
    }

    private static String abbreviate(Object sha) {
        String s = String.valueOf(sha);
        return s.length() > 12 ? s.substring(0, 12) : s;
    }
}
