package dev.dlpipe.tabular;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One raw record turned into the feature vector a table model takes, by the statistics it was trained with
 * (stats.json), without Spark: what {@link RawTableRows} does to a CSV with Spark expressions, for a single row
 * (the model server). Same checks in the same order: a value that is not a number (bad_value) or not finite
 * (non_finite_value), a null where the policy drops (null_value), an outlier where the policy drops (outlier);
 * then fill, clip, centre and scale, category index or one-hot (unseen values share the last slot), and the PCA
 * projection.
 */
public final class TabularRecords {

    /** A record that cannot become features, with clean's quarantine reason and the column. */
    public static final class Rejected extends Exception {
        public final String reason;
        public final String column;

        Rejected(String reason, String column, String detail) {
            super(detail);
            this.reason = reason;
            this.column = column;
        }
    }

    private TabularRecords() {
    }

    /** The columns a record must have (numeric, then categorical, as the model was trained). */
    public static List<String> columns(TabularStats stats) {
        List<String> all = new ArrayList<>(stats.numeric().keySet());
        all.addAll(stats.categorical().keySet());
        return all;
    }

    public static float[] features(Map<String, ?> record, TabularStats stats) throws Rejected {
        for (String c : columns(stats)) {
            if (!record.containsKey(c)) {
                throw new Rejected("missing_column", c, "the record has no '" + c + "'; the model was trained on "
                        + columns(stats));
            }
        }
        List<Double> f = new ArrayList<>();
        Double[] numbers = new Double[stats.numeric().size()];
        int k = 0;
        for (String c : stats.numeric().keySet()) { // clean's number checks come first, column by column
            numbers[k++] = number(c, cell(record, c));
        }
        k = 0;
        for (Map.Entry<String, TabularStats.Numeric> e : stats.numeric().entrySet()) {
            String c = e.getKey();
            TabularStats.Numeric n = e.getValue();
            Double x = numbers[k++];
            if (x == null) {
                if (n.fill() == null) {
                    throw new Rejected("null_value", c, c + " is null");
                }
                x = n.fill();
            }
            if (n.lo() != null && (x < n.lo() || x > n.hi())) {
                if ("drop".equals(stats.outlierAction())) {
                    throw new Rejected("outlier", c, c + "=" + x + String.format(Locale.ROOT, " outside [%.4g, %.4g]",
                            n.lo(), n.hi()));
                }
                x = Math.min(Math.max(x, n.lo()), n.hi());
            }
            f.add((x - n.center()) / n.scale());
        }
        for (Map.Entry<String, TabularStats.Categorical> e : stats.categorical().entrySet()) {
            String c = e.getKey();
            TabularStats.Categorical cat = e.getValue();
            Object raw = cell(record, c);
            String v = raw == null ? null : String.valueOf(raw);
            if (v == null) {
                if (cat.fill() == null) {
                    throw new Rejected("null_value", c, c + " is null");
                }
                v = cat.fill();
            }
            int position = cat.categories().indexOf(v);
            int index = position < 0 ? cat.categories().size() : position;
            if ("index".equals(stats.encoding())) {
                f.add((double) index);
            } else {
                for (int i = 0; i <= cat.categories().size(); i++) {
                    f.add(i == index ? 1.0 : 0.0);
                }
            }
        }
        double[] layout = f.stream().mapToDouble(Double::doubleValue).toArray();
        if (stats.pca() == null) {
            float[] out = new float[layout.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) layout[i];
            }
            return out;
        }
        float[] out = new float[stats.pca().components().size()];
        for (int j = 0; j < out.length; j++) {
            List<Double> axis = stats.pca().components().get(j);
            double dot = 0;
            for (int i = 0; i < layout.length; i++) {
                dot += layout[i] * axis.get(i);
            }
            out[j] = (float) dot;
        }
        return out;
    }

    /**
     * A record's cell, with an empty string read as missing: what Spark's CSV reader makes of an empty cell
     * ({@code nullValue} is ""), so a CSV row sent as {column: text} gets the fill value, as it does in score.
     */
    private static Object cell(Map<String, ?> record, String c) {
        Object v = record.get(c);
        return "".equals(v) ? null : v;
    }

    /** A cell as Spark's cast to double reads it: a number, or text that parses as one (trimmed); null stays null. */
    private static Double number(String c, Object v) throws Rejected {
        if (v == null) {
            return null;
        }
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            String s = String.valueOf(v).trim();
            try {
                d = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new Rejected("bad_value", c, c + "='" + v + "' is not a number");
            }
            if (s.endsWith("d") || s.endsWith("D") || s.endsWith("f") || s.endsWith("F")) {
                throw new Rejected("bad_value", c, c + "='" + v + "' is not a number");
            }
        }
        if (!Double.isFinite(d)) {
            throw new Rejected("non_finite_value", c, c + "='" + v + "' is not a finite number");
        }
        return d;
    }
}
