package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every --output that used to be replaced silently (issue: "output paths that delete user data"). */
class OutputGuardTest {

    @TempDir
    Path dir;

    private Path input() throws Exception {
        Path in = Files.createDirectories(dir.resolve("run/clean"));
        Files.writeString(in.resolve("_manifest.json"), "{\"stage\":\"clean\"}");
        Files.writeString(in.resolve("part-0.parquet"), "data");
        return in;
    }

    private String refused(String stage, List<String> inputs, String output, boolean force) {
        return assertThrows(UserError.class, () -> OutputGuard.check(stage, inputs, output, force)).getMessage();
    }

    @Test
    void aDirectoryOfUserFilesIsNeverReplaced() throws Exception {
        Path in = input();
        Path mine = Files.createDirectories(dir.resolve("my-photos"));
        Files.writeString(mine.resolve("holiday.jpg"), "precious");
        String m = refused("augment", List.of(in.toString()), mine.toString(), true);
        assertTrue(m.contains("holds files that are not a dlpipe output"), m);
        assertEquals("precious", Files.readString(mine.resolve("holiday.jpg")));
    }

    @Test
    void anExistingFileIsNeverReplaced() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep");
        String m = refused("augment", List.of(input().toString()), file.toString(), true);
        assertTrue(m.contains("is an existing file"), m);
    }

    @Test
    void theInputOrADirectoryHoldingItIsRefused() throws Exception {
        Path in = input();
        assertTrue(refused("augment", List.of(in.toString()), in.toString(), true).contains("is the input"));
        String parent = refused("augment", List.of(in.toString()), dir.resolve("run").toString(), true);
        assertTrue(parent.contains("contains the input"), parent);
        String inside = refused("augment", List.of(in.toString()), in.resolve("sub").toString(), true);
        assertTrue(inside.contains("is inside the input"), inside);
    }

    @Test
    void theWorkingDirectoryIsRefused() throws Exception {
        String m = refused("augment", List.of(input().toString()), ".", true);
        assertTrue(m.contains("is the working directory"), m);
        assertTrue(refused("augment", List.of(input().toString()), "/", true).contains("root"));
    }

    @Test
    void anotherStagesOutputNeedsForceAndTheSameStagesIsReplaced() throws Exception {
        Path in = input();
        Path other = Files.createDirectories(dir.resolve("run/pack"));
        Files.writeString(other.resolve("_manifest.json"), "{\"stage\":\"pack\"}");
        String m = refused("augment", List.of(in.toString()), other.toString(), false);
        assertTrue(m.contains("is the output of an earlier 'pack' run, not 'augment'; pass --force"), m);
        OutputGuard.check("augment", List.of(in.toString()), other.toString(), true);
        OutputGuard.check("pack", List.of(in.toString()), other.toString(), false);
        OutputGuard.check("augment", List.of(in.toString()), Files.createDirectories(dir.resolve("empty")).toString(), false);
        OutputGuard.check("augment", List.of(in.toString()), dir.resolve("new").toString(), false);
    }

    @Test
    void theCommandLineRefusesInOneLineBeforeSparkAndLosesNothing() throws Exception {
        Path in = input();
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("a.txt"), "keep");
        assertEquals(2, Main.execute("augment", "--input", in.toString(), "--output", mine.toString()));
        assertEquals(2, Main.execute("augment", "--input", in.toString(), "--output", in.toString()));
        assertEquals(2, Main.execute("augment", "--input", in.toString(), "--output", dir.resolve("run").toString()));
        assertEquals(2, Main.execute("augment", "--input", in.toString(), "--output", "."));
        assertEquals("keep", Files.readString(mine.resolve("a.txt")));
        assertEquals("data", Files.readString(in.resolve("part-0.parquet")));
    }
}
