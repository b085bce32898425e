package dev.dlpipe.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CLI entry point in a fresh JVM with this JVM's module opens, native cache and class path: for
 * measurements that need a process of their own (peak RSS) and for cases that may hang or die (killed at the
 * timeout, so one bad case cannot stop a benchmark).
 */
public final class ChildJvm {

    /** The main class to run: the CLI's, named here as a string so that bench does not depend on cli. */
    static final String MAIN = "dev.dlpipe.cli.Main";

    /** How the child ended; {@code timedOut}: it was killed after the timeout. */
    public record Result(int exitCode, String stdout, String stderr, double seconds, boolean timedOut) {
    }

    private ChildJvm() {
    }

    public static List<String> command(String heap, List<String> mainArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("-D")) {
                cmd.add(arg); // same module opens and native cache as this JVM
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MAIN);
        cmd.addAll(mainArgs);
        return cmd;
    }

    /** Runs {@code dlpipe mainArgs} in {@code workingDir}; output goes to files there, so nothing blocks on a pipe. */
    public static Result run(Path workingDir, long timeoutSeconds, String heap, List<String> mainArgs)
            throws IOException, InterruptedException {
        Files.createDirectories(workingDir);
        File out = Files.createTempFile(workingDir, "child", ".out").toFile();
        File err = Files.createTempFile(workingDir, "child", ".err").toFile();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command(heap, mainArgs)).directory(workingDir.toFile())
                .redirectOutput(out).redirectError(err).start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(done ? p.exitValue() : -1, Files.readString(out.toPath()), Files.readString(err.toPath()),
                seconds, !done);
    }
}
