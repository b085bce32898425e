package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {

    @TempDir
    Path dir;

    private static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    @Test
    void commitPublishesAndReplacesThePreviousOutput() throws IOException {
        Path target = dir.resolve("out");
        AtomicOutput first = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(first.staging(), "a.txt"), "one");
        assertFalse(Files.exists(target), "nothing is visible before commit");
        first.commit();
        assertEquals("one", read(target.resolve("a.txt")));

        AtomicOutput second = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(second.staging(), "b.txt"), "two");
        assertEquals("one", read(target.resolve("a.txt")), "old output stays until the new one commits");
        second.commit();
        assertFalse(Files.exists(target.resolve("a.txt")));
        assertEquals("two", read(target.resolve("b.txt")));
        assertEquals(1, countSiblings(), "no staging or old directories are left behind");
    }

    @Test
    void abortKeepsThePreviousOutputAndARerunCleansUpACrash() throws IOException {
        Path target = dir.resolve("out");
        AtomicOutput ok = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(ok.staging(), "a.txt"), "good");
        ok.commit();

        AtomicOutput failed = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(failed.staging(), "a.txt"), "half");
        failed.abort();
        assertEquals("good", read(target.resolve("a.txt")));

        AtomicOutput crashed = AtomicOutput.begin(target.toString()); // never committed nor aborted
        Fs.writeString(Fs.child(crashed.staging(), "x"), "partial");
        assertEquals(3, countSiblings(), "output, staging dir, lock");
        dieHoldingTheLock(target);
        AtomicOutput rerun = AtomicOutput.begin(target.toString());
        assertEquals(3, countSiblings(), "the crashed staging dir was removed, the new one created");
        rerun.commit();
        assertEquals(1, countSiblings(), "no staging dir and no lock left");
    }

    /** What a SIGKILL leaves: the lock names a process that no longer runs. */
    private static void dieHoldingTheLock(Path target) throws IOException {
        String host = OwnerLock.OWNER.substring(OwnerLock.OWNER.indexOf('@') + 1);
        Files.writeString(target.resolveSibling("." + target.getFileName() + ".lock"), "2147483000@" + host + " since then\n");
    }

    @Test
    void aCrashBetweenTheTwoRenamesLosesNothing() throws IOException {
        Path target = dir.resolve("out");
        AtomicOutput ok = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(ok.staging(), "a.txt"), "good");
        ok.commit();
        // the state after "rename output aside" and before "rename staging into place": only .out.old-* holds it
        AtomicOutput dying = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(dying.staging(), "a.txt"), "new, not published");
        Files.move(target, dir.resolve(".out.old-1234"));
        dieHoldingTheLock(target);

        AtomicOutput rerun = AtomicOutput.begin(target.toString());
        assertEquals("good", read(target.resolve("a.txt")), "the previous output is back in place");
        rerun.abort();
        assertEquals("good", read(target.resolve("a.txt")));
        assertEquals(1, countSiblings(), "no old, staging or lock left: " + dir);
    }

    @Test
    void aSecondWriterIsRefusedAndTheFirstKeepsItsStagingDirectory() throws IOException {
        Path target = dir.resolve("out");
        AtomicOutput first = AtomicOutput.begin(target.toString());
        Fs.writeString(Fs.child(first.staging(), "a.txt"), "in progress");
        UserError e = assertThrows(UserError.class, () -> AtomicOutput.begin(target.toString()));
        assertTrue(e.getMessage().contains("is in use by " + OwnerLock.OWNER), e.getMessage());
        assertEquals("in progress", Fs.readString(Fs.child(first.staging(), "a.txt")), "nobody deleted live work");
        first.commit();
        assertEquals("in progress", read(target.resolve("a.txt")));
        AtomicOutput.begin(target.toString()).abort(); // the lock was released
    }

    private long countSiblings() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void countsMustReconcile() {
        Counts.rows(10, 7, Map.of("bad", 2L), 1).reconcile("x");
        Counts.rowsWithGenerated(5, 5, 10, Map.of()).reconcile("x");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Counts.rows(10, 7, Map.of("bad", 2L), 0).reconcile("clean"));
        assertTrue(e.getMessage().contains("clean lost rows"));
        Counts.notApplicable().reconcile("train");
    }

    @Test
    void fingerprintDependsOnContentNotOnSideFiles() throws IOException {
        Path d = dir.resolve("data");
        Files.createDirectories(d);
        Files.writeString(d.resolve("part-0"), "abc");
        String before = (String) Fingerprint.of(d.toString()).get("sha256");
        Files.writeString(d.resolve("_manifest.json"), "{}");
        Files.writeString(d.resolve(".hidden"), "x");
        assertEquals(before, Fingerprint.of(d.toString()).get("sha256"));
        Files.writeString(d.resolve("part-0"), "abd");
        assertNotEquals(before, Fingerprint.of(d.toString()).get("sha256"));
        assertThrows(UserError.class, () -> Fingerprint.of(dir.resolve("missing").toString()));
    }
}
