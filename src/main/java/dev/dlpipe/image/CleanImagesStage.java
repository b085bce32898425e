package dev.dlpipe.image;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Labels;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.core.Splits;
import org.apache.spark.sql.Column;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Cleans image rows (id, label, format, data, height, width, channels): decodes raw tensors and PNG/JPEG, converts
 * channels, resizes, normalizes and writes CHW float features with a deterministic split column. Rows that cannot
 * be decoded or have no label go to quarantine with a reason and their original bytes.
 */
public final class CleanImagesStage implements Stage {

    static final List<String> REQUIRED = List.of("id", "label", "format", "data", "height", "width", "channels");
    public static final String MISSING_LABEL = "missing_label";
    public static final String BAD_LABEL = "bad_label";
    public static final String MISSING_ID = "missing_id";
    private static final String LABEL_ORIGINAL = "label_original";
    private static final String LABEL_PROBLEM = "label_problem";
    private static final String USER_SPLIT = "user_split";
    private static final String USER_SPLIT_ORIGINAL = "user_split_original";

    @Override
    public String name() {
        return "clean";
    }


    /** Target shape and scaling, from config. */
    public record Settings(int height, int width, int channels, String normalize, long maxPixels)
            implements Serializable {

        public Settings(int height, int width, int channels, String normalize) {
            this(height, width, channels, normalize, ImageDecoder.DEFAULT_MAX_PIXELS);
        }

        static Settings from(Config c) {
            return new Settings(c.integer("clean.image.height"), c.integer("clean.image.width"),
                    c.integer("clean.image.channels"), c.string("clean.image.normalize"),
                    c.integer("clean.image.max-pixels"));
        }
    }

