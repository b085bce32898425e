package dev.dlpipe.sampledata;

import dev.dlpipe.core.Fs;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes the text classification sample set as JSON Lines {@code {"id","label","text"}}: product reviews labelled
 * positive / negative / neutral in English, French, German, Russian, Chinese and Japanese, wrapped in HTML tags
 * (including script/style blocks and broken tags), entities, emoji, full-width and zero-width characters. It also
 * holds exact and near duplicates, empty and tag-only texts, rows with no label and lines that are not valid JSON.
 */
public final class TextSetWriter {

    static final String[] LABELS = {"positive", "negative", "neutral"};

    private static final String[][] PHRASES = {
        { // positive
            "Great product, works perfectly", "I love it", "Excellent quality and fast delivery",
            "Would buy again", "Très bon produit, je recommande", "Qualité excellente", "Sehr gut, ich bin zufrieden",
            "Отличный товар, всем советую", "质量很好，非常满意", "物流很快，好评", "とても良い商品です", "素晴らしい品質でした",
            "Five stars ★★★★★", "Absolutely fantastic 😀"},
        { // negative
            "Terrible, broke after one day", "Waste of money", "Very poor quality", "Do not buy this",
            "Produit décevant, à éviter", "Qualité médiocre", "Schlechte Qualität, nie wieder", "Ужасное качество, не покупайте",
            "质量太差了，很失望", "完全不能用", "最悪の商品でした", "すぐに壊れました", "One star ☆ - awful 😡",
            "Refund requested!!!"},
        { // neutral
            "It is okay", "Arrived on Tuesday", "Average product, nothing special", "Does what it says",
            "Produit correct, sans plus", "Livraison à l'heure", "Ganz okay für den Preis", "Нормально, ничего особенного",
            "一般般吧", "还可以", "普通の商品です", "まあまあです", "Color as described", "Size M fits as expected"}
    };

    private static final String[] NOISE = {
        "&amp;", "&lt;3", "&quot;wow&quot;", "&nbsp;", "&eacute;t&eacute;", "&#39;", "&#x4E2D;&#x6587;", "™", "©",
        "\u200B", "\u0007", "ＦＵＬＬ　ＷＩＤＴＨ", "!!!", "???", "#sale", "@shop", "$19.99", "100%", "→", "…", "ﬁne"};

    private TextSetWriter() {
    }

    public static long write(String file, long rows, long seed) {
        List<String> recent = new ArrayList<>();
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Fs.create(file), StandardCharsets.UTF_8))) {
            for (long i = 0; i < rows; i++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, i));
                String id = String.format("txt-%08d", i);
                int label = rnd.nextInt(LABELS.length);
                double kind = rnd.nextDouble();
                String text;
                if (kind < 0.05 && !recent.isEmpty()) {
                    text = recent.get(rnd.nextInt(recent.size())); // exact duplicate text under a new id
                } else if (kind < 0.08 && !recent.isEmpty()) {
                    text = recent.get(rnd.nextInt(recent.size())) + " " + PHRASES[label][0].substring(0, 3); // near duplicate
                } else if (kind < 0.10) {
                    text = rnd.nextBoolean() ? "" : (rnd.nextBoolean() ? "   \t " : "<div><br/></div>");
                } else {
                    text = review(label, rnd);
                }
                if (recent.size() < 200) {
                    recent.add(text);
                } else {
                    recent.set(rnd.nextInt(recent.size()), text);
                }
                double form = rnd.nextDouble();
                if (form < 0.01) {
                    w.write("{\"id\": \"" + id + "\", \"label\": \"" + LABELS[label] + "\", \"text\": \"unterminated");
                } else if (form < 0.015) {
                    w.write("{\"id\": \"" + id + "\", \"text\": " + quote(text) + "}"); // no label
                } else {
                    w.write("{\"id\":\"" + id + "\",\"label\":\"" + LABELS[label] + "\",\"text\":" + quote(text) + "}");
                }
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return rows;
    }

    private static String review(int label, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        int sentences = 1 + rnd.nextInt(3);
        for (int s = 0; s < sentences; s++) {
            String[] bank = rnd.nextDouble() < 0.8 ? PHRASES[label] : PHRASES[2];
            String phrase = bank[rnd.nextInt(bank.length)];
            if (rnd.nextDouble() < 0.3) {
                phrase = phrase.toUpperCase(java.util.Locale.ROOT);
            }
            double html = rnd.nextDouble();
            if (html < 0.25) {
                sb.append("<p>").append(phrase).append("</p>");
            } else if (html < 0.35) {
                sb.append("<b>").append(phrase).append("</b><br/>");
            } else if (html < 0.40) {
                sb.append("<a href=\"http://example.com/?a=1&amp;b=2\">").append(phrase).append("</a>");
            } else if (html < 0.43) {
                sb.append("<script>var x = \"").append(phrase).append("\";</script>").append(phrase);
            } else if (html < 0.45) {
                sb.append("<style>p { color: red; }</style><div class=\"x\"").append(phrase); // broken tag
            } else {
                sb.append(phrase);
            }
            if (rnd.nextDouble() < 0.4) {
                sb.append(' ').append(NOISE[rnd.nextInt(NOISE.length)]);
            }
            sb.append(rnd.nextBoolean() ? ". " : "  ");
        }
        return sb.toString().trim();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
