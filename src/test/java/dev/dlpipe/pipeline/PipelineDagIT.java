package dev.dlpipe.pipeline;

import static dev.dlpipe.Processes.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Airflow route without Airflow, on the packaged jar: the DAG {@code ./run pipeline dag} writes for
 * pipelines/images.yaml is read by dag_tasks.py (ast, Jinja2, the Spark provider's command line); each task's command equals
 * what {@code jobs/<stage>.sh} submits for the same arguments; the commands then run for real, in dependency order,
 * through spark-submit (jobs/spark-submit: Spark's own launcher) from a working directory of their own, as an
 * Airflow worker runs them. The train task is SIGKILLed after its first epoch and run again, as a retry would.
 * The DAG run's directory (its report task writes run.json from the manifests) must match {@code ./run pipeline
 * run} of the same file: the same counts, metrics to 1e-6 and the same trained parameters, and nothing left behind
 * by the killed attempt.
 */
class PipelineDagIT {

    static final Path PROJECT = DagTasks.PROJECT;
    static final Path WORK = PROJECT.resolve("target/it-dag");
    /** pipelines/images.yaml: 500 of scikit-learn's digits as PNG class folders, small enough that the driver and
     * Spark start-ups of the eight tasks are most of the test's time; epochs enough to kill train mid-way. */
    static final String PIPELINE = "pipelines/images.yaml";
    static final List<String> SETS = List.of("train.epochs=8", "compress.finetune-epochs=1");
    /** Metrics that measure time on this machine, not the result. */
    static final Pattern TIMING = Pattern.compile("(?i).*(seconds|per_second|latency|_ms|serve|cpu).*");

    @Test
    void theDagsTasksRunThroughSparkSubmitAndGiveWhatThePipelineRunGives() throws Exception {
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        Path dag = WORK.resolve("images_dag.py");
        List<String> generate = new ArrayList<>(List.of("./run", "pipeline", "dag", PIPELINE,
                "--output", dag.toString()));
        SETS.forEach(s -> generate.addAll(List.of("--set", s)));
        assertEquals(0, waitFor(start(PROJECT, generate, Map.of(), WORK.resolve("dag.log")), 120),
                Files.readString(WORK.resolve("dag.log")));

        Path runRoot = WORK.resolve("dag-runs");
        Map<String, Object> read = DagTasks.read(dag, "local[2]", "2026-01-02",
                Map.of("dlpipe_home", PROJECT.toString(), "dlpipe_run_root", runRoot.toString()));
        List<Map<String, Object>> tasks = DagTasks.tasks(read);
        Path runDir = runRoot.resolve("images/2026-01-02");

        // the same command as jobs/<stage>.sh, element by element
        for (Map<String, Object> task : tasks) {
            List<String> argv = DagTasks.argv(task);
            List<String> app = AirflowDagTest.appArgs(argv);
            List<String> script = new ArrayList<>(task.get("task_id").equals(AirflowDag.REPORT_TASK)
                    ? List.of("jobs/submit.sh") : List.of("jobs/" + task.get("task_id") + ".sh"));
            script.addAll(task.get("task_id").equals(AirflowDag.REPORT_TASK) ? app : app.subList(1, app.size()));
            Path log = WORK.resolve("print-" + task.get("task_id") + ".log");
            Process p = start(PROJECT, script, Map.of("DLPIPE_PRINT_SUBMIT", "1", "SPARK_MASTER", "local[2]"), log);
            assertEquals(0, waitFor(p, 60), Files.readString(log));
            List<String> printed = Files.readAllLines(log).stream().filter(l -> !l.startsWith("dlpipe:")).toList();
            assertEquals(argv.subList(1, argv.size()), printed, "jobs/" + task.get("task_id") + ".sh submits otherwise");
        }

        // run them as an Airflow worker would: spark-submit from PATH, in a directory of the task's own
        Path cwd = Files.createDirectories(WORK.resolve("worker-cwd"));
        long t0 = System.nanoTime();
        for (Map<String, Object> task : tasks) {
            String id = (String) task.get("task_id");
            if (id.equals("train")) {
                Process killed = startTask(task, cwd, WORK.resolve("task-train-killed.log"));
                awaitFile(runDir.resolve("train-checkpoints/epoch-0001/state.json"), killed, 600);
                killTree(killed);
                assertFalse(Files.exists(runDir.resolve("train")), "the killed attempt published nothing");
                assertTrue(leftovers(runDir, "train").stream().anyMatch(n -> n.startsWith(".train.staging-")),
                        "killed mid-way: its staging directory is still there");
            }
            Path log = WORK.resolve("task-" + id + ".log");
            assertEquals(0, waitFor(startTask(task, cwd, log), 900), id + ": " + tail(log));
        }
        double dagSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(List.of(), leftovers(runDir, "train"), "the retry left no staging, old or lock files");

        assertTrue(Files.readString(runDir.resolve("report.md")).contains("| [score](score/) |"), "the report task's report.md");

        // a retry of a finished task: skipped, nothing rewritten
        Map<String, Object> score = tasks.get(tasks.size() - 2);
        assertEquals("score", score.get("task_id"));
        String before = Files.readString(runDir.resolve("score/_manifest.json"));
        Path again = WORK.resolve("task-score-again.log");
        assertEquals(0, waitFor(startTask(score, cwd, again), 300), tail(again));
        assertTrue(Files.readString(again).contains("is up to date"), tail(again));
        assertEquals(before, Files.readString(runDir.resolve("score/_manifest.json")));

        // the same file, locally in one JVM
        Path local = WORK.resolve("local");
        List<String> run = new ArrayList<>(List.of("./run", "pipeline", "run", PIPELINE,
                "--set", "run.dir=" + local));
        SETS.forEach(s -> run.addAll(List.of("--set", s)));
        t0 = System.nanoTime();
        assertEquals(0, waitFor(start(PROJECT, run, Map.of(), WORK.resolve("local.log")), 900), tail(WORK.resolve("local.log")));
        double localSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(PIPELINE + " (%s): DAG tasks through spark-submit %.1f s (with a killed train attempt), "
                + "./run pipeline run %.1f s%n", String.join(" ", SETS), dagSeconds, localSeconds);

        for (Map<String, Object> task : tasks.subList(0, tasks.size() - 1)) {
            String stage = (String) task.get("task_id");
            Map<String, Object> a = Json.readMap(Files.readString(runDir.resolve(stage).resolve("_manifest.json")));
            Map<String, Object> b = Json.readMap(Files.readString(local.resolve(stage).resolve("_manifest.json")));
            assertEquals(b.get("counts"), a.get("counts"), stage + " counts");
            assertSame(stage + ".metrics", b.get("metrics"), a.get("metrics"));
        }
        List<?> dagStages = (List<?>) Json.readMap(Files.readString(runDir.resolve("run.json"))).get("stages");
        List<?> localStages = (List<?>) Json.readMap(Files.readString(local.resolve("run.json"))).get("stages");
        assertEquals(localStages.size(), dagStages.size(), "run.json of the DAG run lists every stage");
        for (int i = 0; i < localStages.size(); i++) {
            assertEquals(((Map<?, ?>) localStages.get(i)).get("counts"), ((Map<?, ?>) dagStages.get(i)).get("counts"));
        }
        for (String zip : List.of("train/model.zip", "export/model.zip")) {
            assertEquals(entries(local.resolve(zip)), entries(runDir.resolve(zip)), zip + ": the same entries, byte for byte");
        }
        assertArrayEquals(entry(local.resolve("train/model.zip"), "coefficients.bin"),
                entry(runDir.resolve("train/model.zip"), "coefficients.bin"),
                "the DAG's train task (retried after a kill) and the local run trained the same parameters");
    }

    private static Process startTask(Map<String, Object> task, Path cwd, Path log) throws Exception {
        Map<String, String> env = new HashMap<>();
        ((Map<?, ?>) task.get("env")).forEach((k, v) -> env.put((String) k, (String) v));
        // the worker's spark-submit: jobs/spark-submit first on PATH (Java looks programs up in its own PATH, so
        // the lookup is done here, as the worker's shell would)
        env.put("PATH", PROJECT.resolve("jobs") + ":" + System.getenv("PATH"));
        List<String> argv = new ArrayList<>(DagTasks.argv(task));
        assertEquals("spark-submit", argv.get(0));
        argv.set(0, PROJECT.resolve("jobs/spark-submit").toString());
        return start(cwd, argv, env, log);
    }

    /** A zip's entries as name -> SHA-256 of the content (a zip's own bytes also hold each entry's write time). */
    private static Map<String, String> entries(Path zip) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            for (var e : java.util.Collections.list(z.entries())) {
                byte[] bytes = z.getInputStream(e).readAllBytes();
                out.put(e.getName(), java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
            }
        }
        return out;
    }

    /** Staging, old and lock files beside a stage's output. */
    private static List<String> leftovers(Path runDir, String stage) throws Exception {
        try (Stream<Path> files = Files.list(runDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + stage + ".")).sorted().toList();
        }
    }

    /** Numbers to 1e-6, everything else exactly, timings skipped. */
    private static void assertSame(String where, Object expected, Object actual) {
        if (expected instanceof Map<?, ?> e && actual instanceof Map<?, ?> a) {
            assertEquals(e.keySet(), a.keySet(), where);
            boolean zip = String.valueOf(e.get("file")).endsWith(".zip"); // compared entry by entry instead
            for (Object k : e.keySet()) {
                if (!TIMING.matcher(String.valueOf(k)).matches() && !(zip && k.equals("sha256"))) {
                    assertSame(where + "." + k, e.get(k), a.get(k));
                }
            }
        } else if (expected instanceof List<?> e && actual instanceof List<?> a) {
            assertEquals(e.size(), a.size(), where);
            for (int i = 0; i < e.size(); i++) {
                assertSame(where + "[" + i + "]", e.get(i), a.get(i));
            }
        } else if (expected instanceof Number e && actual instanceof Number a) {
            assertEquals(e.doubleValue(), a.doubleValue(), 1e-6, where);
        } else {
            assertEquals(expected, actual, where);
        }
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
