package dev.dlpipe;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

/** Child processes for the end-to-end tests: start with a log, wait with a deadline, kill a whole tree. */
public final class Processes {

    private Processes() {
    }

    public static Process start(Path dir, List<String> command, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    public static int waitFor(Process p, int seconds) throws InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            killTree(p);
            fail("timed out after " + seconds + " s: " + p.info().commandLine().orElse("?"));
        }
        return p.exitValue();
    }

    public static void awaitFile(Path file, Process p, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!Files.exists(file)) {
            if (!p.isAlive()) {
                fail("process ended (exit " + p.exitValue() + ") before " + file + " appeared");
            }
            if (System.nanoTime() > deadline) {
                killTree(p);
                fail("no " + file + " after " + seconds + " s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                killTree(p);
                throw e;
            }
        }
    }

    /** SIGKILL to the process and everything it started, as a lost machine or Airflow's zombie reaper would. */
    public static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not kill " + p.pid(), e);
        }
    }

    public static byte[] entry(Path zip, String name) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry(name)).readAllBytes();
        }
    }

    public static List<String> concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
