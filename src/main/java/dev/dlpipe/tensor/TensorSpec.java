package dev.dlpipe.tensor;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shape and meaning of the tensors a stage hands to the next: CHW float32 features (a flat vector is 1x1xF), value
 * scale (or {@link #AS_STORED}) and the number of classes. Written as {@code tensor.json} by clean, carried by augment, embedded in Parquet footers by
 * pack and in the export manifest, so every reader knows the layout without guessing.
 */
public record TensorSpec(int channels, int height, int width, String normalize, int numClasses)
        implements Serializable {

    public static final String FILE = "tensor.json";

    /**
     * {@code normalize} of tensors read as they are (HDF5, Parquet arrays from elsewhere): the stored values are the
     * model's input, with no decode, resize or scaling in between. Images from clean say "unit" or "none".
     */
    public static final String AS_STORED = "as-stored";

    /**
     * {@code normalize} of a table's feature vectors: the fitted tabular statistics (stats.json, carried with the
     * data) turn raw columns into them; preprocessing.json then lists those statistics.
     */
    public static final String TABULAR_STATS = "tabular-stats";

    /** Whether these tensors came through clean's image chain (decode, resize, scale) rather than as stored. */
    public boolean fromImages() {
        return !AS_STORED.equals(normalize) && !TABULAR_STATS.equals(normalize);
    }

    public int featureSize() {
        return channels * height * width;
    }

    public float maxValue() {
        return "unit".equals(normalize) ? 1f : 255f;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layout", "CHW");
        m.put("dtype", "float32");
        m.put("channels", channels);
        m.put("height", height);
        m.put("width", width);
        m.put("normalize", normalize);
        m.put("num_classes", numClasses);
        return m;
    }

    public static TensorSpec fromMap(Map<String, Object> m) {
        return new TensorSpec(((Number) m.get("channels")).intValue(), ((Number) m.get("height")).intValue(),
                ((Number) m.get("width")).intValue(), (String) m.get("normalize"),
                ((Number) m.get("num_classes")).intValue());
    }

    public void writeTo(String dir) {
        Fs.writeString(Fs.child(dir, FILE), Json.write(toMap()));
    }

    public static TensorSpec readFrom(String dir) {
        String file = Fs.child(dir, FILE);
        if (!Fs.exists(file)) {
            throw new dev.dlpipe.UserError(file + " is missing: the input is not an output of the clean stage");
        }
        return fromMap(Json.readMap(Fs.readString(file)));
    }
}
