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

    private TokenSequences() {
    }

    /** The tokens of a text column (one UDF: no built-in splits by Unicode script). */
    public static Column tokens(Column text, Tokenizer tokenizer) {
        return udf((UDF1<String, List<String>>) tokenizer::tokens,
                DataTypes.createArrayType(DataTypes.StringType)).apply(text);
    }

    /** The vocabulary of the rows whose split is train, counted by Spark; only the kept tokens reach the driver. */
    public static Vocabulary fitVocabulary(Dataset<Row> data, Settings s) {
        List<Row> kept = data.filter(col("split").equalTo(Splits.TRAIN))
                .select(explode(tokens(col("text"), s.tokenizer())).as("token"))
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
     * id, label (clean's class index), split and {@code features}: the padded token ids as array&lt;float&gt;, plus
     * the true token count.
     */
    public static Dataset<Row> encode(Dataset<Row> data, Vocabulary v, Settings s) {
        Tokenizer t = s.tokenizer();
        Column ids = ids(col("text"), v, s);
        Column label = java.util.Arrays.asList(data.columns()).contains("label_index") ? col("label_index") : col("label");
        return data.select(col("id"), label.cast("int").as("label"), col("split"), ids.as("features"),
                org.apache.spark.sql.functions.size(tokens(col("text"), t)).as("tokens"));
    }

    /** A text column as its padded token ids, array&lt;float&gt; (a null text gives only padding). */
    public static Column ids(Column text, Vocabulary v, Settings s) {
        Tokenizer t = s.tokenizer();
        int length = s.length();
        return udf((UDF1<String, float[]>) x -> v.encode(t.tokens(x), length),
                DataTypes.createArrayType(DataTypes.FloatType)).apply(text);
    }

    /**
     * Per split: rows, mean tokens per row, the share of rows cut at the sequence length, and the share of kept
     * tokens outside the vocabulary (built-in higher-order functions over the encoded ids).
     */
    public static Map<String, Object> coverage(Dataset<Row> encoded, int length) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Row r : encoded.groupBy("split").agg(count(lit(1)), avg("tokens"),
                        avg(when(col("tokens").gt(length), 1.0).otherwise(0.0)),
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
