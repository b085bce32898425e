package dev.dlpipe.core;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A report written once and rendered twice, as Markdown (for terminals and repositories) and as a standalone HTML
 * page (for a browser), so the two can never say different things. Text may hold links as {@code [text](href)}
 * and {@code `code`}; everything else is escaped for HTML. Charts are HTML-only blocks with a Markdown stand-in.
 */
public final class ReportDocument {

    private static final Pattern INLINE = Pattern.compile("\\[([^\\]]+)]\\(([^)\\s]+)\\)|`([^`]+)`");

    private sealed interface Block permits Heading, Paragraph, Table, Chart {
    }

    private record Heading(int level, String text) implements Block {
    }

    private record Paragraph(String text) implements Block {
    }

    private record Table(List<String> header, List<List<String>> rows, boolean[] numeric) implements Block {
    }

    private record Chart(String html, String markdown) implements Block {
    }

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    public ReportDocument(String title) {
        this.title = title;
    }

    public ReportDocument heading(String text) {
        blocks.add(new Heading(2, text));
        return this;
    }

    public ReportDocument subheading(String text) {
        blocks.add(new Heading(3, text));
        return this;
    }

    public ReportDocument paragraph(String text) {
        blocks.add(new Paragraph(text));
        return this;
    }

    /** A table; a column whose header ends with {@code :} is right-aligned (numbers), the colon dropped. */
    public ReportDocument table(List<String> header, List<List<String>> rows) {
        boolean[] numeric = new boolean[header.size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            numeric[i] = header.get(i).endsWith(":");
            names.add(numeric[i] ? header.get(i).substring(0, header.get(i).length() - 1) : header.get(i));
        }
        blocks.add(new Table(names, rows, numeric));
        return this;
    }

    /** Inline SVG/HTML in the HTML page; {@code markdown} stands in for it in report.md. */
    public ReportDocument chart(String html, String markdown) {
        blocks.add(new Chart(html, markdown));
        return this;
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                sb.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
            } else if (b instanceof Paragraph p) {
                sb.append(p.text()).append("\n\n");
            } else if (b instanceof Chart c) {
                sb.append(c.markdown()).append("\n\n");
            } else if (b instanceof Table t) {
                {
                    sb.append("| ").append(String.join(" | ", t.header())).append(" |\n|");
                    for (boolean n : t.numeric()) {
                        sb.append(n ? "---:|" : "---|");
                    }
                    sb.append('\n');
                    for (List<String> row : t.rows()) {
                        sb.append("| ").append(String.join(" | ", row.stream().map(c -> c.replace("|", "\\|")).toList()))
                                .append(" |\n");
                    }
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }

    public String html() {
        StringBuilder sb = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:24px;"
                        + "max-width:1200px;color:#222}table{border-collapse:collapse;margin:8px 0 16px}"
                        + "td,th{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}td.n{text-align:right;"
                        + "font-variant-numeric:tabular-nums}code{background:#f3f3f3;padding:0 3px}"
                        + "h2{border-bottom:1px solid #ddd;margin-top:28px}</style></head><body>\n<h1>")
                .append(escape(title)).append("</h1>\n");
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                sb.append("<h").append(h.level()).append('>').append(inline(h.text())).append("</h").append(h.level())
                        .append(">\n");
            } else if (b instanceof Paragraph p) {
                sb.append("<p>").append(inline(p.text())).append("</p>\n");
            } else if (b instanceof Chart c) {
                sb.append("<div>").append(c.html()).append("</div>\n");
            } else if (b instanceof Table t) {
                {
                    sb.append("<table><tr>");
                    for (String h : t.header()) {
                        sb.append("<th>").append(inline(h)).append("</th>");
                    }
                    sb.append("</tr>\n");
                    for (List<String> row : t.rows()) {
                        sb.append("<tr>");
                        for (int i = 0; i < row.size(); i++) {
                            boolean n = i < t.numeric().length && t.numeric()[i];
                            sb.append(n ? "<td class=\"n\">" : "<td>").append(inline(row.get(i))).append("</td>");
                        }
                        sb.append("</tr>\n");
                    }
                    sb.append("</table>\n");
                }
            }
        }
        return sb.append("</body></html>\n").toString();
    }

    /** Markdown links, code spans and bold ({@code **x**}) to HTML; all other text escaped. */
    static String inline(String text) {
        StringBuilder sb = new StringBuilder();
        Matcher m = INLINE.matcher(text);
        int last = 0;
        while (m.find()) {
            sb.append(bold(escape(text.substring(last, m.start()))));
            if (m.group(1) != null) {
                sb.append("<a href=\"").append(escape(m.group(2))).append("\">").append(escape(m.group(1))).append("</a>");
            } else {
                sb.append("<code>").append(escape(m.group(3))).append("</code>");
            }
            last = m.end();
        }
        return sb.append(bold(escape(text.substring(last)))).toString();
    }

    private static String bold(String escaped) {
        return escaped.replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>");
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
