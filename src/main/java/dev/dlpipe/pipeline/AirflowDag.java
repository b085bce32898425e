package dev.dlpipe.pipeline;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigKey;
import dev.dlpipe.config.ConfigSchema;
import dev.dlpipe.config.ValueType;
import dev.dlpipe.core.BuildInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Airflow DAG from a pipeline file: one SparkSubmitOperator per planned stage, chained in the plan's order, each
 * submitting the same {@link SparkSubmission} jobs/&lt;stage&gt;.sh submits for that stage. What differs per
 * environment is not written into the file as a value but as an Airflow template: the dlpipe home, the job jar
 * and the run root are Airflow Variables (defaults from {@code airflow.*}), and every DAG run writes its own run
 * directory, {@code <run root>/<pipeline name>/<ds>}. The file is deterministic: the same pipeline file and
 * settings give the same bytes, whatever machine or directory generates it.
 */
public final class AirflowDag {

    /** Stand-ins for the Python constants the DAG defines; replaced by names when the file is written. */
    private static final String HOME = token("DLPIPE_HOME");
    private static final String JAR = token("JOB_JAR");
    private static final String RUN_DIR = token("RUN_DIR");
    private static final String PROPERTIES = token("SPARK_PROPERTIES");
    /** The DAG's last task: run.json and report.md from the stages' manifests ({@code pipeline report}). */
    public static final String REPORT_TASK = "report";
    private static final Pattern TOKEN = Pattern.compile("\u0001([A-Z0-9_]+)\u0001");

    /**
     * What to generate from.
     *
     * @param pipelineFile the pipeline file as given; inside {@code home} it is written relative to the DAG's
     *                     dlpipe home, elsewhere as its absolute path
     * @param home         this machine's dlpipe checkout, to tell which paths are inside it
     * @param profile      {@code --profile} for every task, or null
     * @param overrides    {@code --set} values for every task, as given
     */
    public record Source(Path pipelineFile, Path home, String profile, List<String> overrides) {
    }

    private AirflowDag() {
    }

    /** The DAG file's text. {@code config} is the effective configuration the tasks will load. */
    public static String write(Source source, Config config) {
        PipelinePlan plan = PipelinePlan.of(config);
        String name = plan.name();
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new UserError("pipeline.name '" + name + "' (" + config.origin("pipeline.name")
                    + ") cannot name a DAG and its run directories: use letters, digits, '_', '-' and '.'");
        }
        String dagId = config.string("airflow.dag-id").isEmpty() ? "dlpipe_" + name
                : config.string("airflow.dag-id");
        String homeDefault = config.string("airflow.dlpipe-home");
        String pipelineFile = inHome(source.home(), source.pipelineFile());

        List<String> common = new ArrayList<>(List.of("--config", pipelineFile));
        if (source.profile() != null) {
            common.addAll(List.of("--profile", source.profile()));
        }
        // relative paths in the pipeline file mean the checkout; an Airflow task runs in a directory of its own
        for (Map.Entry<String, ConfigKey> k : ConfigSchema.keys().entrySet()) {
            if (k.getValue().type() == ValueType.INPUT_PATH && config.asMap().get(k.getKey()) instanceof String v
                    && !v.isEmpty() && isRelative(v)) {
                common.addAll(List.of("--set", k.getKey() + "=" + HOME + "/" + v));
            }
        }
        for (String set : source.overrides()) {
            common.addAll(List.of("--set", set));
        }

