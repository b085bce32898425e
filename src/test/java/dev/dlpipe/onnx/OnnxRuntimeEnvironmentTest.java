package dev.dlpipe.onnx;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's environment comes up in a JVM whose command line is as long as a Spark executor's and longer:
 * onnxruntime-java 1.29.0 overflows a default thread stack there (OnnxRuntimeEnvironment says why).
 */
class OnnxRuntimeEnvironmentTest {

    /** Run in a child JVM: creates the environment the way dlpipe does and lists its execution providers. */
    public static void main(String[] args) {
        System.out.println("providers " + OnnxRuntimeEnvironment.get().getAvailableProviders());
        if (OnnxRuntimeEnvironment.get() != OnnxRuntimeEnvironment.get()) {
            System.exit(3);
        }
    }

    @Test
    void comesUpUnderACommandLineOf20000Characters() throws Exception {
        ProcessResult r = child(20_000);
        assertEquals(0, r.exit(), "child JVM with a 20,000-character command line: " + r.output());
        assertTrue(r.output().contains("providers [CPU"), r.output());
    }

    @Test
    void measuresItsOwnCommandLine() {
        // the surefire JVM's own: its flags and classpath, far from empty
        assertTrue(OnnxRuntimeEnvironment.commandLineLength() > 100, "read from /proc/self/cmdline");
    }

    record ProcessResult(int exit, String output) {
    }

    private static ProcessResult child(int padding) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = String.join(File.pathSeparator, location(OnnxRuntimeEnvironmentTest.class),
                location(OnnxRuntimeEnvironment.class), location(ai.onnxruntime.OrtEnvironment.class));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xss1m", "-Ddlpipe.pad=" + "x".repeat(padding),
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", classpath,
                OnnxRuntimeEnvironmentTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
        return new ProcessResult(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
