package dev.dlpipe.train;

import static dev.dlpipe.Processes.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.Processes;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training as users run it, through the project's own launchers: {@code ./run train} killed with SIGKILL after its
 * first checkpoint and resumed with {@code --resume} (it must end bit-identical to an uninterrupted run), and a real
 * standalone cluster (master + 2 workers from {@code jobs/cluster.sh}, spark.authenticate on) that trains through
 * {@code jobs/train.sh} (SparkSubmit) while one of its executors is killed.
 */
class TrainingIT {

    static final Path PROJECT = Path.of(System.getProperty("dlpipe.project.dir", ".")).toAbsolutePath();
    static final Path WORK = PROJECT.resolve("target/it");
    static final Path PACK = WORK.resolve("data/pack");

    @BeforeAll
    static void packTheSampleImages() throws Exception {
        if (!Files.exists(PACK.resolve("_manifest.json"))) {
            Process p = start(List.of("./run", "pipeline", "run", "pipelines/quickstart.yaml",
                    "--set", "pipeline.stages=clean,pack", "--set", "run.dir=" + WORK.resolve("data")),
                    Map.of(), WORK.resolve("data.log"));
            assertEquals(0, waitFor(p, 300), "packing failed; see " + WORK.resolve("data.log"));
        }
    }

    @Test
    void aRunKilledAfterItsFirstCheckpointResumesToTheSameModel() throws Exception {
        List<String> train = List.of("./run", "train", "--input", PACK.toString(), "--set", "train.epochs=3",
                "--set", "train.workers=2");
        Path full = WORK.resolve("resume/full");
        Path killed = WORK.resolve("resume/killed");
        deleteRecursively(WORK.resolve("resume"));

        assertEquals(0, waitFor(start(concat(train, "--output", full.toString()), Map.of(),
                WORK.resolve("resume-full.log")), 300));

        Process p = start(concat(train, "--output", killed.toString()), Map.of(), WORK.resolve("resume-killed.log"));
        Path firstCheckpoint = Path.of(killed + "-checkpoints", "epoch-0001", Checkpoints.STATE);
        awaitFile(firstCheckpoint, p, 300);
        killTree(p);
        assertFalse(Files.exists(killed.resolve("model.zip")), "the killed run must not have published an output");
        assertFalse(Files.exists(Path.of(killed + "-checkpoints", "epoch-0003")), "killed too late to test anything");

        Path resumeLog = WORK.resolve("resume-resumed.log");
        assertEquals(0, waitFor(start(concat(train, "--output", killed.toString(), "--resume"), Map.of(), resumeLog), 300));
        assertTrue(Files.readString(resumeLog).contains("resuming after epoch"), "resumed from a checkpoint");
        for (String entry : List.of("coefficients.bin", "updaterState.bin")) {
            assertArrayEquals(entry(full.resolve("model.zip"), entry), entry(killed.resolve("model.zip"), entry),
                    entry + " differs between the uninterrupted and the resumed run");
        }
        assertEquals(3, Files.readAllLines(killed.resolve("metrics.jsonl")).size(), "one metrics line per epoch");
    }

    /** min-delta 0.5 on the validation loss: nothing after epoch 1 counts as better, so patience 1 stops at epoch 2. */
    @Test
    void earlyStoppingKeepsTheBestEpochAndTheScheduleSetsEachEpochsRate() throws Exception {
        Path out = WORK.resolve("early/train");
        deleteRecursively(WORK.resolve("early"));
        assertEquals(0, waitFor(start(List.of("./run", "train", "--input", PACK.toString(), "--output", out.toString(),
                "--set", "train.epochs=8", "--set", "train.early-stopping-patience=1", "--set", "train.min-delta=0.5",
                "--set", "train.lr-schedule=cosine", "--set", "train.warmup-epochs=1"), Map.of(),
                WORK.resolve("early.log")), 300));
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(2, metrics.size(), "stopped after epoch 2");
        assertTrue(metrics.get(0).contains("\"learning_rate\":0.001,"), "warmup epoch 1 of 1: half the base rate");
        assertTrue(metrics.get(1).contains("\"learning_rate\":0.002,"), "first cosine epoch: the base rate");
        String manifest = Files.readString(out.resolve("_manifest.json"));
        assertTrue(manifest.replace(" ", "").contains("\"early_stopped\":true"), manifest);
        assertTrue(manifest.replace(" ", "").contains("\"best_epoch\":1"), manifest);
        assertArrayEquals(entry(Path.of(out + "-checkpoints", "epoch-0001", "model.zip"), "coefficients.bin"),
                entry(out.resolve("model.zip"), "coefficients.bin"), "the published model is epoch 1's");
    }