        SparkSubmission.Site site = new SparkSubmission.Site(JAR, HOME, HOME + "/.cache",
                config.string("airflow.driver-memory"), PROPERTIES);
        String flags = SparkSubmission.jvmFlags(HOME, HOME + "/.cache");
        // values the file names once, as constants, and then uses by name
        Map<String, String> named = new LinkedHashMap<>();
        named.put(flags, "JVM_FLAGS");
        named.put(pipelineFile, "PIPELINE_FILE");
        Map<String, String> timeouts = config.map("airflow.stage-timeout-minutes");
        StringBuilder tasks = new StringBuilder();
        List<String> ids = new ArrayList<>();
        SparkSubmission shared = null;
        for (PipelinePlan.Step step : plan.steps()) {
            List<String> args = new ArrayList<>();
            args.add(step.stage());
            args.add("--input");
            for (PipelinePlan.Input in : step.inputs()) {
                if (in.fromEarlierRun()) {
                    throw new UserError("pipeline dag: " + step.stage() + " reads " + String.join(" or ", in.candidates())
                            + " from an earlier run, but each DAG run has a run directory of its own: add that stage to "
                            + "pipeline.stages (" + config.origin("pipeline.stages") + ")");
                }
                args.add(taskPath(in.candidates().get(0), plan));
            }
            args.add("--output");
            args.add(taskPath(step.output(), plan));
            args.addAll(common);
            SparkSubmission s = SparkSubmission.of(site, args);
            if (shared == null) {
                shared = s;
            } else if (!s.conf().equals(shared.conf()) || !s.env().equals(shared.env())
                    || !s.application().equals(shared.application()) || !s.mainClass().equals(shared.mainClass())
                    || !s.propertiesFile().equals(shared.propertiesFile()) || !s.driverMemory().equals(shared.driverMemory())) {
                throw new IllegalStateException("the stages' submissions differ in more than name and arguments");
            }
            ids.add(step.stage());
            task(tasks, step.stage(), s, timeout(timeouts, step.stage(), config), named);
        }
        // last, run.json and the report a person reads, from the stages' manifests (what `pipeline run` leaves)
        List<String> report = new ArrayList<>(List.of("pipeline", "report", pipelineFile));
        report.addAll(common.subList(2, common.size()));
        report.addAll(List.of("--set", "run.dir=" + RUN_DIR));
        task(tasks, REPORT_TASK, SparkSubmission.of(site, report), config.integer("airflow.timeout-minutes"), named);
        ids.add(REPORT_TASK);

        Map<String, String> constants = new LinkedHashMap<>();
        constants.put("DLPIPE_HOME", variable("dlpipe_home", jinja(homeDefault)));
        String jar = config.string("airflow.jar");
        constants.put("JOB_JAR", variable("dlpipe_jar", jar.isEmpty()
                ? homeVariable(homeDefault) + " ~ " + jinja("/target/dlpipe-" + BuildInfo.version() + "-job.jar")
                : jinja(jar)));
        String root = config.string("airflow.run-root");
        constants.put("RUN_DIR", variable("dlpipe_run_root", root.isEmpty()
                ? homeVariable(homeDefault) + " ~ " + jinja("/runs") : jinja(root)) + "/" + name + "/{{ ds }}");
        constants.put("SPARK_PROPERTIES", variable("dlpipe_spark_properties", "''"));

