package dev.dlpipe.sampledata;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleDataTest {

    @TempDir
    Path dir;

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void sameSeedSameBytesDifferentSeedDifferentBytes() throws Exception {
        SampleData.write(dir.resolve("a").toString(), 300, 300, 300, 7);
        SampleData.write(dir.resolve("b").toString(), 300, 300, 300, 7);
        SampleData.write(dir.resolve("c").toString(), 300, 300, 300, 8);
        for (String f : new String[] {"images/images.parquet", "text/reviews.jsonl", "tabular/customers.csv"}) {
            assertEquals(sha256(dir.resolve("a").resolve(f)), sha256(dir.resolve("b").resolve(f)), f);
            assertNotEquals(sha256(dir.resolve("a").resolve(f)), sha256(dir.resolve("c").resolve(f)), f);
        }
    }

    @Test
    void committedSampleDataIsWhatTheGeneratorMakes() throws Exception {
        Path root = Path.of(System.getProperty("dlpipe.project.dir", "."));
        Path out = dir.resolve("regen");
        SampleData.write(out.toString(), 6000, 4000, 4000, 20261122);
        for (String f : new String[] {"images/images.parquet", "text/reviews.jsonl", "tabular/customers.csv"}) {
            assertEquals(sha256(root.resolve("sample-data").resolve(f)), sha256(out.resolve(f)),
                    f + " differs from the generator's output: regenerate with ./run sample-data");
        }
    }

    @Test
    void textHoldsTheMessTheCleanerMustHandle() throws Exception {
        TextSetWriter.write(dir.resolve("t.jsonl").toString(), 2000, 3);
        String text = Files.readString(dir.resolve("t.jsonl"));
        assertTrue(text.contains("<script>"));
        assertTrue(text.contains("&amp;"));
        assertTrue(text.chars().anyMatch(ch -> Character.UnicodeScript.of(ch) == Character.UnicodeScript.HAN));
        assertTrue(text.chars().anyMatch(ch -> Character.UnicodeScript.of(ch) == Character.UnicodeScript.CYRILLIC));
        assertTrue(text.contains("\"unterminated\n"), "malformed JSON lines");
        assertTrue(text.contains("\"text\":\"\""), "empty texts");
    }

    @Test
    void glyphClassesAreDistinctShapes() {
        // the mean image of each class differs clearly from every other class's
        int size = 28;
        double[][] means = new double[GlyphRenderer.CLASSES][size * size];
        int per = 40;
        for (int c = 0; c < GlyphRenderer.CLASSES; c++) {
            for (int i = 0; i < per; i++) {
                byte[] img = GlyphRenderer.render(c, size, new SplittableRandom(Seeds.mix(c, i)));
                for (int p = 0; p < img.length; p++) {
                    means[c][p] += (img[p] & 0xFF) / 255.0 / per;
                }
            }
        }
        for (int a = 0; a < GlyphRenderer.CLASSES; a++) {
            for (int b = a + 1; b < GlyphRenderer.CLASSES; b++) {
                double d = 0;
                for (int p = 0; p < size * size; p++) {
                    d += Math.abs(means[a][p] - means[b][p]);
                }
                assertTrue(d / (size * size) > 0.02, GlyphRenderer.CLASS_NAMES[a] + " vs " + GlyphRenderer.CLASS_NAMES[b]);
            }
        }
    }
}
