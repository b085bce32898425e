package dev.dlpipe.text;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random token deletion and swap. Tokens are whitespace-separated words; runs of Han, Hiragana, Katakana or
 * Hangul (scripts written without spaces) count one token per character and are re-joined without spaces.
 * The result depends only on the text and the random stream.
 */
public final class TextAugmenter {

    private TextAugmenter() {
    }

    /** A token and whether it was written without surrounding spaces (CJK character). */
    record Token(String text, boolean unspaced) {
    }

    public static String augment(String text, double deleteProbability, int swaps, SplittableRandom rnd) {
        List<Token> tokens = tokenize(text);
        if (tokens.size() <= 1) {
            return text;
        }
        List<Token> kept = new ArrayList<>(tokens.size());
        for (Token t : tokens) {
            if (rnd.nextDouble() >= deleteProbability) {
                kept.add(t);
            }
        }
        if (kept.isEmpty()) {
            kept.add(tokens.get(rnd.nextInt(tokens.size()))); // never delete everything
        }
        for (int i = 0; i < swaps && kept.size() > 1; i++) {
            int a = rnd.nextInt(kept.size());
            int b = rnd.nextInt(kept.size());
            Token t = kept.get(a);
            kept.set(a, kept.get(b));
            kept.set(b, t);
        }
        return join(kept);
    }

    static List<Token> tokenize(String text) {
        List<Token> out = new ArrayList<>();
        for (String word : text.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            StringBuilder spaced = new StringBuilder();
            for (int i = 0; i < word.length(); ) {
                int cp = word.codePointAt(i);
                if (isUnspacedScript(cp)) {
                    if (spaced.length() > 0) {
                        out.add(new Token(spaced.toString(), false));
                        spaced.setLength(0);
                    }
                    out.add(new Token(new String(Character.toChars(cp)), true));
                } else {
                    spaced.appendCodePoint(cp);
                }
                i += Character.charCount(cp);
            }
            if (spaced.length() > 0) {
                out.add(new Token(spaced.toString(), false));
            }
        }
        return out;
    }

    private static boolean isUnspacedScript(int cp) {
        Character.UnicodeScript s = Character.UnicodeScript.of(cp);
        return s == Character.UnicodeScript.HAN || s == Character.UnicodeScript.HIRAGANA
                || s == Character.UnicodeScript.KATAKANA || s == Character.UnicodeScript.HANGUL;
    }

    private static String join(List<Token> tokens) {
        StringBuilder sb = new StringBuilder();
        Token previous = null;
        for (Token t : tokens) {
            if (previous != null && !(previous.unspaced() && t.unspaced())) {
                sb.append(' ');
            }
            sb.append(t.text());
            previous = t;
        }
        return sb.toString();
    }
}
