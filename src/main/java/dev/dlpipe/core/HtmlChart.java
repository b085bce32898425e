package dev.dlpipe.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Dependency-free line charts as inline SVG, for training curves a person can open: each panel has axes with
 * round-number ticks and gridlines, one line per series and a legend. Points may be missing (null).
 */
public final class HtmlChart {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
    private static final int W = 480;
    private static final int H = 290;
    private static final int LEFT = 72;
    private static final int RIGHT = 16;
    private static final int TOP = 30;
    private static final int BOTTOM = 62;

    /** One line: its name in the legend and one value per epoch (null where there is none). */
    public record Series(String name, List<Double> values) {
    }

    /** A panel: a title, the y axis label, and its lines over the same epochs 1..n. */
    public record Panel(String title, String yLabel, List<Series> series) {
    }

    private HtmlChart() {
    }

    /** A whole page: a title, an optional note under it, and the panels side by side. */
    public static String page(String title, String note, List<Panel> panels) {
        StringBuilder sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(ReportDocument.escape(title)).append("</title><style>body{font-family:system-ui,sans-serif;"
                        + "margin:20px}svg{border:1px solid #ccc;margin:8px;background:#fff}</style></head><body><h2>")
                .append(ReportDocument.escape(title)).append("</h2>");
        if (!note.isEmpty()) {
            sb.append("<p>").append(ReportDocument.escape(note)).append("</p>");
        }
        return sb.append(panels(panels)).append("</body></html>\n").toString();
    }

    public static String panels(List<Panel> panels) {
        StringBuilder sb = new StringBuilder();
        for (Panel p : panels) {
            sb.append(svg(p));
        }
        return sb.toString();
    }

    static String svg(Panel panel) {
        int n = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series s : panel.series()) {
            n = Math.max(n, s.values().size());
            for (Double v : s.values()) {
                if (v != null && Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) { // nothing to draw
            min = 0;
            max = 1;
        }
        double[] axis = niceAxis(min, max);
        double lo = axis[0];
        double hi = axis[1];
        double step = axis[2];
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg width=\"%d\" height=\"%d\" font-size=\"11\"><text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>",
                W, H, LEFT, ReportDocument.escape(panel.title())));
        // y gridlines and tick labels
        for (double y = lo; y <= hi + step / 2; y += step) {
            double py = TOP + plotH - (y - lo) / (hi - lo) * plotH;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT, py, LEFT + plotW, py, LEFT - 6,
                    py + 4, tick(y, step)));
        }
        // x ticks: every epoch when few, else about ten
        int every = Math.max(1, (int) Math.ceil(n / 10.0));
        for (int e = 1; e <= n; e++) {
            if ((e - 1) % every != 0 && e != n) {
                continue;
            }
            double px = x(e, n, plotW);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#f0f0f0\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>", px, TOP, px, TOP + plotH, px,
                    TOP + plotH + 15, e));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#999\"/><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>"
                + "<text transform=\"translate(14,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>",
                LEFT, TOP, plotW, plotH, LEFT + plotW / 2, TOP + plotH + 30, TOP + plotH / 2,
                ReportDocument.escape(panel.yLabel())));
        int legendX = LEFT;
        for (int i = 0; i < panel.series().size(); i++) {
            Series s = panel.series().get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (int e = 1; e <= s.values().size(); e++) {
                Double v = s.values().get(e - 1);
                if (v == null || !Double.isFinite(v)) {
                    continue;
                }
                double px = x(e, n, plotW);
                double py = TOP + plotH - (v - lo) / (hi - lo) * plotH;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s, "
                        + "epoch %d: %.5g</title></circle>", px, py, color, ReportDocument.escape(s.name()), e, v));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>",
                    color, pts)).append(dots);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s</text>", legendX, H - 12, legendX + 18, H - 12,
                    color, legendX + 22, H - 8, ReportDocument.escape(s.name())));
            legendX += 30 + 7 * s.name().length();
        }
        return sb.append("</svg>").toString();
    }

    private static double x(int epoch, int n, int plotW) {
        return LEFT + (n <= 1 ? plotW / 2.0 : (epoch - 1) / (double) (n - 1) * plotW);
    }

    /**
     * An axis [lo, hi] that holds [min, max], with a round step giving 3 to 7 ticks. A flat series gets a band
     * around its value (10% of it), not [v, v + 1]: a constant learning rate of 0.002 stays readable.
     */
    static double[] niceAxis(double min, double max) {
        if (max - min < 1e-12 * Math.max(1, Math.abs(max))) {
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            step = m * mag;
            if (step >= raw) {
                break;
            }
        }
        double lo = Math.floor(min / step + 1e-9) * step;
        double hi = Math.ceil(max / step - 1e-9) * step;
        return new double[] {lo, hi, step};
    }

    private static String tick(double v, double step) {
        if (Math.abs(v) < step * 1e-6) {
            return "0";
        }
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step)) + (step / Math.pow(10, Math.floor(Math.log10(step))) == 2.5 ? 1 : 0));
        if (Math.abs(v) >= 1e5 || decimals > 6) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The values of one metric over history lines (null where a line lacks it). */
    public static List<Double> column(List<java.util.Map<String, Object>> lines, String key) {
        List<Double> out = new ArrayList<>();
        for (java.util.Map<String, Object> l : lines) {
            out.add(l.get(key) instanceof Number num ? num.doubleValue() : null);
        }
        return out;
    }
}