    @Test
    void aStandaloneClusterTrainsThroughSparkSubmitAndSurvivesALostExecutor() throws Exception {
        Path clusterDir = WORK.resolve("cluster");
        deleteRecursively(clusterDir);
        Map<String, String> env = new HashMap<>();
        env.put("DLPIPE_CLUSTER_DIR", clusterDir.toString());
        env.put("DLPIPE_MASTER_PORT", String.valueOf(freePort()));
        env.put("DLPIPE_MASTER_UI_PORT", String.valueOf(freePort()));
        env.put("DLPIPE_WORKER_UI_PORT", String.valueOf(freePort()));
        assertEquals(0, waitFor(start(List.of("jobs/cluster.sh", "start", "--workers", "2", "--memory", "2g"), env,
                WORK.resolve("cluster-start.log")), 180), "cluster start failed; see " + WORK.resolve("cluster-start.log"));
        try {
            Path auth = clusterDir.resolve("auth.properties");
            assertTrue(Files.readString(auth).contains("spark.authenticate true"));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(auth)), "the secret is readable by its owner only");
            env.put("SPARK_MASTER", "spark://127.0.0.1:" + env.get("DLPIPE_MASTER_PORT"));
            env.put("DLPIPE_SPARK_PROPERTIES", auth.toString());
            env.put("SPARK_SUBMIT_ARGS", "--executor-memory 1g");
            Path out = WORK.resolve("cluster-train");
            deleteRecursively(out);
            Process submit = start(List.of("jobs/train.sh", "--input", PACK.toString(), "--output", out.toString(),
                    "--set", "train.epochs=3", "--set", "train.workers=2", "--set", "memory.nd4j-max-bytes=2g",
                    "--set", "memory.executor-overhead=512m"), env,
                    WORK.resolve("cluster-train.log"));
            awaitFile(Path.of(out + "-checkpoints", "epoch-0001", Checkpoints.STATE), submit, 300);
            List<ProcessHandle> executors = executorsUnder(clusterDir);
            assertEquals(2, executors.size(), "one executor per worker");
            assertFalse(Files.exists(Path.of(out + "-checkpoints", "epoch-0003")), "killed too late to test anything");
            executors.get(0).destroyForcibly(); // SIGKILL: the worker reports it lost, Spark reruns its tasks
            executors.get(0).onExit().get(30, TimeUnit.SECONDS);

            assertEquals(0, waitFor(submit, 600), "training did not survive the lost executor; see "
                    + WORK.resolve("cluster-train.log"));
            assertTrue(Files.exists(out.resolve("model.zip")));
            List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
            assertEquals(3, metrics.size());
            double accuracy = Double.parseDouble(metrics.get(2).replaceAll(".*\"val_accuracy\":([0-9.]+).*", "$1"));
            assertTrue(accuracy > 0.8, "validation accuracy after 3 epochs: " + accuracy);
            assertTrue(Files.readString(WORK.resolve("cluster-train.log")).contains("Lost executor"),
                    "the driver saw the executor go");
            String workers = Files.readString(clusterDir.resolve("logs/worker-1.log"))
                    + Files.readString(clusterDir.resolve("logs/worker-2.log"));
            String executorLogs = executorStderr(clusterDir);
            assertTrue(executorLogs.contains("ND4J off-heap max 2048 MB")
                    && executorLogs.contains("spark.executor.memoryOverhead 512m"), "each executor logs its limits");
            assertTrue(workers.contains("finished with state FAILED") || workers.contains("finished with state KILLED")
                    || workers.contains("exited with code"), "a worker saw its executor die");
        } finally {
            waitFor(start(List.of("jobs/cluster.sh", "stop"), env, WORK.resolve("cluster-stop.log")), 60);
        }
        assertTrue(executorsUnder(clusterDir).isEmpty(), "stop leaves no executor behind");
    }

    // ---- helpers ----

    static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        return Processes.start(PROJECT, command, env, log);
    }

    /** Executor JVMs started by this cluster's workers: they run in a work directory below the cluster dir. */
    static List<ProcessHandle> executorsUnder(Path clusterDir) {
        List<ProcessHandle> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            String cmd = h.info().commandLine().orElse("");
            if (cmd.contains("CoarseGrainedExecutorBackend")) {
                try {
                    Path cwd = Files.readSymbolicLink(Path.of("/proc", String.valueOf(h.pid()), "cwd"));
                    if (cwd.startsWith(clusterDir)) {
                        out.add(h);
                    }
                } catch (IOException e) {
                    // ended meanwhile, or not ours to inspect
                }
            }
        });
        return out;
    }

    static String executorStderr(Path clusterDir) throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.walk(clusterDir.resolve("work"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The directory and the checkpoints training keeps beside it. */
    static void deleteRecursively(Path dir) throws IOException {
        Processes.deleteRecursively(dir);
        Processes.deleteRecursively(Path.of(dir + "-checkpoints"));
    }
}
