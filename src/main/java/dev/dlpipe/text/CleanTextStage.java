package dev.dlpipe.text;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.UserError;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.core.RowIds;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Cleans a text dataset: JSON Lines, CSV or Parquet with text and label fields (names from
 * {@code clean.text.*-column}; the id is optional and derived from the record when no record has one; a split
 * field is kept as given). Strips HTML, decodes entities, normalizes Unicode,
 * removes control and zero-width characters, applies the special-character policy, lower-cases, collapses
 * whitespace, filters by length, then removes exact and near duplicates (MinHash LSH over character shingles).
 * Lines that are not JSON and rows without id, label or text go to quarantine with a reason; removed duplicates
 * go to {@code duplicates/} with the id they duplicate. Output: {@code data/} with id, label, label_index, split, text.
 */
public final class CleanTextStage implements Stage {

    public static final String CORRUPT = "_corrupt_record";

    /** Text cleaning settings as one value. */
    public record Settings(boolean stripHtml, String normalization, String specialCharacters, boolean lowercase,
                           int minLength, int maxLength, boolean deduplicate, double nearDuplicateThreshold,
                           int shingleSize, int minhashBands, int minhashRows) {
        public static Settings from(Config c) {
            return new Settings(c.bool("clean.text.strip-html"), c.string("clean.text.unicode-normalization"),
                    c.string("clean.text.special-characters"), c.bool("clean.text.lowercase"),
                    c.integer("clean.text.min-length"), c.integer("clean.text.max-length"),
                    c.bool("clean.text.deduplicate"), c.number("clean.text.near-duplicate-threshold"),
                    c.integer("clean.text.shingle-size"), c.integer("clean.text.minhash-bands"),
                    c.integer("clean.text.minhash-rows"));
        }

        /** The edits a text goes through (not the row filters), as pack records them for clients and raw scoring. */
        public Map<String, Object> describe() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("strip_html", stripHtml);
            m.put("unicode_normalization", normalization);
            m.put("special_characters", specialCharacters);
            m.put("lowercase", lowercase);
            m.put("then", "control and zero-width characters dropped, whitespace runs collapsed to one space, trimmed");
            return m;
        }