    @Override
    public StageResult run(StageContext ctx) {
        Config config = ctx.config();
        Settings settings = Settings.from(config);
        boolean folders = ImageFolders.isFolderTree(ctx.input(0));
        Dataset<Row> raw = folders ? ImageFolders.read(ctx.spark(), ctx.input(0)) : ctx.spark().read().parquet(ctx.input(0));
        List<String> columns = Arrays.asList(raw.columns());
        String splitColumn = folders ? ImageFolders.SPLIT : config.string("split.column");
        boolean userSplit = !splitColumn.isEmpty() && columns.contains(splitColumn);
        Map<String, String> splitValues = config.map("split.values");
        Splits.checkValues(splitValues);
        for (String required : REQUIRED) {
            if (!columns.contains(required)) {
                throw new UserError(ctx.input(0) + ": image input has no column '" + required + "' (columns: "
                        + columns + "; expected " + REQUIRED + ")");
            }
        }
        Labels.Plan labels = Labels.plan(raw, "label", config);
        Dataset<Row> source = raw.select(col("id").cast("string"), labels.index().as("label"), col("format").cast("string"),
                col("data").cast("binary"), col("height").cast("int"), col("width").cast("int"), col("channels").cast("int"),
                labels.original().as(LABEL_ORIGINAL), labels.problem().as(LABEL_PROBLEM),
                (userSplit ? Splits.given(col(splitColumn), splitValues) : lit(null).cast("string")).as(USER_SPLIT),
                (userSplit ? col(splitColumn).cast("string") : lit(null).cast("string")).as(USER_SPLIT_ORIGINAL));

        StructType decodedSchema = source.schema()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), true)
                .add(Quarantine.REASON, DataTypes.StringType, true)
                .add(Quarantine.DETAIL, DataTypes.StringType, true);
        Dataset<Row> decoded = source.mapPartitions(new Decode(settings), Encoders.row(decodedSchema));
        if (userSplit) { // a split value the user's data has but no rule maps: kept out, with the value
            Column badSplit = col(Quarantine.REASON).isNull().and(col(USER_SPLIT).isNull());
            Column detail = concat(lit(splitColumn + "='"), coalesce(col(USER_SPLIT_ORIGINAL), lit("")),
                    lit("' is not train, validation or test"));
            decoded = decoded.withColumn(Quarantine.DETAIL, when(badSplit, detail).otherwise(col(Quarantine.DETAIL)))
                    .withColumn(Quarantine.REASON, when(badSplit, lit("bad_split")).otherwise(col(Quarantine.REASON)));
        }
        decoded = decoded.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> quarantined = Quarantine.countByReason(decoded);
            long in = decoded.count();

            Dataset<Row> clean = decoded.filter(col(Quarantine.REASON).isNull())
                    .select(col("id"), col("label"),
                            (userSplit ? col(USER_SPLIT) : Splits.assign(col("id"), config.integer("run.seed"),
                                    config.number("split.validation"), config.number("split.test"))).as("split"),
                            col("features"));
            clean.write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("data"));
            Quarantine.write(ctx, decoded.filter(col(Quarantine.REASON).isNotNull())
                    .select(col("id"), col(Quarantine.REASON), col(Quarantine.DETAIL), col(LABEL_ORIGINAL).as("label"),
                            col("format"), col("data"), col("height"), col("width"), col("channels")), quarantined);

            Dataset<Row> written = ctx.spark().read().parquet(ctx.out("data"));
            Map<String, Object> metrics = new LinkedHashMap<>();
            Map<String, Long> perSplit = Splits.count(written);
            long out = perSplit.values().stream().mapToLong(Long::longValue).sum();
            Row seen = written.agg(max("label"), countDistinct("label")).first();
            int numClasses = labels.names() != null ? labels.names().size() : seen.isNullAt(0) ? 0 : seen.getInt(0) + 1;
            labels.writeTo(ctx.output());
            metrics.put("rows_per_split", perSplit);
            metrics.put("input", folders ? "class folders" + (userSplit ? " under split folders" : "") : "image table");
            metrics.put("split", userSplit ? "kept from " + (folders ? "the split folders" : "column " + splitColumn)
                    : "seeded hash of the id");
            metrics.put("num_classes", numClasses);
            metrics.put("distinct_labels", seen.getLong(1));
            metrics.put("rows_with_duplicate_id", Quarantine.duplicateIds(written, "clean"));
            if (labels.names() != null) {
                metrics.put("labels", labels.names());
            }
            new TensorSpec(settings.channels(), settings.height(), settings.width(), settings.normalize(), numClasses)
                    .writeTo(ctx.output());
            return StageResult.of(Counts.rows(in, out, quarantined, 0), metrics,
                    "splits " + perSplit + ", " + numClasses + " classes");
        } finally {
            decoded.unpersist();
        }
    }

    /** Per-partition decode; allocation is one float array per image plus the output row. */
    static final class Decode implements MapPartitionsFunction<Row, Row> {
        private final Settings settings;

        Decode(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    return decode(rows.next(), settings);
                }
            };
        }
    }

    /**
     * Decodes one source row (id, label index, format, data, height, width, channels, original label, label
     * problem) into a cleaned row, or into a row carrying a quarantine reason and the original bytes.
     */
    static Row decode(Row r, Settings s) {
        if (r.isNullAt(0) || r.getString(0).isBlank()) {
            return decoded(r, null, MISSING_ID, "id is null or blank");
        }
        if (!r.isNullAt(8)) {
            return decoded(r, null, BAD_LABEL, r.getString(8));
        }
        if (r.isNullAt(1)) {
            return decoded(r, null, MISSING_LABEL, "label is null");
        }
        try {
            float[] chw = clean((String) r.get(2), (byte[]) r.get(3), r.isNullAt(4) ? 0 : r.getInt(4),
                    r.isNullAt(5) ? 0 : r.getInt(5), r.isNullAt(6) ? 0 : r.getInt(6), s);
            return decoded(r, chw, null, null);
        } catch (ImageDecodeException e) {
            return decoded(r, null, e.reason(), e.getMessage());
        }
    }

    /** The source row plus features, reason and detail; a decoded row drops its bytes (only quarantine keeps them). */
    private static Row decoded(Row r, float[] chw, String reason, String detail) {
        Object[] v = new Object[r.length() + 3];
        for (int i = 0; i < r.length(); i++) {
            v[i] = r.get(i);
        }
        if (chw != null) {
            v[3] = null;
        }
        v[r.length()] = chw;
        v[r.length() + 1] = reason;
        v[r.length() + 2] = detail;
        return RowFactory.create(v);
    }

    /** The pure cleaning chain: decode, convert channels, resize, normalize, CHW. */
    public static float[] clean(String format, byte[] data, int height, int width, int channels, Settings s)
            throws ImageDecodeException {
        Pixels px = ImageDecoder.decode(format, data, height, width, channels, s.maxPixels());
        px = ImageOps.convertChannels(px, s.channels());
        px = ImageOps.resize(px, s.height(), s.width());
        if ("unit".equals(s.normalize())) {
            px = ImageOps.toUnit(px);
        }
        return ImageOps.toChw(px);
    }
}
