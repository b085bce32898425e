package dev.dlpipe.text;

import java.io.Serializable;
import java.text.Normalizer;
import java.util.Locale;
import org.apache.commons.text.StringEscapeUtils;

/**
 * The text edits Spark has no built-in for, as one pure function (the only per-row UDF in text cleaning):
 * HTML entity decoding (named and numeric), Unicode normalization, and lower-casing with {@link Locale#ROOT}.
 * Spark's {@code lower()} would not do: for non-ASCII strings it calls {@code String.toLowerCase()} with the JVM's
 * default locale, so "TITLE" would lose its dotted i on a Turkish executor.
 */
public record TextCanonicalizer(boolean decodeEntities, String normalization, boolean lowercase) implements Serializable {

    public String apply(String text) {
        if (text == null) {
            return null;
        }
        String s = text;
        if (decodeEntities && s.indexOf('&') >= 0) { // most rows have no entity: skip the copy
            s = StringEscapeUtils.unescapeHtml4(s);
        }
        switch (normalization) {
            case "NFKC":
                s = Normalizer.normalize(s, Normalizer.Form.NFKC);
                break;
            case "NFC":
                s = Normalizer.normalize(s, Normalizer.Form.NFC);
                break;
            default:
                break;
        }
        return lowercase ? s.toLowerCase(Locale.ROOT) : s;
    }
}
