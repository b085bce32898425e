package dev.dlpipe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --print-config} prints and exits 0: nothing runs, nothing is written, no --input/--output needed. */
class DryRunTest {

    @TempDir
    Path dir;

    private String stdout(int[] code, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            code[0] = Main.execute(args);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pipelinePrintConfigShowsConfigAndPlanAndRunsNothing() {
        Path root = Path.of(System.getProperty("dlpipe.project.dir", "."));
        Path runDir = dir.resolve("run");
        int[] code = new int[1];
        String out = stdout(code, "pipeline", "run", root.resolve("pipelines/quickstart.yaml").toString(), "--print-config",
                "--set", "run.dir=" + runDir, "--set", "pipeline.input=" + root.resolve("sample-data/images/images.parquet"));
        assertEquals(0, code[0], out);
        assertTrue(out.contains("train.epochs") && out.contains("# pipelines/quickstart.yaml")
                || out.contains("quickstart.yaml"), out);
        assertTrue(out.contains("Pipeline 'quickstart': 7 stage(s) into " + runDir), out);
        assertTrue(out.contains("4/7 train    reads " + runDir.resolve("pack")), out);
        assertTrue(out.contains("writes " + runDir.resolve("score")), out);
        assertFalse(Files.exists(runDir), "a dry run writes nothing");
    }

    @Test
    void aPlanThatNeedsAnEarlierRunSaysSo() {
        Path root = Path.of(System.getProperty("dlpipe.project.dir", "."));
        int[] code = new int[1];
        String out = stdout(code, "pipeline", "run", root.resolve("pipelines/quickstart.yaml").toString(), "--print-config",
                "--set", "run.dir=" + dir, "--set", "pipeline.stages=train,export");
        assertEquals(0, code[0], out);
        assertTrue(out.contains("1/2 train    reads " + dir.resolve("pack") + " (from an earlier run)"), out);
        assertTrue(out.contains("2/2 export   reads " + dir.resolve("train")), out);
    }

    @Test
    void stagePrintConfigNeedsNoInputOrOutput() {
        int[] code = new int[1];
        String out = stdout(code, "train", "--print-config", "--set", "train.epochs=3");
        assertEquals(0, code[0], out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("train.epochs") && l.contains("3") && l.contains("--set")), out);
    }

    @Test
    void withoutPrintConfigInputAndOutputAreStillRequired() {
        assertEquals(2, Main.execute("train", "--set", "train.epochs=3"));
    }
}
