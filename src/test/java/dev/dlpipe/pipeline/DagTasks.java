package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.core.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * src/test/resources/airflow/dag_tasks.py from Java: a generated DAG checked by Python's ast and rendered by Jinja2
 * as Airflow would, each task's spark-submit command put together as the Spark provider does. Needs Debian's
 * python3-jinja2: required where CI installed it (DLPIPE_REQUIRE_JINJA=1), elsewhere the caller is skipped.
 */
final class DagTasks {

    static final Path PROJECT = Path.of(System.getProperty("dlpipe.project.dir", ".")).toAbsolutePath();
    static final Path SCRIPT = PROJECT.resolve("src/test/resources/airflow/dag_tasks.py");

    private DagTasks() {
    }

    /** {"dag": {...}, "tasks": [{task_id, upstream, argv, env, execution_timeout_seconds}]} in dependency order. */
    static Map<String, Object> read(Path dag, String master, String ds, Map<String, String> variables) throws Exception {
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import jinja2").start();
        if (probe.waitFor() != 0) {
            assertNotEquals("1", System.getenv("DLPIPE_REQUIRE_JINJA"), "python3-jinja2 is required here but missing");
            Assumptions.abort("python3-jinja2 is not installed: the DAG checks are skipped (apt-get install python3-jinja2)");
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", SCRIPT.toString(), dag.toString(),
                "--master", master, "--ds", ds));
        variables.forEach((k, v) -> cmd.addAll(List.of("--var", k + "=" + v)));
        Process p = new ProcessBuilder(cmd).start();
        String err = new String(p.getErrorStream().readAllBytes());
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "dag_tasks.py rejected " + dag + ": " + err);
        return Json.readMap(out);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> tasks(Map<String, Object> read) {
        return (List<Map<String, Object>>) read.get("tasks");
    }

    @SuppressWarnings("unchecked")
    static List<String> argv(Map<String, Object> task) {
        return (List<String>) task.get("argv");
    }
}
