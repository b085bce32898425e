package dev.dlpipe.text;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits cleaned text into the tokens a text model reads. Scripts written with spaces give words: runs of letters,
 * digits and combining marks (so "café", "naïve" and Devanagari syllables stay whole), with an apostrophe or hyphen
 * kept between two letters ("don't", "e-mail"). Scripts written without spaces (Han, Hiragana, Katakana, Thai,
 * Lao, Khmer, Myanmar) give one token per character, or with {@code cjkBigrams} each pair of neighbouring characters
 * (a one-character run stays one token), the usual choice for Chinese and Japanese without a dictionary segmenter.
 * Emoji and other symbols are one token each, with their modifiers (skin tones, variation selectors) attached.
 * Punctuation, spaces and control characters separate tokens and are dropped. Case is left alone: clean has already
 * lower-cased (or deliberately not). A plain function of the string, so Spark, raw scoring and a client agree.
 */
public record Tokenizer(boolean cjkBigrams) implements Serializable {

    public static final String FILE = "tokenizer.json";

    /** Katakana's "ー": it lengthens the vowel before it, so it belongs to that character. */
    private static final int PROLONGED_SOUND_MARK = 0x30FC;

    /** What a client needs to reimplement this exactly; written as tokenizer.json and into preprocessing.json. */
    public Map<String, Object> describe() {
        return Map.of(
                "words", "maximal runs of Unicode letters (L), digits (N) and marks (M); an apostrophe (' or U+2019)"
                        + " or hyphen between two letters stays inside the word",
                "unspaced_scripts", List.of("Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar"),
                "unspaced", (cjkBigrams ? "character bigrams of each run (a single character stays one token)"
                        : "one token per character") + "; a combining mark or U+30FC joins the character before it",
                "symbols", "each character of category So/Sk is one token; following marks, Sk modifiers and"
                        + " variation selectors attach to it",
                "dropped", "everything else (punctuation, spaces, controls) separates tokens",
                "case", "unchanged (clean.text.lowercase already applied)",
                "cjk_bigrams", cjkBigrams);
    }

    public static Tokenizer fromMap(Map<String, Object> m) {
        return new Tokenizer(Boolean.TRUE.equals(m.get("cjk_bigrams")));
    }

    public List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        StringBuilder word = new StringBuilder();
        StringBuilder unspaced = new StringBuilder(); // the current run of unspaced-script characters
        boolean afterSymbol = false; // the previous character was an emoji or other symbol, now the last token
        int n = text.length();
        for (int i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            int len = Character.charCount(cp);
            int type = Character.getType(cp);
            boolean attaches = isMark(type) || cp == PROLONGED_SOUND_MARK; // both extend the character before them
            if (isUnspacedScript(cp) || attaches && unspaced.length() > 0 && word.length() == 0) {
                flush(word, out);
                unspaced.appendCodePoint(cp);
                afterSymbol = false;
            } else if (afterSymbol && (attaches || type == Character.MODIFIER_SYMBOL && isSkinTone(cp)
                    || cp >= 0xFE00 && cp <= 0xFE0F)) {
                out.set(out.size() - 1, out.get(out.size() - 1) + new String(Character.toChars(cp)));
            } else if (isWordPart(type)) {
                flushUnspaced(unspaced, out);
                word.appendCodePoint(cp);
                afterSymbol = false;
            } else if ((cp == '\'' || cp == '\u2019' || cp == '-') && word.length() > 0
                    && Character.isLetter(word.codePointBefore(word.length())) && i + len < n
                    && Character.isLetter(text.codePointAt(i + len)) && !isUnspacedScript(text.codePointAt(i + len))) {
                word.appendCodePoint(cp);
            } else if (type == Character.OTHER_SYMBOL || type == Character.MODIFIER_SYMBOL) {
                flush(word, out);
                flushUnspaced(unspaced, out);
                out.add(new String(Character.toChars(cp)));
                afterSymbol = true;
            } else {
                flush(word, out);
                flushUnspaced(unspaced, out);
                afterSymbol = false;
            }
            i += len;
        }
        flush(word, out);
        flushUnspaced(unspaced, out);
        return out;
    }

    private static void flush(StringBuilder word, List<String> out) {
        if (word.length() > 0) {
            out.add(word.toString());
            word.setLength(0);
        }
    }

    /** One token per character (marks attached), or bigrams of neighbouring characters. */
    private void flushUnspaced(StringBuilder run, List<String> out) {
        if (run.length() == 0) {
            return;
        }
        List<String> chars = new ArrayList<>();
        String s = run.toString();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            String c = new String(Character.toChars(cp));
            if ((isMark(Character.getType(cp)) || cp == PROLONGED_SOUND_MARK) && !chars.isEmpty()) {
                chars.set(chars.size() - 1, chars.get(chars.size() - 1) + c);
            } else {
                chars.add(c);
            }
            i += Character.charCount(cp);
        }
        if (!cjkBigrams || chars.size() == 1) {
            out.addAll(chars);
        } else {
            for (int i = 0; i + 1 < chars.size(); i++) {
                out.add(chars.get(i) + chars.get(i + 1));
            }
        }
        run.setLength(0);
    }

    private static boolean isWordPart(int type) {
        return type == Character.OTHER_LETTER || type == Character.UPPERCASE_LETTER || type == Character.LOWERCASE_LETTER
                || type == Character.TITLECASE_LETTER || type == Character.MODIFIER_LETTER
                || type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER || isMark(type);
    }

    private static boolean isMark(int type) {
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    /** Emoji skin-tone modifiers (Fitzpatrick types 1-2 to 6). */
    private static boolean isSkinTone(int cp) {
        return cp >= 0x1F3FB && cp <= 0x1F3FF;
    }

    /** Scripts whose words are not separated by spaces; Korean Hangul is (by spaces between words), so not here. */
    static boolean isUnspacedScript(int cp) {
        Character.UnicodeScript s = Character.UnicodeScript.of(cp);
        return s == Character.UnicodeScript.HAN || s == Character.UnicodeScript.HIRAGANA
                || s == Character.UnicodeScript.KATAKANA || s == Character.UnicodeScript.THAI
                || s == Character.UnicodeScript.LAO || s == Character.UnicodeScript.KHMER
                || s == Character.UnicodeScript.MYANMAR;
    }
}
