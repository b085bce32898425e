package dev.dlpipe.text;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TextAugmenterTest {

    @Test
    void deterministicAndNeverEmpty() {
        String text = "the quick brown fox jumps over the lazy dog";
        String a = TextAugmenter.augment(text, 0.3, 2, new SplittableRandom(1));
        assertEquals(a, TextAugmenter.augment(text, 0.3, 2, new SplittableRandom(1)));
        assertNotEquals(text, a);
        for (int seed = 0; seed < 50; seed++) {
            assertFalse(TextAugmenter.augment("one two", 0.9, 0, new SplittableRandom(seed)).isEmpty());
        }
        assertEquals("single", TextAugmenter.augment("single", 0.9, 3, new SplittableRandom(2)));
    }

    @Test
    void cjkIsOneTokenPerCharacterAndStaysUnspaced() {
        assertEquals(5, TextAugmenter.tokenize("质量很好 ok!").size(), "质 量 很 好 + ok!");
        String swapped = TextAugmenter.augment("质量很好", 0, 1, new SplittableRandom(3));
        assertEquals(4, swapped.codePointCount(0, swapped.length()));
        assertFalse(swapped.contains(" "));
        assertEquals("ok 很好", TextAugmenter.augment("ok 很好", 0, 0, new SplittableRandom(3)));
    }
}