        /** The edits {@link #describe} recorded, with no length limits (a new text is scored whatever its length). */
        public static Settings edits(Map<String, Object> m) {
            return new Settings(Boolean.TRUE.equals(m.get("strip_html")), (String) m.get("unicode_normalization"),
                    (String) m.get("special_characters"), Boolean.TRUE.equals(m.get("lowercase")), 1, Integer.MAX_VALUE,
                    false, 1.0, 3, 1, 1);
        }
    }

    @Override
    public String name() {
        return "clean";
    }


    /** One quarantine check: when {@code failed}, the row's reason, and what the quarantine's detail says (or null). */
    private record Check(Column failed, String reason, Column detail) {
    }

    /**
     * Whether the line's top-level {@code "field":} holds an array or object. Spark's JSON reader turns such a value
     * into its JSON text for a string field, so a list label would otherwise become a class named "[...]". The
     * look-behind skips an escaped quote, i.e. the word inside a string value.
     */
    static Column nonScalar(Column line, String field) {
        return line.rlike("(^|[^\\\\])\"" + field + "\"\\s*:\\s*[\\[{]");
    }

    /** The whole edit chain as one column expression: built-ins around a single UDF. */
    public static Column cleanText(Column text, Settings s) {
        TextCanonicalizer canonicalizer = canonicalizer(s);
        UserDefinedFunction canonical = udf((UDF1<String, String>) canonicalizer::apply, DataTypes.StringType);
        Column c = s.stripHtml() ? TextEdits.stripHtml(text) : text;
        c = canonical.apply(c);
        c = TextEdits.stripControl(c);
        c = TextEdits.specialCharacters(c, s.specialCharacters());
        return TextEdits.collapseWhitespace(c);
    }

    /** Entities are decoded when HTML is stripped: both undo markup. */
    static TextCanonicalizer canonicalizer(Settings s) {
        return new TextCanonicalizer(s.stripHtml(), s.normalization(), s.lowercase());
    }

    /** Where the text, label, id and split are in the input, from config. */
    public record Fields(String text, String label, String id, String split) {
        public static Fields from(Config c) {
            return new Fields(c.string("clean.text.text-column"), c.string("clean.text.label-column"),
                    c.string("clean.text.id-column"), c.string("split.column"));
        }
    }

    /** The input's format from its (first) file's name: JSON Lines, CSV or Parquet. */
    public static String format(String input) {
        String first = dev.dlpipe.core.Fs.firstDataFile(input);
        String lower = first == null ? "" : first.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
            return "csv";
        }
        if (lower.endsWith(".parquet")) {
            return "parquet";
        }
        return "jsonl";
    }

    /**
     * The input as rows of (value: the record as the file holds it, id, label, text, user_split, _corrupt_record).
     * JSON Lines are read as lines first: a line is a record whatever it holds, so `in` counts lines, an array line
     * ([] or [{..},{..}]) cannot vanish or become several rows, and the quarantine keeps the line's own bytes
     * (invalid UTF-8 included, which a string column cannot hold for other readers). CSV is parsed by record (RFC
     * 4180 line breaks); CSV and Parquet records are kept as JSON for the quarantine.
     */
    public static Dataset<Row> read(SparkSession spark, String input, String format, Fields f) {
        if (format.equals("jsonl")) {
            StructType schema = new StructType().add(f.id(), DataTypes.StringType).add(f.label(), DataTypes.StringType)
                    .add(f.text(), DataTypes.StringType);
            if (!f.split().isEmpty() && !List.of(f.id(), f.label(), f.text()).contains(f.split())) {
                schema = schema.add(f.split(), DataTypes.StringType);
            }
            schema = schema.add(CORRUPT, DataTypes.StringType);
            Dataset<Row> lines = spark.read().text(input).filter(trim(col("value")).notEqual(""));
            Column parsed = from_json(col("value"), schema, Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT));
            return lines.withColumn("j", parsed).select(col("value"), col("j.`" + f.id() + "`").as("id"),
                    col("j.`" + f.label() + "`").as("label"), col("j.`" + f.text() + "`").as("text"),
                    (Arrays.asList(schema.fieldNames()).contains(f.split()) ? col("j.`" + f.split() + "`")
                            : lit(null).cast("string")).as(USER_SPLIT), col("j." + CORRUPT).as(CORRUPT));
        }
        Dataset<Row> table;
        if (format.equals("csv")) {
            String[] header = spark.read().option("header", "true").csv(input).columns();
            StructType schema = new StructType();
            for (String c : header) {
                schema = schema.add(c, DataTypes.StringType);
            }
            table = spark.read().schema(schema.add(CORRUPT, DataTypes.StringType)).option("header", "true")
                    .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
                    .option("multiLine", "true").option("escape", "\"").csv(input);
        } else {
            table = spark.read().parquet(input).withColumn(CORRUPT, lit(null).cast("string"));
        }
        List<String> columns = Arrays.asList(table.columns());
        List<String> missing = new ArrayList<>();
        if (!columns.contains(f.text())) {
            missing.add("clean.text.text-column '" + f.text() + "'");
        }
        if (!columns.contains(f.label())) {
            missing.add("clean.text.label-column '" + f.label() + "'");
        }
        if (!missing.isEmpty()) {
            throw new UserError(input + ": no column for " + String.join(", ", missing) + "; the columns are "
                    + columns.stream().filter(c -> !c.equals(CORRUPT)).toList());
        }
        Column[] record = columns.stream().filter(c -> !c.equals(CORRUPT)).map(c -> col("`" + c + "`"))
                .toArray(Column[]::new);
        return table.select(coalesce(col(CORRUPT), to_json(struct(record))).as("value"),
                (columns.contains(f.id()) ? col("`" + f.id() + "`").cast("string") : lit(null).cast("string")).as("id"),
                col("`" + f.label() + "`").cast("string").as("label"), col("`" + f.text() + "`").cast("string").as("text"),
                (!f.split().isEmpty() && columns.contains(f.split()) ? col("`" + f.split() + "`").cast("string")
                        : lit(null).cast("string")).as(USER_SPLIT), col(CORRUPT));
    }

    static final String USER_SPLIT = "user_split";

    @Override
    public StageResult run(StageContext ctx) {
        Settings s = Settings.from(ctx.config());
        Fields fields = Fields.from(ctx.config());
        String format = format(ctx.input(0));
        Dataset<Row> input = read(ctx.spark(), ctx.input(0), format, fields).persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> raw = input;
        Row present = input.agg(count(col("id")), count(col(USER_SPLIT))).first();
        boolean derivedIds = present.getLong(0) == 0;
        boolean userSplit = present.getLong(1) > 0;
        if (derivedIds) { // no record has an id: ids from the records' content, stable across reruns
            raw = RowIds.derive(raw.drop("id"), List.of("value"), "id");
        }
        Map<String, String> splitValues = ctx.config().map("split.values");
        Splits.checkValues(splitValues);
        Column split = userSplit ? Splits.given(col(USER_SPLIT), splitValues)
                : Splits.assign(col("id"), ctx.config().integer("run.seed"), ctx.config().number("split.validation"),
                ctx.config().number("split.test"));
        Column line = col("value");
        boolean jsonl = format.equals("jsonl");
        // each check once, in the order that names a row's reason; reason and detail are built from the same list
        Column notOneObject = jsonl ? col(CORRUPT).isNotNull().or(not(ltrim(line).startsWith("{"))) : lit(false);
        Column malformedRow = jsonl ? lit(false) : col(CORRUPT).isNotNull();
        Column badBytes = jsonl ? line.cast("binary").notEqual(encode(decode(line.cast("binary"), "UTF-8"), "UTF-8"))
                : lit(false);
        Column nestedIdOrText = jsonl ? nonScalar(line, fields.id()).or(nonScalar(line, fields.text())) : lit(false);
        Column nestedLabel = jsonl ? nonScalar(line, fields.label()) : lit(false);
        Column cleanedLength = length(col("clean_text"));
        Column lengthDetail = concat(lit("cleaned length "), cleanedLength.cast("string"));
        List<Check> checks = List.of(
                new Check(notOneObject, "malformed_json", lit("the line is not one JSON object")),
                new Check(malformedRow, "malformed_row", lit("the CSV record does not match the header")),
                new Check(badBytes, "invalid_utf8", lit("the line is not valid UTF-8")),
                new Check(nestedIdOrText, "malformed_json", lit("'id' or 'text' is a JSON array or object, not a string")),
                new Check(nestedLabel, "bad_label", lit("'label' is a JSON array or object, not a class name")),
                new Check(col("id").isNull().or(trim(col("id")).equalTo("")), "missing_id", null),
                new Check(col("label").isNull().or(trim(col("label")).equalTo("")), "missing_label", null),
                new Check(col("text").isNull(), "missing_text", null),
                new Check(cleanedLength.lt(s.minLength()), "too_short", lengthDetail),
                new Check(cleanedLength.gt(s.maxLength()), "too_long", lengthDetail),
                new Check(split.isNull(), "bad_split", concat(lit(fields.split() + "='"), coalesce(col(USER_SPLIT), lit("")),
                        lit("' is not train, validation or test"))));
        Column reason = when(checks.get(0).failed(), lit(checks.get(0).reason()));
        Column detail = when(checks.get(0).failed(), checks.get(0).detail());
        for (Check c : checks.subList(1, checks.size())) {
            reason = reason.when(c.failed(), lit(c.reason()));
            detail = detail.when(c.failed(), c.detail() == null ? lit(null).cast("string") : c.detail());
        }
        // The same cleaned text under different labels: neither label can be trusted, and deduplication would
        // keep one of them at random. All such rows go to quarantine, naming the labels.
        Column labelsOfText = ctx.config().string("clean.text.conflicting-labels").equals("keep")
                ? array().cast("array<string>")
                : array_sort(collect_set(when(col(Quarantine.REASON).isNull(), col("label")))
                        .over(Window.partitionBy("clean_text")));
        // Spark refuses queries on raw JSON that reference only the corrupt-record column; persisting first is
        // the documented way, and every later step reads this dataset anyway.
        Dataset<Row> rows = raw.withColumn("clean_text", cleanText(col("text"), s))
                .withColumn("split", split)
                .withColumn(Quarantine.REASON, reason)
                .withColumn(Quarantine.DETAIL, detail)
                .withColumn("text_labels", labelsOfText)
                .withColumn(Quarantine.DETAIL, when(col(Quarantine.REASON).isNull().and(size(col("text_labels")).gt(1)),
                        concat(lit("the same text is labelled "), array_join(col("text_labels"), ", ")))
                        .otherwise(col(Quarantine.DETAIL)))
                .withColumn(Quarantine.REASON, when(col(Quarantine.REASON).isNull().and(size(col("text_labels")).gt(1)),
                        lit("conflicting_labels")).otherwise(col(Quarantine.REASON)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long in = rows.count();
            Map<String, Long> quarantined = Quarantine.countByReason(rows);
            Quarantine.write(ctx, rows.filter(col(Quarantine.REASON).isNotNull())
                    .select(col("id"), col(Quarantine.REASON), col(Quarantine.DETAIL), col("label"), col("text"),
                            col("value").cast("binary").as("original_line")), quarantined);

            Dataset<Row> valid = rows.filter(col(Quarantine.REASON).isNull())
                    .select(col("id"), col("label"), col("clean_text").as("text"), col("text").as("original_text"),
                            col("split"));
            List<Dataset<Row>> removed = new ArrayList<>();
            Dataset<Row> kept = valid;
            if (s.deduplicate()) {
                Dataset<Row> ranked = valid.withColumn("first_id",
                        first("id").over(Window.partitionBy("text").orderBy("id")));
                removed.add(ranked.filter(col("id").notEqual(col("first_id")))
                        .select(col("id"), col("first_id").as("duplicate_of"), lit("exact").as("kind"),
                                col("original_text")));
                kept = ranked.filter(col("id").equalTo(col("first_id"))).drop("first_id");
            }
            kept = kept.persist(StorageLevel.MEMORY_AND_DISK());
            long exact = valid.count() - kept.count();
            long near = 0;
            if (s.nearDuplicateThreshold() > 0) {
                Dataset<Row> nearDups = nearDuplicates(kept, s, ctx.config().integer("run.seed"));
                near = nearDups.count();
                removed.add(kept.join(nearDups, "id").select(col("id"), col("duplicate_of"), lit("near").as("kind"),
                        col("original_text")));
                kept = kept.join(nearDups.select("id"), "id", "left_anti");
            }
            if (!removed.isEmpty()) {
                removed.stream().reduce(Dataset::unionByName).get().write().mode(SaveMode.ErrorIfExists)
                        .parquet(ctx.out("duplicates"));
            }

            List<String> labels = new ArrayList<>();
            for (Row r : kept.select("label").distinct().orderBy("label").collectAsList()) {
                labels.add(r.getString(0));
            }
            Column labelIndex = array_position(array(labels.stream().map(l -> lit(l)).toArray(Column[]::new)),
                    col("label")).minus(1).cast("int");
            kept.select(col("id"), col("label"), labelIndex.as("label_index"), col("split"), col("text"))
                    .write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("data"));
            Fs.writeString(ctx.out("labels.json"), Json.write(labels));

            Dataset<Row> written = ctx.spark().read().parquet(ctx.out("data"));
            Map<String, Long> perSplit = Splits.count(written);
            long out = perSplit.values().stream().mapToLong(Long::longValue).sum();
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("rows_per_split", perSplit);
            metrics.put("labels", labels);
            metrics.put("input", format);
            metrics.put("id", derivedIds ? "derived: content hash + ordinal (no record has '" + fields.id() + "')"
                    : "field " + fields.id());
            metrics.put("split", userSplit ? "kept from " + fields.split() : "seeded hash of the id");
            metrics.put("exact_duplicates", exact);
            metrics.put("rows_with_duplicate_id", Quarantine.duplicateIds(written, "clean"));
            metrics.put("near_duplicates", near);
            Row len = written.agg(avg(length(col("text"))), max(length(col("text")))).first();
            metrics.put("mean_length", len.isNullAt(0) ? 0 : Math.round(len.getDouble(0) * 10) / 10.0);
            metrics.put("max_length", len.isNullAt(1) ? 0 : len.getInt(1));
            kept.unpersist();
            return StageResult.of(Counts.rows(in, out, quarantined, exact + near), metrics,
                    "splits " + perSplit + ", labels " + labels);
        } finally {
            rows.unpersist();
            input.unpersist();
        }
    }

    /**
     * Near duplicates among kept texts. MLlib's {@link MinHashLSH} computes {@code bands x rows} min-hashes of each
     * text's character shingles; each band's {@code rows} hashes form one bucket key (AND within a band, OR across
     * bands, so buckets hold only truly similar texts). Every bucket member is compared with the bucket's smallest
     * id (a star, not all pairs: linear however large a cluster is), the exact Jaccard similarity of the shingle
     * sets is computed with built-ins, and members at or above the threshold are dropped as duplicates of it.
     * (MLlib's own approxSimilarityJoin ORs single hashes; on a million templated texts its candidate pairs grow
     * quadratically and it did not finish.)
     */
    static Dataset<Row> nearDuplicates(Dataset<Row> kept, Settings s, long seed) {
        // character k-shingles hashed to 64 bits with built-ins: no per-character strings, no n-gram strings
        int k = s.shingleSize();
        Dataset<Row> shingles = kept.filter(length(col("text")).geq(k)).select(col("id"),
                expr("array_distinct(transform(sequence(1, length(text) - " + (k - 1) + "), i -> xxhash64(substring(text, i, "
                        + k + "))))").as("shingle_hashes"));
        Dataset<Row> vectors = new HashingTF().setInputCol("shingle_hashes").setOutputCol("vec").setBinary(true)
                .setNumFeatures(1 << 20).transform(shingles).persist(StorageLevel.MEMORY_AND_DISK());
        vectors.count(); // materialize once: the join below reads it from three branches at the same time
        int rows = s.minhashRows();
        MinHashLSHModel model = new MinHashLSH().setNumHashTables(s.minhashBands() * rows).setInputCol("vec")
                .setOutputCol("hashes").setSeed(seed).fit(vectors);
        // band keys in one pass per row (a UDF over MLlib's hash vectors): exploding every hash and regrouping
        // them was a shuffle of rows x bands x rows and took most of the time
        UserDefinedFunction bandKeys = udf((UDF1<scala.collection.Seq<org.apache.spark.ml.linalg.Vector>, long[]>)
                hashes -> BandKeys.of(hashes, rows), DataTypes.createArrayType(DataTypes.LongType, false));
        Dataset<Row> buckets = model.transform(vectors)
                .select(col("id"), posexplode(bandKeys.apply(col("hashes"))).as(new String[] {"band", "bucket"}));
        Dataset<Row> candidates = buckets
                .withColumn("rep", min("id").over(Window.partitionBy("band", "bucket")))
                .filter(col("id").notEqual(col("rep")))
                .select("id", "rep").distinct();
        // exact Jaccard on 64-bit shingle hashes: same sets (collisions aside), far cheaper than comparing strings
        Dataset<Row> a = vectors.select(col("id"), col("shingle_hashes").as("s_id"));
        Dataset<Row> b = vectors.select(col("id").as("rep"), col("shingle_hashes").as("s_rep"));
        Column jaccard = size(array_intersect(col("s_id"), col("s_rep")))
                .divide(size(array_union(col("s_id"), col("s_rep"))));
        Dataset<Row> result = candidates.join(a, "id").join(b, "rep")
                .filter(jaccard.geq(s.nearDuplicateThreshold()))
                .groupBy("id").agg(min("rep").as("duplicate_of"))
                .persist(StorageLevel.MEMORY_AND_DISK());
        result.count();
        vectors.unpersist();
        return result;
    }
}
