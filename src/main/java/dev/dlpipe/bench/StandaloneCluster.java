package dev.dlpipe.bench;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.SparkSessions;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;

/**
 * A standalone cluster for benchmarks, started and stopped with the project's jobs/cluster.sh (free ports, its own
 * state directory), and a SparkSession of this JVM against it that ships the job jar to the executors.
 */
final class StandaloneCluster implements AutoCloseable {

    private final Path dir;
    private final Map<String, String> env;
    private final String home;

    private StandaloneCluster(Path dir, Map<String, String> env, String home) {
        this.dir = dir;
        this.env = env;
        this.home = home;
    }

    /** {@code encrypted}: Spark's network encryption on (jobs/cluster.sh start --encrypt). */
    static StandaloneCluster start(Path dir, boolean encrypted) throws IOException, InterruptedException {
        String home = System.getProperty("dlpipe.home", ".");
        Map<String, String> env = Map.of("DLPIPE_CLUSTER_DIR", dir.toAbsolutePath().toString(),
                "DLPIPE_MASTER_PORT", String.valueOf(freePort()), "DLPIPE_MASTER_UI_PORT", String.valueOf(freePort()),
                "DLPIPE_WORKER_UI_PORT", String.valueOf(freePort()), "DLPIPE_NO_BUILD", "1");
        StandaloneCluster c = new StandaloneCluster(dir.toAbsolutePath(), env, home);
        List<String> args = new java.util.ArrayList<>(List.of("start", "--workers", "2", "--cores", "1", "--memory",
                "3g"));
        if (encrypted) {
            args.add("--encrypt");
        }
        c.script(args.toArray(String[]::new));
        return c;
    }

    SparkSession session(Config config, String executorJvmFlags) throws IOException {
        Properties auth = new Properties();
        try (FileInputStream in = new FileInputStream(dir.resolve("auth.properties").toFile())) {
            auth.load(in);
        }
        auth.forEach((k, v) -> System.setProperty((String) k, (String) v));
        System.setProperty("spark.master", "spark://127.0.0.1:" + env.get("DLPIPE_MASTER_PORT"));
        System.setProperty("spark.jars", jobJar());
        System.setProperty("spark.executor.memory", "2g");
        // the executors get the flags this JVM was started with (Java 17 opens, ND4J cache, logging)
        System.setProperty("spark.executor.extraJavaOptions", String.join(" ",
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D")).toList())
                + (executorJvmFlags.isEmpty() ? "" : " " + executorJvmFlags));
        return SparkSessions.getOrCreate(config);
    }

    private String jobJar() throws IOException {
        try (var files = java.nio.file.Files.list(Path.of(home, "target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst()
                    .orElseThrow(() -> new IOException("no job jar in " + home + "/target")).toAbsolutePath().toString();
        }
    }

    private void script(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(home, "jobs", "cluster.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jobs/cluster.sh " + String.join(" ", args) + " failed; logs in " + dir.resolve("logs"));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (String k : List.of("spark.master", "spark.jars", "spark.executor.memory", "spark.executor.extraJavaOptions",
                "spark.authenticate", "spark.authenticate.secret", "spark.network.crypto.enabled")) {
            System.clearProperty(k);
        }
        script("stop");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
