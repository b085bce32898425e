package dev.dlpipe.text;

import static org.apache.spark.sql.functions.*;

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
        switch (policy) {
            case "keep-all":
                return text;
            case "letters-digits-punct":
                return regexp_replace(text, "[^\\p{L}\\p{M}\\p{N}\\p{P}\\s]", " ");
            case "letters-digits":
                return regexp_replace(text, "[^\\p{L}\\p{M}\\p{N}\\s]", " ");
            case "ascii":
                return regexp_replace(text, "[^a-zA-Z0-9\\s]", " ");
            default:
                throw new IllegalArgumentException("unknown special-character policy " + policy);
        }
    }

    public static Column collapseWhitespace(Column text) {
        return trim(regexp_replace(text, WHITESPACE, " "));
    }
}
