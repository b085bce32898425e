package dev.dlpipe.core;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A dependency-free line chart as an HTML page with inline SVG, for training curves a person can open. */
public final class HtmlChart {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

    private HtmlChart() {
    }

    /** One panel per series; x runs 1..n. */
    public static String page(String title, Map<String, List<Double>> series) {
        StringBuilder sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title><style>body{font-family:sans-serif;margin:20px}"
                        + "svg{border:1px solid #ccc;margin:8px}</style></head><body><h2>")
                .append(escape(title)).append("</h2>");
        int color = 0;
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            sb.append(panel(e.getKey(), e.getValue(), COLORS[color++ % COLORS.length]));
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String panel(String name, List<Double> ys, String color) {
        int w = 460;
        int h = 260;
        int pad = 45;
        double min = ys.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = ys.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        if (max - min < 1e-9) {
            max = min + 1;
        }
        StringBuilder pts = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (int i = 0; i < ys.size(); i++) {
            double x = pad + (ys.size() == 1 ? 0 : (double) i / (ys.size() - 1)) * (w - 2 * pad);
            double y = h - pad - (ys.get(i) - min) / (max - min) * (h - 2 * pad);
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%d: %.4f"
                    + "</title></circle>", x, y, color, i + 1, ys.get(i)));
        }
        return String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\"><text x=\"%d\" y=\"20\" font-size=\"14\">%s"
                        + "</text><text x=\"5\" y=\"%d\" font-size=\"11\">%.4g</text><text x=\"5\" y=\"%d\" font-size=\"11\">"
                        + "%.4g</text><text x=\"%d\" y=\"%d\" font-size=\"11\">epoch 1..%d</text>"
                        + "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%s</svg>",
                w, h, pad, escape(name), pad, max, h - pad, min, w / 2 - 30, h - 12, ys.size(), color, pts, dots);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
