package dev.dlpipe.text;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VocabularyTest {

    @Test
    void mostFrequentFirstTiesInCodePointOrderRareTokensOut() {
        Vocabulary v = Vocabulary.fit(Map.of("b", 5L, "a", 5L, "c", 9L, "rare", 1L), 2, 100);
        assertEquals(List.of("<pad>", "<unk>", "c", "a", "b"), v.tokens());
        assertEquals(Vocabulary.OOV, v.id("rare"), "below min-count: unknown");
        assertEquals(Vocabulary.OOV, v.id("never-seen"));
        assertEquals(2, v.id("c"));
    }

    @Test
    void maxSizeCountsPaddingAndUnknown() {
        Vocabulary v = Vocabulary.fit(Map.of("x", 3L, "y", 2L, "z", 1L), 1, 4);
        assertEquals(List.of("<pad>", "<unk>", "x", "y"), v.tokens());
        assertThrows(UserError.class, () -> Vocabulary.fit(Map.of(), 1, 2));
    }

    @Test
    void encodePadsAtTheEndAndTruncates() {
        Vocabulary v = Vocabulary.of(List.of("<pad>", "<unk>", "good", "bad"));
        assertArrayEquals(new float[] {2, 1, 3, 0, 0}, v.encode(List.of("good", "meh", "bad"), 5));
        assertArrayEquals(new float[] {2, 1}, v.encode(List.of("good", "meh", "bad"), 2));
    }

    @Test
    void textFileRoundTripsAndMustStartWithTheSpecialTokens() {
        Vocabulary v = Vocabulary.fit(Map.of("日本", 3L, "😍", 2L), 1, 10);
        assertEquals(v.tokens(), Vocabulary.parse(v.toText()).tokens());
        assertThrows(UserError.class, () -> Vocabulary.parse("hello\nworld\n"));
    }
}
