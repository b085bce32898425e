package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one source of what a dlpipe Spark application is submitted with: the flags equal what jobs/lib.sh gives
 * ./run and the cluster's daemons, and the bash assignments jobs/submit.sh evaluates give back exactly the
 * arguments, whatever characters they hold.
 */
class SparkSubmissionTest {

    static final Path PROJECT = Path.of(System.getProperty("dlpipe.project.dir", ".")).toAbsolutePath();

    @Test
    void theJvmFlagsAreTheOnesLibShWrites() throws Exception {
        String fromBash = bash("source jobs/lib.sh; dlpipe_jvm_flags \"$PWD\" /var/cache/dl\\ pipe");
        assertEquals(SparkSubmission.jvmFlags(PROJECT.toString(), "/var/cache/dl pipe"), fromBash.strip());
        assertTrue(fromBash.startsWith("--add-opens=java.base/java.lang=ALL-UNNAMED"), fromBash);
    }

    @Test
    void bashGetsBackEveryArgumentUnchanged() throws Exception {
        List<String> args = List.of("train", "--input", "/data/it's here", "--set", "clean.text.stopwords=[a, \"b\"]",
                "--set", "x=$HOME `id` \\n");
        SparkSubmission s = SparkSubmission.of(new SparkSubmission.Site("/jars/dl pipe.jar", "/opt/dlpipe", "/tmp/c",
                "6g", "/etc/spark/secret.properties"), args);
        String printed = bash(s.shell() + "\nprintf '%s\\n' \"${DLPIPE_SUBMIT_OPTIONS[@]}\" --- \"${DLPIPE_SUBMIT_APP[@]}\""
                + " --- \"$OMP_NUM_THREADS\"", Map.of());
        List<String> expected = new java.util.ArrayList<>(s.options());
        expected.add("---");
        expected.add("/jars/dl pipe.jar");
        expected.addAll(args);
        expected.add("---");
        expected.add("1");
        assertEquals(expected, printed.lines().toList());
        assertEquals("4", bash(s.shell() + "\necho \"$OMP_NUM_THREADS\"", Map.of("OMP_NUM_THREADS", "4")).strip(),
                "a thread count the caller set wins");
    }

    @Test
    void theArgumentsComeInTheOrderAirflowsSparkSubmitHookWritesThem() {
        SparkSubmission s = SparkSubmission.of(new SparkSubmission.Site("app.jar", "/h", "/c", "4g", "p.properties"),
                List.of("score", "--input", "a", "b", "--output", "c"));
        List<String> argv = s.argv();
        assertEquals(List.of("--conf", "--conf", "--properties-file", "--driver-memory", "--name", "--class"),
                argv.stream().filter(a -> a.startsWith("--") && argv.indexOf(a) < argv.indexOf("app.jar")).toList());
        assertEquals(List.of("app.jar", "score", "--input", "a", "b", "--output", "c"),
                argv.subList(argv.indexOf("app.jar"), argv.size()));
        assertEquals("dlpipe score", s.name());
        assertFalse(SparkSubmission.of(new SparkSubmission.Site("j", "/h", "/c", "4g", ""), List.of("x")).argv()
                .contains("--properties-file"), "no properties file: no option (as the hook leaves out an empty one)");
    }

    private static String bash(String script) throws Exception {
        return bash(script, Map.of());
    }

    private static String bash(String script, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(PROJECT.toFile());
        pb.environment().remove("OMP_NUM_THREADS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(0, p.waitFor(), err);
        return out;
    }
}
