package dev.dlpipe.text;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Splits;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Text to token-id sequences on Spark, for pack: tokenize ({@link Tokenizer}), fit the {@link Vocabulary} on the
 * training split's counts only (validation and test words the training data never had become unknown, as they will
 * be for new data), then pad or truncate each row to {@code pack.text.sequence-length} ids.
 */
public final class TokenSequences {

    /** The vectorization settings (pack.text.*). */
    public record Settings(Tokenizer tokenizer, int length, int minCount, int maxVocabulary) {
        public static Settings from(Config c) {
            return new Settings(new Tokenizer("bigrams".equals(c.string("pack.text.unspaced-scripts"))),
                    c.integer("pack.text.sequence-length"), c.integer("pack.text.min-count"),
                    c.integer("pack.text.max-vocabulary"));
        }
    }

    /** The column of tokens ({@link #tokenize}), then of their count ({@link #encode}). */
    static final String TOKENS = "tokens";

    private TokenSequences() {
    }

    /** The tokens of a text column (one UDF: no built-in splits by Unicode script). */
    public static Column tokens(Column text, Tokenizer tokenizer) {
        return udf((UDF1<String, List<String>>) tokenizer::tokens,
                DataTypes.createArrayType(DataTypes.StringType)).apply(text);
    }

    /**
     * The rows with their tokens in column {@code tokens}, tokenized once and kept (memory and disk): the vocabulary
     * fit and the encoding both read them. The caller unpersists.
     */
    public static Dataset<Row> tokenize(Dataset<Row> data, Settings s) {
        return data.withColumn(TOKENS, tokens(col("text"), s.tokenizer()))
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * The vocabulary of the {@link #tokenize}d rows whose split is train, counted by Spark; only the kept tokens
     * reach the driver.
     */
    public static Vocabulary fitVocabulary(Dataset<Row> tokenized, Settings s) {
        List<Row> kept = tokenized.filter(col("split").equalTo(Splits.TRAIN))
                .select(explode(col(TOKENS)).as("token"))
                .groupBy("token").agg(count(lit(1)).as("n"))
                .filter(col("n").geq(s.minCount()))
                .orderBy(col("n").desc(), col("token"))
                .limit(Math.max(0, s.maxVocabulary() - 2))
                .collectAsList();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Row r : kept) {
            counts.put(r.getString(0), r.getLong(1));
        }
        return Vocabulary.fit(counts, s.minCount(), s.maxVocabulary());
    }

    /**
     * id, label (clean's class index), split and {@code features}: the padded token ids of the {@link #tokenize}d
     * rows as array&lt;float&gt;, plus the true token count.
     */
    public static Dataset<Row> encode(Dataset<Row> tokenized, Vocabulary v, Settings s) {
        Column label = java.util.Arrays.asList(tokenized.columns()).contains("label_index") ? col("label_index")
                : col("label");
        return tokenized.select(col("id"), label.cast("int").as("label"), col("split"),
                idsOfTokens(col(TOKENS), v, s.length()).as("features"),
                org.apache.spark.sql.functions.size(col(TOKENS)).as(TOKENS));
    }

    /** A text column as its padded token ids, array&lt;float&gt; (a null text gives only padding). */
    public static Column ids(Column text, Vocabulary v, Settings s) {
        return idsOfTokens(tokens(text, s.tokenizer()), v, s.length());
    }

    private static Column idsOfTokens(Column tokens, Vocabulary v, int length) {
        return udf((UDF1<scala.collection.Seq<String>, float[]>) t -> v.encode(
                        scala.collection.JavaConverters.seqAsJavaList(t), length),
                DataTypes.createArrayType(DataTypes.FloatType)).apply(tokens);
    }

    /**
     * Per split: rows, mean tokens per row, the share of rows cut at the sequence length, and the share of kept
     * tokens outside the vocabulary (built-in higher-order functions over the encoded ids).
     */
    public static Map<String, Object> coverage(Dataset<Row> encoded, int length) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Row r : encoded.groupBy("split").agg(count(lit(1)), avg(TOKENS),
                        avg(when(col(TOKENS).gt(length), 1.0).otherwise(0.0)),
                        sum(expr("size(filter(features, x -> x = " + Vocabulary.OOV + "))")),
                        sum(expr("size(filter(features, x -> x != " + Vocabulary.PAD + "))")))
                .orderBy("split").collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", r.getLong(1));
            m.put("mean_tokens", round(r.getDouble(2)));
            m.put("truncated_share", round(r.getDouble(3)));
            long kept = r.getLong(5);
            m.put("unknown_token_share", kept == 0 ? 0.0 : round(r.getLong(4) / (double) kept));
            out.put(r.getString(0), m);
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
