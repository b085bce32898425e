package dev.dlpipe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run} and {@code jobs/*.sh} as a new user meets them: a copy of the launchers in an empty project with a
 * fake {@code mvnw} (which "builds" the jar, or fails) and a fake {@code java} (which prints its arguments), so
 * the fresh-clone, up-to-date, stale-jar and failed-build paths each run in milliseconds. The real build and the
 * real quickstart from a fresh clone are .ci/run's job.
 */
class LauncherScriptsTest {

    @TempDir
    Path project;

    private Path bin;

    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeEach
    void copyLaunchers() throws IOException {
        Path root = Path.of(System.getProperty("dlpipe.project.dir", "."));
        Files.copy(root.resolve("run"), project.resolve("run"));
        Files.createDirectories(project.resolve("jobs"));
        try (Stream<Path> jobs = Files.list(root.resolve("jobs"))) {
            for (Path p : jobs.toList()) {
                Files.copy(p, project.resolve("jobs").resolve(p.getFileName()));
            }
        }
        Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("src/main/java/Thing.java"), "class Thing {}\n");
        Files.createDirectories(project.resolve("conf"));
        Files.writeString(project.resolve("pom.xml"), "<project/>\n");
        old(project.resolve("src/main/java/Thing.java"));
        old(project.resolve("pom.xml"));
        old(project.resolve("conf"));
        old(project.resolve("src/main/java"));
        old(project.resolve("src/main"));
        script(project.resolve("mvnw"), """
                #!/usr/bin/env bash
                echo "mvnw $*" >> "$(dirname "$0")/builds.log"
                if [ "${FAKE_BUILD_FAIL:-0}" = 1 ]; then echo "[ERROR] COMPILATION ERROR: Thing.java:[1,1] oops"; exit 1; fi
                mkdir -p target
                echo jar > target/dlpipe-9-job.jar
                echo /spark/jars/a.jar > target/spark-classpath.txt
                echo --add-opens=x > target/jvm-opens.txt
                echo "[INFO] BUILD SUCCESS"
                """);
        bin = Files.createDirectories(project.resolve("fakebin"));
        script(bin.resolve("java"), """
                #!/usr/bin/env bash
                if [[ " $* " == *" dev.dlpipe.cli.Main submit-args "* ]]; then
                  # stands in for `dlpipe submit-args` (the real one: SparkSubmissionTest, PipelineDagIT)
                  while [ "$1" != --jar ]; do shift; done; jar="$2"
                  while [ "$1" != -- ]; do shift; done; shift
                  printf 'DLPIPE_SUBMIT_OPTIONS=(--class dev.dlpipe.cli.Main)\nDLPIPE_SUBMIT_APP=(%q' "$jar"
                  printf ' %q' "$@"; printf ')\n'
                  exit 0
                fi
                if [[ " $* " == *" org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit "* ]]; then
                  # stands in for Spark's launcher: the driver command it would print, NUL-separated
                  while [ "$1" != org.apache.spark.deploy.SparkSubmit ]; do shift; done; shift
                  printf '\\0\\n'; printf '%s\\0' java -cp fake-spark-home/jars/'*' org.apache.spark.deploy.SparkSubmit "$@"
                  exit 0
                fi
                echo "JAVA $*"
                exit "${FAKE_JAVA_RC:-0}"
                """);
    }

    @Test
    void aFreshCloneBuildsTheJarThenRunsAndSaysSo() throws Exception {
        Result r = run(Map.of(), "./run", "--help");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("building the job jar because there is no job jar in target/ yet"), r.err());
        assertTrue(r.err().contains("built target/dlpipe-9-job.jar"), r.err());
        assertTrue(r.out().contains("JAVA ") && r.out().contains("dev.dlpipe.cli.Main --help"), r.out());
        assertTrue(r.out().contains("target/dlpipe-9-job.jar"), "the jar goes on the classpath: " + r.out());

        Result again = run(Map.of(), "./run", "--help");
        assertEquals(0, again.code(), again.all());
        assertFalse(again.err().contains("building"), "an up-to-date jar is not rebuilt: " + again.err());
        assertEquals(1, Files.readAllLines(project.resolve("builds.log")).size());
    }

    @Test
    void aStaleJarIsRebuiltWithTheReason() throws Exception {
        assertEquals(0, run(Map.of(), "./run", "--help").code());
        Files.setLastModifiedTime(project.resolve("target/dlpipe-9-job.jar"), FileTime.from(Instant.now().minusSeconds(60)));
        Files.writeString(project.resolve("src/main/java/Thing.java"), "class Thing { int x; }\n");
        Result r = run(Map.of(), "./run", "--help");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("because the sources changed since it was built (src/main/java/Thing.java is newer)"),
                r.err());
        assertEquals(2, Files.readAllLines(project.resolve("builds.log")).size());

        // with DLPIPE_NO_BUILD=1 a stale jar is used, with a warning that says so
        Files.setLastModifiedTime(project.resolve("target/dlpipe-9-job.jar"), FileTime.from(Instant.now().minusSeconds(60)));
        Result noBuild = run(Map.of("DLPIPE_NO_BUILD", "1"), "./run", "--help");
        assertEquals(0, noBuild.code(), noBuild.all());
        assertTrue(noBuild.err().contains("warning: using target/dlpipe-9-job.jar although the sources changed"),
                noBuild.err());
    }

    @Test
    void aFailedBuildShowsTheCompilerErrorAndExitsNonZero() throws Exception {
        Result r = run(Map.of("FAKE_BUILD_FAIL", "1"), "./run", "quickstart");
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("COMPILATION ERROR: Thing.java"), "the build's own error is shown: " + r.err());
        assertTrue(r.err().contains("error: the build failed"), r.err());
        assertFalse(r.out().contains("JAVA"), "nothing runs without a jar: " + r.out());
    }

    @Test
    void quickstartRunsTheSamplePipelineOfEachKind() throws Exception {
        run(Map.of(), "./run", "--help"); // builds the fake jar once
        assertTrue(run(Map.of(), "./run", "quickstart").out().contains("pipeline run pipelines/quickstart.yaml --profile local"));
        assertTrue(run(Map.of(), "./run", "quickstart", "text", "--set", "train.epochs=1").out()
                .contains("pipeline run pipelines/text.yaml --profile local --set train.epochs=1"));
        Result all = run(Map.of(), "./run", "quickstart", "all");
        assertEquals(0, all.code(), all.all());
        for (String file : List.of("quickstart", "text", "tabular")) {
            assertTrue(all.out().contains("pipeline run pipelines/" + file + ".yaml --profile local"), all.out());
        }
        assertTrue(all.out().contains("pipeline summary runs/quickstart runs/text runs/tabular"), all.out());
    }

    @Test
    void noBuildWithoutAJarIsAOneLineError() throws Exception {
        Result r = run(Map.of("DLPIPE_NO_BUILD", "1"), "./run", "quickstart");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().startsWith("error: no job jar in ") && r.err().contains("./mvnw -B -DskipTests package"),
                r.err());
    }

    @Test
    void everyStageLauncherBuildsOnAFreshCloneAndSubmitsTheSameSubcommand() throws Exception {
        for (String stage : List.of("clean", "augment", "pack", "train", "ensemble", "compress", "export", "score")) {
            Result r = run(Map.of(), "jobs/" + stage + ".sh", "--help");
            assertEquals(0, r.code(), stage + ": " + r.all());
            assertTrue(r.out().contains("org.apache.spark.deploy.SparkSubmit") && r.out().contains(
                    "--class dev.dlpipe.cli.Main " + project.resolve("target/dlpipe-9-job.jar") + " " + stage + " --help"),
                    stage + ": " + r.out());
        }
        Result pipeline = run(Map.of(), "jobs/pipeline.sh", "pipelines/quickstart.yaml");
        assertTrue(pipeline.out().contains("dlpipe-9-job.jar pipeline run pipelines/quickstart.yaml"), pipeline.out());
        assertEquals(1, Files.readAllLines(project.resolve("builds.log")).size(), "built once, on the first call");
    }

    @Test
    void theExitCodeOfTheJobIsPassedThrough() throws Exception {
        Result r = run(Map.of("FAKE_JAVA_RC", "2"), "jobs/train.sh", "--input", "x", "--output", "y");
        assertEquals(2, r.code(), r.all());
        assertFalse(r.err().contains("failed with exit code"), "the job's own one-line error is the message: " + r.err());
    }

    @Test
    void clusterScriptWithoutACommandPrintsItsUsage() throws Exception {
        Result r = run(Map.of(), "jobs/cluster.sh");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.all().contains("jobs/cluster.sh start"), r.all());
        Result status = run(Map.of("DLPIPE_CLUSTER_DIR", project.resolve("cluster").toString()), "jobs/cluster.sh", "status");
        assertEquals(1, status.code(), status.all());
        assertTrue(status.out().contains("no cluster started from"), status.all());
    }

    @Test
    void aFailingCommandInALauncherIsNamedNotSilent() throws Exception {
        Result r = run(Map.of(), "bash", "-c", "set -euo pipefail; source jobs/lib.sh; false; echo unreachable");
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("'false' failed with exit code 1"), r.err());
        assertFalse(r.out().contains("unreachable"));
    }

    private Result run(Map<String, String> env, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        if (!cmd.get(0).equals("bash")) {
            cmd.add(0, "bash");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("DLPIPE_") || k.equals("SPARK_HOME"));
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(project, "out", ".txt");
        Path err = Files.createTempFile(project, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish: " + String.join(" ", command));
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void script(Path path, String text) throws IOException {
        Files.writeString(path, text);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void old(Path p) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
    }
}
