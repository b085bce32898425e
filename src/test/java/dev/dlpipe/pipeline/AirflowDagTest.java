package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DAG {@code pipeline dag} writes for every pipeline file in pipelines/, read without Airflow (dag_tasks.py:
 * ast, Jinja2, the Spark provider's command line): it compiles, imports only Airflow, has one task per planned stage
 * in the plan's order, and each task submits what {@link SparkSubmission} (the source jobs/&lt;stage&gt;.sh uses too)
 * gives for its arguments. PipelineDagIT compares with the scripts themselves and runs the tasks.
 */
class AirflowDagTest {

    static final Path PROJECT = DagTasks.PROJECT;

    @TempDir
    Path dir;

    static String generate(Path pipeline, String... sets) {
        Config loaded = ConfigLoader.load(List.of(pipeline), List.of(sets));
        Config config = DataKinds.resolve(loaded, loaded.string("pipeline.input"));
        List<String> taskSets = Stream.of(sets).filter(s -> !s.startsWith("airflow.")).toList();
        return AirflowDag.write(new AirflowDag.Source(pipeline, PROJECT, null, taskSets), config);
    }

    @Test
    void everyPipelineFileGivesADagWhoseTasksSubmitWhatTheStageScriptsSubmit() throws Exception {
        List<Path> pipelines;
        try (Stream<Path> files = Files.list(PROJECT.resolve("pipelines"))) {
            pipelines = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(pipelines.size() >= 7, "pipelines/: " + pipelines);
        String home = "/srv/dlpipe";
        Map<String, String> vars = Map.of("dlpipe_home", home, "dlpipe_run_root", "/data/runs");
        for (Path pipeline : pipelines) {
            Config config = DataKinds.resolve(ConfigLoader.load(List.of(pipeline), List.of()),
                    ConfigLoader.load(List.of(pipeline), List.of()).string("pipeline.input"));
            PipelinePlan plan = PipelinePlan.of(config);
            Path dag = Files.writeString(dir.resolve(plan.name() + "_dag.py"), generate(pipeline));
            Map<String, Object> read = DagTasks.read(dag, "spark://master:7077", "2026-03-04", vars);
            String what = pipeline.getFileName().toString();

            Map<?, ?> d = (Map<?, ?>) read.get("dag");
            assertEquals("dlpipe_" + plan.name(), d.get("dag_id"), what);
            assertNull(d.get("schedule"), what + ": manual unless airflow.schedule says otherwise");
            assertEquals(false, d.get("catchup"), what);
            assertEquals(1, d.get("max_active_runs"), what);
            assertEquals(Map.of("owner", "dlpipe", "retries", 2, "retry_delay", 300.0, "depends_on_past", false),
                    d.get("default_args"), what);

            List<Map<String, Object>> tasks = DagTasks.tasks(read);
            List<String> stages = plan.steps().stream().map(PipelinePlan.Step::stage).toList();
            List<String> ids = new ArrayList<>(stages);
            ids.add(AirflowDag.REPORT_TASK);
            assertEquals(ids, tasks.stream().map(t -> t.get("task_id")).toList(),
                    what + ": one task per stage, in order, then the report");
            String runDir = "/data/runs/" + plan.name() + "/2026-03-04";
            SparkSubmission.Site site = new SparkSubmission.Site(home + "/target/dlpipe-"
                    + dev.dlpipe.core.BuildInfo.version() + "-job.jar", home, home + "/.cache", "4g", "");
            for (int i = 0; i < tasks.size(); i++) {
                Map<String, Object> task = tasks.get(i);
                String stage = ids.get(i);
                assertEquals(i == 0 ? List.of() : List.of(ids.get(i - 1)), task.get("upstream"), what + " " + stage);
                assertEquals(7200.0, task.get("execution_timeout_seconds"));
                assertEquals(Map.of("OMP_NUM_THREADS", "1"), task.get("env"));
                List<String> argv = DagTasks.argv(task);
                assertEquals(List.of("spark-submit", "--master", "spark://master:7077"), argv.subList(0, 3));
                SparkSubmission expected = SparkSubmission.of(site, appArgs(argv));
                assertEquals(expected.argv(), argv.subList(3, argv.size()), what + " " + stage);

                List<String> args = appArgs(argv);
                if (stage.equals(AirflowDag.REPORT_TASK)) {
                    assertEquals(List.of("pipeline", "report", home + "/pipelines/" + what), args.subList(0, 3), what);
                    assertTrue(String.join(" ", args).endsWith("--set run.dir=" + runDir), what + ": " + args);
                    continue;
                }
                assertEquals(stage, args.get(0));
                assertEquals(runDir + "/" + stage, args.get(args.indexOf("--output") + 1), what);
                assertEquals(home + "/pipelines/" + what, args.get(args.indexOf("--config") + 1), what);
                for (String input : args.subList(2, args.indexOf("--output"))) {
                    boolean upstream = input.startsWith(runDir + "/") && stages.subList(0, i)
                            .contains(input.substring(runDir.length() + 1));
                    boolean dataset = input.startsWith(home + "/") && Files.exists(
                            PROJECT.resolve(input.substring(home.length() + 1)));
                    assertTrue(upstream || dataset, what + " " + stage + " reads " + input
                            + ": neither an earlier task's output in this DAG run's directory nor data in the checkout");
                }
            }
        }
    }

    @Test
    void theCommittedQuickstartDagIsWhatTheCommandWrites() throws Exception {
        assertEquals(Files.readString(PROJECT.resolve("pipelines/quickstart_dag.py")),
                generate(PROJECT.resolve("pipelines/quickstart.yaml")),
                "regenerate it: ./run pipeline dag pipelines/quickstart.yaml");
    }

    @Test
    void scheduleTimeoutsAndOwnerComeFromTheAirflowKeys() throws Exception {
        Path dag = Files.writeString(dir.resolve("q.py"), generate(PROJECT.resolve("pipelines/quickstart.yaml"),
                "airflow.schedule=0 3 * * *", "airflow.stage-timeout-minutes.train=360", "airflow.owner=ml-team",
                "airflow.tags=[nightly]", "airflow.retries=4", "airflow.conn-id=spark_prod", "train.epochs=2"));
        Map<String, Object> read = DagTasks.read(dag, "local[2]", "2026-03-04", Map.of());
        Map<?, ?> d = (Map<?, ?>) read.get("dag");
        assertEquals("0 3 * * *", d.get("schedule"));
        assertEquals(List.of("dlpipe", "image", "nightly"), d.get("tags"));
        assertEquals("ml-team", ((Map<?, ?>) d.get("default_args")).get("owner"));
        assertEquals(4, ((Map<?, ?>) d.get("default_args")).get("retries"));
        for (Map<String, Object> t : DagTasks.tasks(read)) {
            assertEquals(t.get("task_id").equals("train") ? 21600.0 : 7200.0, t.get("execution_timeout_seconds"));
            if (t.get("task_id").equals(AirflowDag.REPORT_TASK)) {
                continue;
            }
            assertEquals("spark_prod", t.get("conn_id"));
            List<String> args = appArgs(DagTasks.argv(t));
            assertTrue(String.join(" ", args).endsWith("--set train.epochs=2"), "--set reaches every task: " + args);
            assertFalse(String.join(" ", args).contains("airflow."), "airflow.* shape the DAG only: " + args);
            // no Variables set: the defaults from airflow.dlpipe-home
            assertTrue(DagTasks.argv(t).contains("/opt/dlpipe/target/dlpipe-" + dev.dlpipe.core.BuildInfo.version()
                    + "-job.jar"), DagTasks.argv(t).toString());
            assertTrue(args.contains("/opt/dlpipe/runs/quickstart/2026-03-04/" + t.get("task_id")), args.toString());
        }
    }

    @Test
    void whatADagCannotExpressIsAOneLineErrorNamingTheKey() {
        Path quickstart = PROJECT.resolve("pipelines/quickstart.yaml");
        UserError earlier = assertThrows(UserError.class, () -> generate(quickstart, "pipeline.stages=[train, compress]"));
        assertTrue(earlier.getMessage().contains("train reads") && earlier.getMessage().contains("pipeline.stages"),
                earlier.getMessage());
        UserError stage = assertThrows(UserError.class, () -> generate(quickstart, "airflow.stage-timeout-minutes.trian=5"));
        assertTrue(stage.getMessage().contains("airflow.stage-timeout-minutes") && stage.getMessage().contains("'trian'"),
                stage.getMessage());
        UserError minutes = assertThrows(UserError.class, () -> generate(quickstart, "airflow.stage-timeout-minutes.train=soon"));
        assertTrue(minutes.getMessage().contains("airflow.stage-timeout-minutes.train"), minutes.getMessage());
        UserError date = assertThrows(UserError.class, () -> generate(quickstart, "airflow.start-date=yesterday"));
        assertTrue(date.getMessage().contains("airflow.start-date"), date.getMessage());
    }

    /** The application's arguments: what follows --class MAIN JAR in a spark-submit command. */
    static List<String> appArgs(List<String> argv) {
        int c = argv.indexOf("--class");
        assertTrue(c > 0 && c + 2 < argv.size(), "no --class MAIN JAR in " + argv);
        return new ArrayList<>(argv.subList(c + 3, argv.size()));
    }
}
