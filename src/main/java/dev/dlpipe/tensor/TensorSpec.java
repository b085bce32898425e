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
public record TensorSpec(int channels, int height, int width, String normalize, int numClasses, int vocabularySize)
        implements Serializable {

    /** Tensors of numbers (images, tables, stored arrays): no vocabulary. */
    public TensorSpec(int channels, int height, int width, String normalize, int numClasses) {
        this(channels, height, width, normalize, numClasses, 0);
    }

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

    /**
     * {@code normalize} of text as token ids (1 x 1 x sequence length): each value is a vocabulary index, 0 padding
     * and 1 out of vocabulary; {@code vocabularySize} says how many there are. Pack's tokenizer.json and vocabulary.txt,
     * carried with the data, turn cleaned text into them.
     */
    public static final String TOKEN_IDS = "token-ids";

    /** Whether these tensors came through clean's image chain (decode, resize, scale) rather than as stored. */
    public boolean fromImages() {
        return !AS_STORED.equals(normalize) && !TABULAR_STATS.equals(normalize) && !TOKEN_IDS.equals(normalize);
    }

    /** Whether the values are token ids (a text model's input) rather than numbers. */
    public boolean tokenIds() {
        return TOKEN_IDS.equals(normalize);
    }

    /** The same tensors with another class count (counted from the labels rather than read from a footer). */
    public TensorSpec withClasses(int classes) {
        return new TensorSpec(channels, height, width, normalize, classes, vocabularySize);
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
        if (vocabularySize > 0) {
            m.put("vocabulary_size", vocabularySize);
        }
        return m;
    }

    public static TensorSpec fromMap(Map<String, Object> m) {
        return new TensorSpec(((Number) m.get("channels")).intValue(), ((Number) m.get("height")).intValue(),
                ((Number) m.get("width")).intValue(), (String) m.get("normalize"),
                ((Number) m.get("num_classes")).intValue(),
                m.get("vocabulary_size") instanceof Number v ? v.intValue() : 0);
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
