package dev.dlpipe.tensor;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shape and meaning of the image tensors a stage hands to the next: CHW float32 features, value scale and the
 * number of classes. Written as {@code tensor.json} by clean, carried by augment, embedded in Parquet footers by
 * pack and in the export manifest, so every reader knows the layout without guessing.
 */
public record TensorSpec(int channels, int height, int width, String normalize, int numClasses)
        implements Serializable {

    public static final String FILE = "tensor.json";

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
