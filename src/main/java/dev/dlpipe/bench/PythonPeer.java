package dev.dlpipe.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a committed peer script (docs/peers/*.py) in the same benchmark run and reads the JSON object it prints last.
 * Peers are optional: where the interpreter or its packages are missing the result is {"not_run": why} and the
 * benchmark prints our figures alone. Peers on Debian's packages (scikit-learn) run on /usr/bin/python3; peers on
 * pip packages (torch, onnxruntime) on {@link #pip()}.
 */
final class PythonPeer {

    private PythonPeer() {
    }

    static final String DEBIAN = "/usr/bin/python3";

    /** $DLPIPE_PEER_PYTHON (say, a venv with torch and onnxruntime from pip), else python3 on the PATH. */
    static String pip() {
        String env = System.getenv("DLPIPE_PEER_PYTHON");
        return env != null && !env.isBlank() ? env : "python3";
    }

    /** {@code hint}: how to get what the script needs, shown when it fails. */
    static Map<String, Object> run(String python, String script, List<String> args, String hint) {
        List<String> cmd = new ArrayList<>(List.of(python, script));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).start();
            // stderr drained on its own thread so a chatty peer cannot block on a full pipe
            java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    return e.getMessage();
                }
            });
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                return Map.of("not_run", python + " " + script + " failed (" + hint + "): "
                        + err.join().lines().reduce((a, b) -> b).orElse(""));
            }
            int start = stdout.lastIndexOf("\n{");
            return dev.dlpipe.core.Json.readMap(start < 0 ? stdout : stdout.substring(start + 1));
        } catch (IOException e) {
            return Map.of("not_run", "no " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of("not_run", "interrupted");
        }
    }
}
