package dev.dlpipe.tabular;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything tabular cleaning learned from the training split, saved as {@code stats.json} beside the output and
 * applied unchanged to new data: per numeric column the null fill, outlier bounds and scaling; per categorical
 * column the category list (its index order) and fill; the feature layout; and the PCA components.
 * A null fill means "drop rows with a null here", null bounds mean "no outlier rule".
 */
public record TabularStats(Map<String, Numeric> numeric, Map<String, Categorical> categorical, String encoding,
                           String outlierAction, List<String> layout, Pca pca) implements java.io.Serializable {

    public static final String FILE = "stats.json";

    public record Numeric(Double fill, Double lo, Double hi, double center, double scale) implements java.io.Serializable {
    }

    public record Categorical(List<String> categories, String fill) implements java.io.Serializable {
    }

    /** {@code components[j]} is the j-th principal axis over the feature layout. */
    public record Pca(List<List<Double>> components, List<Double> explainedVariance) implements java.io.Serializable {
    }

    public int numericCount() {
        return numeric.size();
    }

    public void writeTo(String dir) {
        Fs.writeString(Fs.child(dir, FILE), Json.write(this));
    }

    @SuppressWarnings("unchecked")
    public static TabularStats readFrom(String dir) {
        String file = Fs.child(dir, FILE);
        if (!Fs.exists(file)) {
            throw new UserError(file + " is missing: clean.tabular.fitted must name a tabular clean output");
        }
        Map<String, Object> m = Json.readMap(Fs.readString(file));
        try {
            Map<String, Numeric> numeric = new LinkedHashMap<>();
            ((Map<String, Map<String, Object>>) m.get("numeric")).forEach((k, v) -> numeric.put(k, new Numeric(
                    num(v.get("fill")), num(v.get("lo")), num(v.get("hi")), num(v.get("center")), num(v.get("scale")))));
            Map<String, Categorical> categorical = new LinkedHashMap<>();
            ((Map<String, Map<String, Object>>) m.get("categorical")).forEach((k, v) -> categorical.put(k,
                    new Categorical((List<String>) v.get("categories"), (String) v.get("fill"))));
            Pca pca = null;
            if (m.get("pca") instanceof Map<?, ?> p) {
                List<List<Double>> comps = new ArrayList<>();
                for (List<Number> row : (List<List<Number>>) p.get("components")) {
                    comps.add(row.stream().map(Number::doubleValue).toList());
                }
                pca = new Pca(comps, ((List<Number>) p.get("explainedVariance")).stream().map(Number::doubleValue).toList());
            }
            return new TabularStats(numeric, categorical, (String) m.get("encoding"), (String) m.get("outlierAction"),
                    (List<String>) m.get("layout"), pca);
        } catch (RuntimeException e) {
            throw new UserError(file + ": not a valid tabular stats file: " + e.getMessage(), e);
        }
    }

    private static Double num(Object o) {
        return o == null ? null : ((Number) o).doubleValue();
    }
}
