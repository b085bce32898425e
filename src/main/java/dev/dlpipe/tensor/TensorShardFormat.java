package dev.dlpipe.tensor;

import dev.dlpipe.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The packed tensor dataset format: Parquet files with columns {@code id} (string), {@code label} (int32) and
 * {@code features} (float32 little-endian bytes of one example, shape given in the footer). The footer's
 * key-value metadata holds {@code dlpipe.features.shape}, {@code dlpipe.features.dtype}, {@code dlpipe.layout}
 * and {@code dlpipe.num_classes}, so a reader (ours, Spark, pyarrow) needs no side file.
 */
public final class TensorShardFormat {

    public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message tensor { required binary id (STRING); required int32 label; required binary features; }");
    public static final String SHAPE = "dlpipe.features.shape";
    public static final String DTYPE = "dlpipe.features.dtype";
    public static final String LAYOUT = "dlpipe.layout";
    public static final String NUM_CLASSES = "dlpipe.num_classes";
    public static final String NORMALIZE = "dlpipe.normalize";
    public static final String SPLIT = "dlpipe.split";
    public static final String VOCABULARY_SIZE = "dlpipe.vocabulary_size";

    private TensorShardFormat() {
    }

    public static Map<String, String> footer(TensorSpec spec, String split) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SHAPE, spec.channels() + "," + spec.height() + "," + spec.width());
        m.put(DTYPE, "float32");
        m.put(LAYOUT, "CHW");
        m.put(NUM_CLASSES, String.valueOf(spec.numClasses()));
        m.put(NORMALIZE, spec.normalize());
        m.put(SPLIT, split);
        if (spec.vocabularySize() > 0) {
            m.put(VOCABULARY_SIZE, String.valueOf(spec.vocabularySize()));
        }
        return m;
    }

    /** Reads a spec back from a footer; a file without our keys is reported by name. */
    public static TensorSpec spec(Map<String, String> footer, String file) {
        String shape = footer.get(SHAPE);
        String classes = footer.get(NUM_CLASSES);
        if (shape == null || classes == null) {
            throw new dev.dlpipe.UserError(file + ": not a dlpipe tensor shard (footer has no " + SHAPE + " / "
                    + NUM_CLASSES + ")");
        }
        if (!"float32".equals(footer.getOrDefault(DTYPE, "float32"))) {
            throw new dev.dlpipe.UserError(file + ": unsupported features dtype " + footer.get(DTYPE));
        }
        String[] dims = shape.split(",");
        if (dims.length != 3) {
            throw new dev.dlpipe.UserError(file + ": " + SHAPE + " must be C,H,W, got " + shape);
        }
        return new TensorSpec(Integer.parseInt(dims[0].trim()), Integer.parseInt(dims[1].trim()),
                Integer.parseInt(dims[2].trim()), footer.getOrDefault(NORMALIZE, "unit"), Integer.parseInt(classes.trim()),
                Integer.parseInt(footer.getOrDefault(VOCABULARY_SIZE, "0").trim()));
    }
}
