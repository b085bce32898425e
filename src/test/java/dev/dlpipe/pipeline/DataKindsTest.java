package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipeline.data-kind: auto, told from the files people have, before Spark starts. */
class DataKindsTest {

    static final Path ROOT = Path.of(System.getProperty("dlpipe.project.dir", "."));
    static final Path BYOD = dev.dlpipe.ByodFixtures.DIR;

    @TempDir
    Path dir;

    private static String kind(Path input) {
        Config c = DataKinds.resolve(TestSpark.config(), input.toString());
        assertTrue(c.origin("pipeline.data-kind").startsWith("inferred from"), c.origin("pipeline.data-kind"));
        return c.string("pipeline.data-kind");
    }

    @Test
    void eachKindFromItsFiles() throws Exception {
        assertEquals("tensor", kind(BYOD.resolve("digits-h5")), "train/ of HDF5");
        assertEquals("tensor", kind(BYOD.resolve("digits-h5-new/new.h5")));
        assertEquals("image", kind(BYOD.resolve("digits-png")), "class folders under split folders");
        assertEquals("image", kind(ROOT.resolve("sample-data/images/images.parquet")), "an image table");
        assertEquals("tabular", kind(BYOD.resolve("cancer.csv")));
        assertEquals("text", kind(BYOD.resolve("licenses.jsonl")));
        assertEquals("text", kind(ROOT.resolve("sample-data/text/reviews.jsonl")));
        Path csvText = Files.writeString(dir.resolve("t.csv"), "text,label\nhello world,a\n");
        assertEquals("text", kind(csvText), "a CSV with the text column");
    }

    @Test
    void unknownInputIsOneLineNamingTheKey() throws Exception {
        Path odd = Files.writeString(dir.resolve("notes.txt"), "what is this");
        UserError e = assertThrows(UserError.class, () -> DataKinds.resolve(TestSpark.config(), odd.toString()));
        assertTrue(e.getMessage().contains("set pipeline.data-kind"), e.getMessage());
        Config set = TestSpark.config("pipeline.data-kind=tabular");
        assertSame(set, DataKinds.resolve(set, odd.toString()), "a set kind is kept");
    }
}
