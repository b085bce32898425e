package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintTest {

    @TempDir
    Path dir;

    @Test
    void hashingOnExecutorsGivesTheDriversFingerprintAndListingReadsNoBytes() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        byte[] block = new byte[40 << 20];
        for (int i = 0; i < block.length; i += 4096) {
            block[i] = (byte) i;
        }
        Files.write(data.resolve("part-0"), block);
        block[7] = 1;
        Files.write(data.resolve("part-1"), block);
        Files.writeString(data.resolve("_SUCCESS"), "");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());

        Map<String, Object> serial = Fingerprint.of(data.toString(), "content", null);
        Map<String, Object> parallel = Fingerprint.of(data.toString(), "content", jsc);
        assertEquals(serial.get("sha256"), parallel.get("sha256"), "same definition, hashed by tasks");
        assertEquals(2, parallel.get("files"));

        Map<String, Object> listing = Fingerprint.of(data.toString(), "listing", jsc);
        assertEquals("listing", listing.get("method"));
        assertNotEquals(serial.get("sha256"), listing.get("sha256"));
        assertEquals(listing.get("sha256"), Fingerprint.of(data.toString(), "listing", jsc).get("sha256"), "stable");

        block[8] = 2; // one byte, same size and (within a second) maybe the same mtime: only content sees it for sure
        Files.write(data.resolve("part-1"), block);
        assertNotEquals(serial.get("sha256"), Fingerprint.of(data.toString(), "content", jsc).get("sha256"));
    }

    /** A directory above the input whose name starts with "." (a project under ~/.local) hides nothing. */
    @Test
    void aHiddenAncestorDoesNotHideTheInput() throws Exception {
        Path data = Files.createDirectories(dir.resolve(".local/project/pack"));
        Files.writeString(data.resolve("part-0"), "abc");
        Files.writeString(data.resolve("_manifest.json"), "{}");
        Map<String, Object> fp = Fingerprint.of(data.toString(), "content", null);
        assertEquals(1, fp.get("files"), fp.toString());
        assertEquals(3L, ((Number) fp.get("bytes")).longValue());
    }
}
