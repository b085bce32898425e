package dev.dlpipe.pipeline;

import dev.dlpipe.core.BuildInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One dlpipe command as a Spark application: the spark-submit options, the job jar, the main class and the
 * command's arguments. The single source of what {@code jobs/<stage>.sh} submits (through {@code dlpipe
 * submit-args}) and of what each task of a generated Airflow DAG submits ({@link AirflowDag}): the two differ only
 * in the {@link Site} values, which a DAG fills with Airflow templates.
 *
 * @param conf            {@code --conf} entries, in order
 * @param propertiesFile  {@code --properties-file}, or empty (the standalone cluster's auth secret lives in one)
 * @param driverMemory    {@code --driver-memory}
 * @param name            {@code --name}: the application's name in Spark's UI and logs
 * @param env             environment of the spark-submit process (and so of a client-mode driver)
 */
public record SparkSubmission(Map<String, String> conf, String propertiesFile, String driverMemory, String name,
                              String mainClass, String application, List<String> applicationArgs,
                              Map<String, String> env) {

    public static final String MAIN_CLASS = "dev.dlpipe.cli.Main";

    /**
     * Where dlpipe lives on the machine that submits: the job jar, the checkout or install ({@code conf/} with
     * the profiles and log4j settings), and a cache directory for ND4J's native libraries and temporary files.
     */
    public record Site(String jar, String home, String cache, String driverMemory, String propertiesFile) {
    }

    public SparkSubmission {
        conf = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(conf));
        applicationArgs = List.copyOf(applicationArgs);
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }

    /** The submission of {@code dlpipe ARGS...} from {@code site}. */
    public static SparkSubmission of(Site site, List<String> dlpipeArgs) {
        String flags = jvmFlags(site.home(), site.cache());
        Map<String, String> conf = new LinkedHashMap<>();
        // spark-submit starts the driver JVM with these (jobs/spark-submit too: it is Spark's own launcher)
        conf.put("spark.driver.extraJavaOptions", flags);
        conf.put("spark.executor.extraJavaOptions", flags);
        // one native thread per ND4J op in a client-mode driver, which in local mode is also the executor:
        // Spark's tasks are already one per core (executors get the same through spark.executorEnv, SparkSessions)
        Map<String, String> env = Map.of("OMP_NUM_THREADS", "1");
        String name = dlpipeArgs.isEmpty() ? "dlpipe" : "dlpipe " + dlpipeArgs.get(0);
        return new SparkSubmission(conf, site.propertiesFile() == null ? "" : site.propertiesFile(),
                site.driverMemory(), name, MAIN_CLASS, site.jar(), dlpipeArgs, env);
    }

    /**
     * Every Spark JVM's flags: Java 17's opens (from the pom), ND4J's native cache and the temporary directories
     * under {@code cache}, the log4j settings and {@code dlpipe.home} (where profiles are found) under {@code home}.
     * jobs/lib.sh's {@code dlpipe_jvm_flags} writes the same string for ./run and the cluster's daemons (a test
     * holds the two equal).
     */
    public static String jvmFlags(String home, String cache) {
        return BuildInfo.java17Flags()
                + " -Dorg.bytedeco.javacpp.cachedir=" + cache + "/javacpp"
                + " -Djava.io.tmpdir=" + cache + "/tmp"
                + " -Dhadoop.tmp.dir=" + cache + "/tmp/hadoop"
                + " -Dlog4j2.configurationFile=" + home + "/conf/log4j2.properties"
                + " -Ddlpipe.home=" + home;
    }

    /**
     * spark-submit's arguments after {@code --master}, in the order Airflow's SparkSubmitHook writes them for the
     * same values (conf, properties file, driver memory, name, class, application, arguments), so the two
     * commands compare equal element by element.
     */
    public List<String> argv() {
        List<String> a = new ArrayList<>(options());
        a.add(application);
        a.addAll(applicationArgs);
        return a;
    }

    /** The options part of {@link #argv}: everything before the application jar. */
    public List<String> options() {
        List<String> a = new ArrayList<>();
        conf.forEach((k, v) -> {
            a.add("--conf");
            a.add(k + "=" + v);
        });
        if (!propertiesFile.isEmpty()) {
            a.add("--properties-file");
            a.add(propertiesFile);
        }
        a.add("--driver-memory");
        a.add(driverMemory);
        a.add("--name");
        a.add(name);
        a.add("--class");
        a.add(mainClass);
        return a;
    }

    /**
     * The submission as bash assignments for jobs/submit.sh to {@code eval}: the options and the application (the
     * caller's own spark-submit options go between the two, so they win), and the environment. An environment
     * variable the caller set wins.
     */
    public String shell() {
        List<String> app = new ArrayList<>();
        app.add(application);
        app.addAll(applicationArgs);
        StringBuilder sb = new StringBuilder();
        sb.append("DLPIPE_SUBMIT_OPTIONS=").append(array(options())).append('\n');
        sb.append("DLPIPE_SUBMIT_APP=").append(array(app)).append('\n');
        env.forEach((k, v) -> sb.append("if [ -z \"${").append(k).append(":-}\" ]; then export ").append(k).append('=')
                .append(quote(v)).append("; fi\n"));
        return sb.toString();
    }

    private static String array(List<String> items) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.size(); i++) {
            sb.append(i == 0 ? "" : " ").append(quote(items.get(i)));
        }
        return sb.append(')').toString();
    }

    /** Single-quoted for bash: nothing inside is expanded. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
