package dev.dlpipe.text;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    private static final Tokenizer CHARS = new Tokenizer(false);
    private static final Tokenizer BIGRAMS = new Tokenizer(true);

    @Test
    void spacedScriptsGiveWordsWithMarksAndInnerApostrophes() {
        assertEquals(List.of("don't", "e-mail", "the", "café", "naïve", "2024"),
                CHARS.tokens("don't -- e-mail: the café, (naïve) 2024!"));
        // decomposed é (e + U+0301) stays one word; Cyrillic, Greek, Arabic and Devanagari words as written
        assertEquals(List.of("cafe\u0301", "привет", "κόσμε", "مرحبا", "नमस्ते"),
                CHARS.tokens("cafe\u0301 привет, κόσμε; مرحبا — नमस्ते"));
        assertEquals(List.of("it", "s"), CHARS.tokens("it 's"), "an apostrophe that is not between letters splits");
    }

    @Test
    void chineseAndJapaneseGiveCharactersOrBigrams() {
        assertEquals(List.of("还", "可", "以"), CHARS.tokens("还可以"));
        assertEquals(List.of("还可", "可以"), BIGRAMS.tokens("还可以"));
        assertEquals(List.of("好"), BIGRAMS.tokens("好"), "a one-character run stays one token");
        // Katakana with the prolonged sound mark (U+30FC, script Common) stays with its character
        assertEquals(List.of("スー", "パー"), CHARS.tokens("スーパー"));
        assertEquals(List.of("す", "ぐ", "に", "壊", "れ", "ま", "し", "た"), CHARS.tokens("すぐに壊れました。"));
    }

    @Test
    void mixedScriptsSplitAtTheScriptBoundary() {
        assertEquals(List.of("iphone", "很", "好", "用", "5g", "版"), CHARS.tokens("iphone很好用5g版"));
        assertEquals(List.of("iphone", "很好", "好用", "5g", "版"), BIGRAMS.tokens("iphone很好用5g版"));
        // Korean is written with spaces between words: words, not characters
        assertEquals(List.of("정말", "좋아요"), CHARS.tokens("정말 좋아요!"));
        // Thai has no spaces: characters, a combining vowel (U+0E35) attached to its consonant
        assertEquals(List.of("ดี", "ม", "า", "ก"), CHARS.tokens("ดีมาก"));
    }

    @Test
    void emojiAreTokensWithTheirModifiers() {
        assertEquals(List.of("love", "it", "😍", "👍🏽", "❤\uFE0F"), CHARS.tokens("love it😍👍🏽 ❤\uFE0F"));
        assertEquals(List.of("😍", "😍"), CHARS.tokens("😍😍"), "two emoji are two tokens");
        assertEquals(List.of(), CHARS.tokens("!!! ... ---"));
        assertEquals(List.of(), CHARS.tokens(null));
    }

    @Test
    void describedSettingsRoundTrip() {
        Map<String, Object> m = BIGRAMS.describe();
        assertEquals(BIGRAMS, Tokenizer.fromMap(m));
        assertEquals(CHARS, Tokenizer.fromMap(CHARS.describe()));
    }
}