        StringBuilder py = new StringBuilder();
        py.append("# Airflow DAG for the dlpipe pipeline '").append(name).append("' (").append(pipelineFile.replace(HOME + "/", ""))
                .append(").\n");
        py.append("# Written by `./run pipeline dag` from dlpipe ").append(BuildInfo.version())
                .append(": regenerate it when the pipeline file changes rather than editing it.\n");
        py.append("""
                #
                # One SparkSubmitOperator per stage, in the pipeline's order. Each submits exactly what jobs/<stage>.sh
                # submits for that stage (the same jar, main class, --conf entries, Java 17 flags and arguments: both
                # come from dlpipe's SparkSubmission). The Spark master is the connection's. The last task, report,
                # writes run.json and report.md/html into the run directory from the stages' manifests.
                #
                # Per environment, set Airflow Variables instead of editing this file:
                #   dlpipe_home              the dlpipe checkout or install on the workers (conf/, pipelines/, data)
                #   dlpipe_jar               the job jar (./mvnw -B -DskipTests package writes it to target/)
                #   dlpipe_run_root          each DAG run writes <root>/<pipeline>/<ds>; on a cluster, storage every
                #                            executor reads (HDFS, S3, NFS)
                #   dlpipe_spark_properties  a Spark properties file (per-environment Spark settings, the standalone
                #                            cluster's auth secret); its entries win over the pipeline's spark.conf
                #
                # Retries and backfills are safe: a stage whose output is already there with the same input
                # fingerprints, configuration and dlpipe build skips (it logs why), and a killed attempt's staging
                # directory is removed by the next one. Triggering with the same logical date reruns nothing.
                """);
        py.append("from datetime import datetime, timedelta\n\n");
        py.append("from airflow import DAG\n");
        py.append("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator\n\n");
        constants.forEach((k, v) -> py.append(k).append(" = ").append(pyLiteral(v)).append('\n'));
        py.append("JAVA17_FLAGS = ").append(pyLiteral(BuildInfo.java17Flags())).append('\n');
        py.append("JVM_FLAGS = ").append(py(flags.replace(BuildInfo.java17Flags(), token("JAVA17_FLAGS")), Map.of()))
                .append('\n');
        py.append("PIPELINE_FILE = ").append(py(pipelineFile, Map.of())).append("\n\n");
        py.append("# what every task submits besides its name and arguments (SparkSubmission)\n");
        py.append("SUBMIT = dict(\n");
        kw(py, "    ", "conn_id", py(config.string("airflow.conn-id"), named));
        kw(py, "    ", "application", py(shared.application(), named));
        kw(py, "    ", "java_class", py(shared.mainClass(), named));
        kw(py, "    ", "conf", dict(shared.conf(), "    ", named));
        kw(py, "    ", "properties_file", py(shared.propertiesFile(), named));
        kw(py, "    ", "driver_memory", py(shared.driverMemory(), named));
        kw(py, "    ", "env_vars", dict(shared.env(), "    ", named));
        py.append(")\n\n");
        py.append("default_args = {\n");
        py.append("    \"owner\": ").append(py(config.string("airflow.owner"), named)).append(",\n");
        py.append("    \"retries\": ").append(config.integer("airflow.retries")).append(",\n");
        py.append("    \"retry_delay\": timedelta(minutes=").append(config.integer("airflow.retry-delay-minutes")).append("),\n");
        py.append("    \"depends_on_past\": False,\n");
        py.append("}\n\n");
        py.append("with DAG(\n");
        kw(py, "    ", "dag_id", py(dagId, named));
        kw(py, "    ", "description", py("dlpipe pipeline '" + name + "': " + String.join(" -> ", ids.subList(0,
                ids.size() - 1)) + ", then the run report", named));
        String schedule = config.string("airflow.schedule");
        kw(py, "    ", "schedule", schedule.isEmpty() ? "None" : py(schedule, named));
        kw(py, "    ", "start_date", startDate(config));
        kw(py, "    ", "catchup", config.bool("airflow.catchup") ? "True" : "False");
        kw(py, "    ", "max_active_runs", String.valueOf(config.integer("airflow.max-active-runs")));
        kw(py, "    ", "default_args", "default_args");
        List<String> tags = new ArrayList<>(List.of("dlpipe", config.string("pipeline.data-kind")));
        config.list("airflow.tags").stream().filter(t -> !tags.contains(t)).forEach(tags::add);
        kw(py, "    ", "tags", list(tags, named));
        py.append(") as dag:\n");
        py.append(tasks);
        py.append("\n    ").append(String.join(" >> ", ids)).append('\n');
        return py.toString();
    }

    private static int timeout(Map<String, String> timeouts, String stage, Config config) {
        for (String k : timeouts.keySet()) {
            if (!PipelineStage.names().contains(k)) {
                throw new UserError("airflow.stage-timeout-minutes (" + config.origin("airflow.stage-timeout-minutes")
                        + ") names '" + k + "', not a stage; stages: " + PipelineStage.names());
            }
        }
        String v = timeouts.get(stage);
        if (v == null) {
            return config.integer("airflow.timeout-minutes");
        }
        try {
            int minutes = Integer.parseInt(v.trim());
            if (minutes >= 1) {
                return minutes;
            }
        } catch (NumberFormatException ignored) {
            // the error below names the key
        }
        throw new UserError("airflow.stage-timeout-minutes." + stage + " is '" + v + "'; expected whole minutes >= 1");
    }

    private static String startDate(Config config) {
        String d = config.string("airflow.start-date");
        Matcher m = Pattern.compile("(\\d{4})-(\\d{2})-(\\d{2})").matcher(d);
        if (!m.matches()) {
            throw new UserError("airflow.start-date is '" + d + "' (" + config.origin("airflow.start-date")
                    + "); expected YYYY-MM-DD");
        }
        return "datetime(" + Integer.parseInt(m.group(1)) + ", " + Integer.parseInt(m.group(2)) + ", "
                + Integer.parseInt(m.group(3)) + ")";
    }

    /** A path of the plan as a task sees it: a stage's output under the DAG run's directory, else the dataset. */
    private static String taskPath(String path, PipelinePlan plan) {
        for (PipelinePlan.Step s : plan.steps()) {
            if (s.output().equals(path)) {
                return RUN_DIR + "/" + s.stage();
            }
        }
        return isRelative(path) ? HOME + "/" + path : path;
    }

    private static String inHome(Path home, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path h = home.toAbsolutePath().normalize();
        return abs.startsWith(h) ? HOME + "/" + h.relativize(abs).toString().replace('\\', '/') : abs.toString();
    }

    private static boolean isRelative(String p) {
        return !p.startsWith("/") && !p.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*");
    }

    private static String token(String name) {
        return "\u0001" + name + "\u0001";
    }

    private static String variable(String name, String defaultExpression) {
        return "{{ var.value.get('" + name + "', " + defaultExpression + ") }}";
    }

    private static String homeVariable(String homeDefault) {
        return "var.value.get('dlpipe_home', " + jinja(homeDefault) + ")";
    }

    /** A Jinja string literal. */
    private static String jinja(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void task(StringBuilder tasks, String id, SparkSubmission s, int timeoutMinutes,
                             Map<String, String> named) {
        tasks.append("    ").append(id).append(" = SparkSubmitOperator(\n");
        kw(tasks, "        ", "task_id", py(id, named));
        kw(tasks, "        ", "name", py(s.name(), named));
        kw(tasks, "        ", "application_args", list(s.applicationArgs(), named));
        kw(tasks, "        ", "execution_timeout", "timedelta(minutes=" + timeoutMinutes + ")");
        tasks.append("        **SUBMIT,\n");
        tasks.append("    )\n");
    }

    private static void kw(StringBuilder sb, String indent, String key, String value) {
        sb.append(indent).append(key).append('=').append(value).append(",\n");
    }

    private static String dict(Map<String, String> m, String indent, Map<String, String> named) {
        StringBuilder sb = new StringBuilder("{\n");
        m.forEach((k, v) -> sb.append(indent).append("    ").append(py(k, named)).append(": ").append(py(v, named))
                .append(",\n"));
        return sb.append(indent).append('}').toString();
    }

    private static String list(List<String> items, Map<String, String> named) {
        return "[" + String.join(", ", items.stream().map(i -> py(i, named)).toList()) + "]";
    }

    /**
     * A Python expression for a value that may hold tokens: a constant's name when it is exactly one (or one of
     * the {@code named} values), an f-string when it holds some, else a plain string literal.
     */
    static String py(String value, Map<String, String> named) {
        if (named.containsKey(value)) {
            return named.get(value);
        }
        Matcher whole = TOKEN.matcher(value);
        if (whole.matches()) {
            return whole.group(1);
        }
        Matcher m = TOKEN.matcher(value);
        if (!m.find()) {
            return pyLiteral(value);
        }
        StringBuilder sb = new StringBuilder("f\"");
        int at = 0;
        m.reset();
        while (m.find()) {
            sb.append(escape(value.substring(at, m.start())).replace("{", "{{").replace("}", "}}"));
            sb.append('{').append(m.group(1)).append('}');
            at = m.end();
        }
        sb.append(escape(value.substring(at)).replace("{", "{{").replace("}", "}}"));
        return sb.append('"').toString();
    }

    static String pyLiteral(String value) {
        return "\"" + escape(value) + "\"";
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
