package dev.dlpipe.text;

import static org.apache.spark.sql.functions.*;

import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * The text edits that Spark SQL built-ins can express (Catalyst evaluates them with no per-row Java objects),
 * as column expressions. Patterns are Java regexes, so {@code \p{..}} classes cover every script.
 */
public final class TextEdits {

    /** script/style blocks with their content, up to the closing tag or, if it never comes, the end. */
    static final String SCRIPT_STYLE = "(?is)<(script|style)\\b[^>]*>.*?(</\\1\\s*>|$)";
    static final String COMMENT = "(?s)<!--.*?(-->|$)";
    /** A tag: '<' then a letter, '/' or '!', up to '>' or, for a broken tag, up to the next '<' or the end. */
    static final String TAG = "<[/!?]?[A-Za-z][^<>]*(>|(?=<)|$)";
    /** Control (Cc) and format (Cf: zero-width space/joiners, BOM, bidi marks) characters, except tab and newline. */
    static final String CONTROL_AND_FORMAT = "[\\p{Cc}\\p{Cf}&&[^\\t\\n]]";
    static final String WHITESPACE = "[\\s\\p{Z}]+";

    private TextEdits() {
    }

    public static Column stripHtml(Column text) {
        return regexp_replace(regexp_replace(regexp_replace(text, SCRIPT_STYLE, " "), COMMENT, " "), TAG, " ");
    }

    public static Column stripControl(Column text) {
        return regexp_replace(text, CONTROL_AND_FORMAT, "");
    }

    /** Replaces what the policy does not keep with a space; letters (with marks) and digits of every script stay. */
    public static Column specialCharacters(Column text, String policy) {
        String dropped = specialCharacterPattern(policy);
        return dropped == null ? text : regexp_replace(text, dropped, " ");
    }

    /** What the policy replaces with a space, as a regex; null for keep-all. */
    static String specialCharacterPattern(String policy) {
        switch (policy) {
            case "keep-all":
                return null;
            case "letters-digits-punct":
                return "[^\\p{L}\\p{M}\\p{N}\\p{P}\\s]";
            case "letters-digits":
                return "[^\\p{L}\\p{M}\\p{N}\\s]";
            case "ascii":
                return "[^a-zA-Z0-9\\s]";
            default:
                throw new IllegalArgumentException("unknown special-character policy " + policy);
        }
    }

    public static Column collapseWhitespace(Column text) {
        return trim(regexp_replace(text, WHITESPACE, " "));
    }

    /**
     * The same edits on one string, in plain Java, for a text that arrives alone (the model server): the same
     * patterns in the same order as {@link CleanTextStage#cleanText}, whose {@code regexp_replace} is Java's regex
     * engine too, and Spark's {@code trim}, which removes only spaces.
     */
    public static final class OnOneText implements java.io.Serializable {
        private static final Pattern SCRIPT_STYLE_P = Pattern.compile(SCRIPT_STYLE);
        private static final Pattern COMMENT_P = Pattern.compile(COMMENT);
        private static final Pattern TAG_P = Pattern.compile(TAG);
        private static final Pattern CONTROL_P = Pattern.compile(CONTROL_AND_FORMAT);
        private static final Pattern WHITESPACE_P = Pattern.compile(WHITESPACE);

        private final boolean stripHtml;
        private final TextCanonicalizer canonicalizer;
        private final Pattern special;

        public OnOneText(CleanTextStage.Settings s) {
            this.stripHtml = s.stripHtml();
            this.canonicalizer = CleanTextStage.canonicalizer(s);
            String dropped = specialCharacterPattern(s.specialCharacters());
            this.special = dropped == null ? null : Pattern.compile(dropped);
        }

        public String apply(String text) {
            if (text == null) {
                return null;
            }
            String t = text;
            if (stripHtml) {
                t = TAG_P.matcher(COMMENT_P.matcher(SCRIPT_STYLE_P.matcher(t).replaceAll(" ")).replaceAll(" "))
                        .replaceAll(" ");
            }
            t = CONTROL_P.matcher(canonicalizer.apply(t)).replaceAll("");
            if (special != null) {
                t = special.matcher(t).replaceAll(" ");
            }
            t = WHITESPACE_P.matcher(t).replaceAll(" ");
            int from = 0;
            int to = t.length();
            while (from < to && t.charAt(from) == ' ') {
                from++;
            }
            while (to > from && t.charAt(to - 1) == ' ') {
                to--;
            }
            return t.substring(from, to);
        }
    }
}
