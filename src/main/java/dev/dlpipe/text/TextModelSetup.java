package dev.dlpipe.text;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Splits;
import dev.dlpipe.load.ShardIndex;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.api.Model;

/**
 * What train does for a text network beyond the common loop: the initial embedding table
 * ({@code train.text.embeddings}) and the TF-IDF + logistic regression baseline on the same split.
 */
public final class TextModelSetup {

    private TextModelSetup() {
    }

    /** The training split as (label, tokens), cached: Word2Vec and the baseline both read it. */
    public static Dataset<Row> trainTokens(SparkSession spark, ShardIndex train, int classes, int partitions) {
        return PackedTokens.of(spark, train, classes, partitions).cache();
    }

    /** Fills the network's embedding table as configured; returns what was done, for the metrics. */
    public static Map<String, Object> initEmbeddings(Config c, Dataset<Row> trainTokens, String packDir, Model net) {
        return initEmbeddings(embeddings(c, trainTokens, packDir), net);
    }

    /** Fills the network's embedding table with a table {@link #embeddings} made (null: random, as configured). */
    public static Map<String, Object> initEmbeddings(WordEmbeddings.Table table, Model net) {
        Map<String, Object> report = new LinkedHashMap<>();
        if (table == null) {
            report.put("source", "random (uniform in +-0.05)");
            return report;
        }
        WordEmbeddings.apply(table, net);
        report.putAll(table.report());
        return report;
    }

    /**
     * The embedding table train.text.embeddings asks for (word2vec fitted on the training tokens, or GloVe read for
     * the vocabulary), or null for random: made once, it can fill several networks (an ensemble's).
     */
    public static WordEmbeddings.Table embeddings(Config c, Dataset<Row> trainTokens, String packDir) {
        String source = c.string("train.text.embeddings");
        int size = c.integer("train.text.embedding-size");
        return switch (source) {
            case "word2vec" -> WordEmbeddings.word2vec(trainTokens, size, c.integer("train.text.window"),
                    c.integer("train.text.word2vec-iterations"), c.integer("run.seed"));
            case "glove" -> WordEmbeddings.glove(c.string("train.text.glove-file"),
                    Vocabulary.parse(Fs.readString(Fs.child(packDir, Vocabulary.FILE))), size);
            default -> null;
        };
    }

    /** The baseline's accuracy on the test split, else on validation; null when neither has rows. */
    public static Map<String, Object> baseline(SparkSession spark, Dataset<Row> trainTokens, ShardIndex test,
                                               ShardIndex validation, int classes, int partitions) {
        ShardIndex on = test.rows() > 0 ? test : validation;
        if (on.rows() == 0) {
            return null;
        }
        return TfIdfBaseline.evaluate(trainTokens, PackedTokens.of(spark, on, classes, partitions),
                on == test ? Splits.TEST : Splits.VALIDATION);
    }
}
