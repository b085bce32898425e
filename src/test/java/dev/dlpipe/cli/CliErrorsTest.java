package dev.dlpipe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** User mistakes end in one line naming the culprit and exit code 2, before any Spark work. */
class CliErrorsTest {

    @TempDir
    Path dir;

    private String[] run(String... args) {
        CommandLine cli = Main.commandLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new ByteArrayOutputStream(), true));
        cli.setExecutionExceptionHandler((ex, c, p) -> {
            var user = Main.userError(ex);
            if (user == null) {
                throw ex;
            }
            c.getErr().println("error: " + user.getMessage());
            return 2;
        });
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), err.toString()};
    }

    @Test
    void badKeyInAFileNamesKeyAndFile() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "train:\n  epoch: 3\n");
        String[] r = run("clean", "--input", dir.toString(), "--output", dir.resolve("o").toString(), "--config", bad.toString());
        assertEquals("2", r[0]);
        assertEquals("error: unknown config key 'train.epoch' in " + bad + " (did you mean 'train.epochs'?)", r[1].trim());
    }

    @Test
    void ensembleAndDistillationSettingsAreCheckedBeforeSpark() throws Exception {
        Path pack = Files.createDirectories(dir.resolve("pack"));
        Files.writeString(pack.resolve("part-0.parquet"), "not read: the settings are refused first");
        String[] r = run("ensemble", "--input", pack.toString(), "--output", dir.resolve("e").toString(),
                "--set", "ensemble.bagging-members=1", "--set", "ensemble.mllib=[]");
        assertEquals("2", r[0]);
        assertEquals("error: ensemble.bagging-members + the ensemble.mllib members must make at least 2 members, got 1 + []",
                r[1].trim());
        Path train = Files.createDirectories(dir.resolve("train"));
        Files.writeString(train.resolve("model.zip"), "not read: the settings are refused first");
        Path nowhere = dir.resolve("nowhere");
        String[] c = run("compress", "--input", train.toString(), "--input", pack.toString(), "--output",
                dir.resolve("c").toString(), "--set", "compress.distill-teacher=" + nowhere, "--set",
                "compress.distill-epochs=2");
        assertEquals("2", c[0]);
        assertEquals("error: compress.distill-teacher: " + nowhere + " has no export-manifest.json and model.onnx "
                + "(expected an export or ensemble output)", c[1].trim());
    }

    @Test
    void missingInputIsOneLine() {
        String missing = dir.resolve("no-such-input").toString();
        String[] r = run("clean", "--input", missing, "--output", dir.resolve("o").toString());
        assertEquals("2", r[0]);
        assertEquals("error: clean: input path does not exist: " + missing, r[1].trim());
        String[] p = run("pipeline", "run", dir.resolve("nope.yaml").toString());
        assertEquals("2", p[0]);
        assertTrue(p[1].trim().startsWith("error: pipeline file not found"));
    }

    @Test
    void wrongNumberOfInputsIsExplained() {
        String[] r = run("compress", "--input", dir.toString(), "--output", dir.resolve("o").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("compress takes 2 --input path(s), got 1"), r[1]);
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"clean", "augment", "pack", "train", "ensemble", "compress", "export", "score", "sample-data"}) {
            CommandLine cli = Main.commandLine();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            cli.setOut(new PrintWriter(out, true));
            assertEquals(0, cli.execute(cmd, "--help"), cmd);
            assertTrue(out.toString().contains("Usage:"), cmd);
        }
    }
}
