package dev.dlpipe.text;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text cleaning chain on hand-made edge cases, through Spark (most edits are Catalyst built-ins), and every case
 * again through the plain-Java chain the model server applies to one text, which must give the same string.
 */
class TextCleaningTest {

    @TempDir
    Path dir;

    private static List<String> clean(CleanTextStage.Settings s, String... texts) {
        SparkSession spark = TestSpark.session();
        Dataset<String> in = spark.createDataset(List.of(texts), Encoders.STRING());
        List<String> out = new ArrayList<>();
        for (Row r : in.select(CleanTextStage.cleanText(col("value"), s)).collectAsList()) {
            out.add(r.getString(0));
        }
        TextEdits.OnOneText plain = new TextEdits.OnOneText(s);
        for (int i = 0; i < texts.length; i++) {
            assertEquals(out.get(i), plain.apply(texts[i]), "plain Java cleaning of text " + i + " under " + s);
        }
        return out;
    }

    @Test
    void plainJavaCleaningEqualsSparkOnRealTextUnderEveryPolicy() throws Exception {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(dev.dlpipe.ByodFixtures.DIR.resolve("licenses.jsonl"))) {
            texts.add(line); // whole JSON lines too: quotes, braces, escapes
            try {
                Object p = dev.dlpipe.core.Json.readMap(line).get("paragraph");
                if (p instanceof String t) {
                    texts.add(t);
                }
            } catch (RuntimeException notJson) {
                // the fixture's deliberately broken line is still a text
            }
        }
        texts.add("<p>caf&eacute; <b>Ｆｕｌｌ</b></p>\u0000 \u00A0tab\tend \u202Eright-to-left 😀🏽 ＡＢＣ  ");
        String[] array = texts.toArray(new String[0]);
        for (String policy : List.of("keep-all", "letters-digits-punct", "letters-digits", "ascii")) {
            for (String normalization : List.of("NFKC", "none")) {
                clean(settings("clean.text.special-characters=" + policy, "clean.text.unicode-normalization="
                        + normalization, "clean.text.strip-html=" + !policy.equals("ascii"),
                        "clean.text.lowercase=" + normalization.equals("NFKC")), array);
            }
        }
    }

    private static CleanTextStage.Settings settings(String... overrides) {
        return CleanTextStage.Settings.from(TestSpark.config(overrides));
    }

    @Test
    void htmlNestedBrokenScriptsAndComments() {
        List<String> out = clean(settings(),
                "<div><p>Hello <b>big <i>world</i></b></p></div>",
                "<script type=\"text/javascript\">alert('x < y')</script>Visible<style>p{color:red}</style> text",
                "before <!-- hidden <b>comment</b> --> after",
                "<div class=\"x\"Broken tag then <b>bold</b>",
                "unclosed <script>var x = 1; and everything after",
                "a < b and 3 > 2 are not tags");
        assertEquals("hello big world", out.get(0));
        assertEquals("visible text", out.get(1));
        assertEquals("before after", out.get(2));
        assertEquals("bold", out.get(3), "a broken tag runs to the next tag");
        assertEquals("unclosed", out.get(4));
        assertEquals("a b and 3 2 are not tags", out.get(5), "< and > are symbols, dropped by the default policy");
    }

    @Test
    void entitySoupDecodesOnceAfterTagsAreGone() {
        List<String> out = clean(settings("clean.text.special-characters=keep-all"),
                "Tom &amp; Jerry &lt;3 &quot;caf&eacute;&quot; &#x4E2D;&#25991; &#39;ok&#39;&nbsp;end",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
                "&amp;lt; stays one level decoded", "&bogus; &#xZZ; & alone");
        assertEquals("tom & jerry <3 \"café\" 中文 'ok' end", out.get(0));
        assertEquals("<script>alert(1)</script>", out.get(1), "escaped markup is text, not a tag to strip");
        assertEquals("&lt; stays one level decoded", out.get(2));
        assertEquals("&bogus; &#xzz; & alone", out.get(3), "unknown entities are left as they are");
    }

    @Test
    void unicodeAwareByDefaultCjkCyrillicAccentsSurviveEmojiAndSymbolsGo() {
        List<String> out = clean(settings(),
                "质量很好，非常满意 😀👍", "Отличный ТОВАР!", "Crème Brûlée ★★★ ©2024", "ＦＵＬＬ　ＷＩＤＴＨ ﬁne",
                "zero\u200Bwidth\u0007bell\uFEFFbom", "  lots \t of \n\n whitespace  ");
        assertEquals("质量很好,非常满意", out.get(0), "NFKC folds the full-width comma; emoji are symbols");
        assertEquals("отличный товар!", out.get(1));
        assertEquals("crème brûlée 2024", out.get(2));
        assertEquals("full width fine", out.get(3));
        assertEquals("zerowidthbellbom", out.get(4));
        assertEquals("lots of whitespace", out.get(5));

        assertEquals(List.of("质量很好,非常满意 😀👍"), clean(settings("clean.text.special-characters=keep-all"), "质量很好，非常满意 😀👍"));
        assertEquals(List.of("creme brulee"), clean(settings("clean.text.special-characters=ascii",
                "clean.text.unicode-normalization=NFKC"), "Creme Brulee"));
        assertEquals(List.of("cr me br l e"), clean(settings("clean.text.special-characters=ascii"), "Crème Brûlée"),
                "the naive ASCII rule is available but destroys text, which is why it is not the default");
    }

    @Test
    void lowerCasingIgnoresTheJvmLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            assertEquals("title", new TextCanonicalizer(false, "none", true).apply("TITLE"));
            assertEquals("tıtle", "TITLE".toLowerCase(), "what String.toLowerCase() (and Spark's lower()) would do");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void stageQuarantinesDeduplicatesAndReconciles() throws Exception {
        Path input = dir.resolve("reviews.jsonl");
        String longText = "the delivery was quick and the product works exactly as described in the listing";
        Files.writeString(input, String.join("\n",
                "{\"id\":\"a1\",\"label\":\"pos\",\"text\":\"<p>Great product!</p>\"}",
                "{\"id\":\"a2\",\"label\":\"pos\",\"text\":\"GREAT   product!\"}",           // exact duplicate of a1
                "{\"id\":\"a3\",\"label\":\"neg\",\"text\":\"" + longText + "\"}",
                "{\"id\":\"a4\",\"label\":\"neg\",\"text\":\"" + longText.replace("quick", "quik") + "\"}", // near dup
                "{\"id\":\"a5\",\"label\":\"neu\",\"text\":\"<br/>\"}",                        // empty after cleaning
                "{\"id\":\"a6\",\"text\":\"no label here\"}",
                "{\"id\":\"a7\",\"label\":\"pos\",\"text\":\"broken",                           // not JSON
                "{\"id\":\"a8\",\"label\":\"neu\",\"text\":\"质量很好 😀\"}",
                "{\"id\":\"a9\",\"label\":\"neu\",\"text\":\"something entirely different\"}",
                ""));
        Config config = TestSpark.config("clean.text.min-length=2");
        StageReport r = StageRunner.run(new CleanTextStage(), TestSpark.session(), config, List.of(input.toString()),
                dir.resolve("clean").toString());
        assertEquals(9, r.counts().in());
        assertEquals(Map.of("malformed_json", 1L, "missing_label", 1L, "too_short", 1L), r.counts().quarantined());
        assertEquals(2, r.counts().deduplicated());
        assertEquals(4, r.counts().out());
        assertEquals(1L, r.metrics().get("exact_duplicates"));
        assertEquals(1L, r.metrics().get("near_duplicates"));

        SparkSession spark = TestSpark.session();
        List<Row> dups = spark.read().parquet(dir.resolve("clean/duplicates").toString()).orderBy("id").collectAsList();
        assertEquals("a2", dups.get(0).getString(0));
        assertEquals("a1", dups.get(0).getString(1));
        assertEquals("a4", dups.get(1).getString(0));
        assertEquals("a3", dups.get(1).getString(1));
        assertEquals("near", dups.get(1).getString(2));
        Row q = spark.read().parquet(dir.resolve("clean/quarantine").toString()).filter(col("reason").equalTo("malformed_json")).first();
        assertTrue(new String((byte[]) q.get(q.fieldIndex("original_line")), java.nio.charset.StandardCharsets.UTF_8)
                .contains("\"broken"), "the original line is kept, as bytes");
        List<Row> kept = spark.read().parquet(dir.resolve("clean/data").toString()).orderBy("id").collectAsList();
        assertEquals("质量很好", kept.get(2).getString(kept.get(2).fieldIndex("text")));
        assertEquals(List.of("neg", "neu", "pos"), r.metrics().get("labels"));
    }

    /** JSON Lines that used to vanish, multiply or pass as classes; every line is one record in the accounting. */
    @Test
    void arraysObjectsListLabelsConflictsAndBadBytesAreQuarantined() throws Exception {
        Path input = dir.resolve("hostile.jsonl");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String line : List.of(
                "{\"id\":\"b1\",\"label\":\"pos\",\"text\":\"a perfectly fine review\"}",
                "[]",                                                                              // vanished before
                "[{\"id\":\"x1\",\"label\":\"pos\",\"text\":\"one\"},{\"id\":\"x2\",\"label\":\"neg\",\"text\":\"two\"}]",
                "{\"id\":\"b2\",\"label\":[\"pos\",\"neg\"],\"text\":\"a list is not a class\"}",
                "{\"id\":\"b3\",\"label\":{\"name\":\"pos\"},\"text\":\"nor is an object\"}",
                "{\"id\":\"b4\",\"label\":\"pos\",\"text\":\"the same words twice\"}",
                "{\"id\":\"b5\",\"label\":\"neg\",\"text\":\"The same   words twice\"}",   // conflicts with b4
                "{\"id\":\"b6\",\"label\":\"neg\",\"text\":\"mentions \\\"label\\\": [1] inside the text\"}")) {
            bytes.write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            bytes.write('\n');
        }
        bytes.write(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', 'b', '7', '"', ',', '"', 'l', 'a', 'b', 'e', 'l', '"', ':',
            '"', 'p', 'o', 's', '"', ',', '"', 't', 'e', 'x', 't', '"', ':', '"', 'b', 'a', 'd', ' ', (byte) 0xC3, (byte) 0x28,
            ' ', 'b', 'y', 't', 'e', 's', '"', '}', '\n'});
        Files.write(input, bytes.toByteArray());
        StageReport r = StageRunner.run(new CleanTextStage(), TestSpark.session(), TestSpark.config(
                "clean.text.near-duplicate-threshold=0"), List.of(input.toString()), dir.resolve("hostile").toString());
        assertEquals(9, r.counts().in(), "every line is one record");
        assertEquals(Map.of("malformed_json", 2L, "bad_label", 2L, "conflicting_labels", 2L, "invalid_utf8", 1L),
                r.counts().quarantined());
        assertEquals(2, r.counts().out(), "b1 and b6 (whose text merely mentions a label)");
        Dataset<Row> q = TestSpark.session().read().parquet(dir.resolve("hostile/quarantine").toString());
        Row conflict = q.filter(col("id").equalTo("b5")).first();
        assertEquals("the same text is labelled neg, pos", conflict.getString(conflict.fieldIndex("detail")));
        Row bad = q.filter(col("reason").equalTo("invalid_utf8")).first();
        assertEquals("the line is not valid UTF-8", bad.getString(bad.fieldIndex("detail")));
        byte[] original = (byte[]) bad.get(bad.fieldIndex("original_line"));
        assertEquals((byte) 0xC3, original[37], "the line's own bytes, not a replacement character");
    }
}
