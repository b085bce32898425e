package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What makes an Airflow retry or backfill safe, without Airflow: a stage whose published output has the same input
 * fingerprints, configuration and build skips; any difference (a key it read, an input byte, --force) runs it
 * again; a killed attempt's staging directory is removed either way.
 */
class UpToDateTest {

    @TempDir
    Path dir;

    /** Copies its input to out.txt, reading train.epochs, and counts its runs. */
    private static final class CountingStage implements Stage {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public String name() {
            return "train";
        }

        @Override
        public StageResult run(StageContext ctx) throws Exception {
            runs.incrementAndGet();
            int epochs = ctx.config().integer("train.epochs");
            String text = Files.readString(Path.of(java.net.URI.create(ctx.input(0)))) + " x" + epochs;
            Fs.writeString(Fs.child(ctx.output(), "out.txt"), text);
            return StageResult.of(Counts.rows(1, 1, Map.of(), 0), Map.of("epochs", epochs), "copied");
        }
    }

    @Test
    void aSecondRunWithTheSameInputsAndConfigSkipsAndAnyDifferenceRunsAgain() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "data");
        String out = dir.resolve("run/train").toString();
        CountingStage stage = new CountingStage();

        StageReport first = run(stage, in, out, "train.epochs=3");
        assertEquals(1, stage.runs.get());
        assertEquals("copied", first.summary());
        String manifest = Files.readString(Path.of(out, "_manifest.json"));

        StageReport second = run(stage, in, out, "train.epochs=3", "train.batch-size=64"); // a key it does not read
        assertEquals(1, stage.runs.get(), "same inputs, same values of the keys it read: skipped");
        assertTrue(second.summary().startsWith("up to date, skipped"), second.summary());
        assertEquals(Map.of("epochs", 3), second.metrics(), "the skipped stage reports what its output holds");
        assertEquals(1, second.counts().out());
        assertEquals(manifest, Files.readString(Path.of(out, "_manifest.json")), "nothing rewritten");

        run(stage, in, out, "train.epochs=4");
        assertEquals(2, stage.runs.get(), "a key it read changed");
        assertEquals("data x4", Files.readString(Path.of(out, "out.txt")));

        Files.writeString(in, "data, edited");
        run(stage, in, out, "train.epochs=4");
        assertEquals(3, stage.runs.get(), "an input changed");
        assertEquals("data, edited x4", Files.readString(Path.of(out, "out.txt")));

        run(stage, in, out, "train.epochs=4", "run.force=true");
        assertEquals(4, stage.runs.get(), "--force runs it whatever the manifest says");
    }

    @Test
    void skippingRemovesTheStagingDirectoryOfAKilledAttemptAndKeepsTheOutput() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "data");
        String out = dir.resolve("run/train").toString();
        CountingStage stage = new CountingStage();
        run(stage, in, out, "train.epochs=3");
        // what a SIGKILLed retry leaves: a half-written staging directory beside the output, no live lock holder
        Path staging = Files.createDirectories(dir.resolve("run/.train.staging-" + java.util.UUID.randomUUID()));
        Files.writeString(staging.resolve("out.txt"), "half");

        run(stage, in, out, "train.epochs=3");
        assertEquals(1, stage.runs.get());
        assertFalse(Files.exists(staging), "the killed attempt's staging directory is gone");
        try (Stream<Path> left = Files.list(dir.resolve("run"))) {
            assertEquals(List.of("train"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging, old or lock files left");
        }
        assertEquals("data x3", Files.readString(Path.of(out, "out.txt")));
    }

    @Test
    void theVerdictSaysWhatChanged() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "data");
        String out = dir.resolve("run/train").toString();
        run(new CountingStage(), in, out, "train.epochs=3");
        List<Map<String, Object>> fp = List.of(Fingerprint.of(in.toString()));
        UpToDate.Verdict changed = UpToDate.check("train", out, fp, TestSpark.config("train.epochs=5"));
        assertFalse(changed.current());
        assertEquals("config changed: train.epochs 3 -> 5", changed.reason());
        assertEquals("it is the output of 'train'", UpToDate.check("score", out, fp, TestSpark.config()).reason());
        assertTrue(UpToDate.check("train", dir.resolve("run/none").toString(), fp, TestSpark.config()).reason()
                .startsWith("no published output"));
    }

    private static StageReport run(Stage stage, Path in, String out, String... sets) {
        return StageRunner.run(stage, TestSpark.session(), TestSpark.config(sets), List.of(in.toString()), out);
    }
}
