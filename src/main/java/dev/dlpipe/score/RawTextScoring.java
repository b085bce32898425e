package dev.dlpipe.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.core.RowIds;
import dev.dlpipe.text.CleanTextStage;
import dev.dlpipe.text.TokenSequences;
import dev.dlpipe.text.TextPreprocessing;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Scores raw text (JSON Lines, CSV or Parquet, the fields clean.text.* name) with a text model: the edits clean made
 * (recorded by pack in tokenizer.json), the tokenizer and the vocabulary the export carries, padded to the model's
 * sequence length. A line that is not a record, or a text that cleaning leaves empty, comes back with its reason.
 */
final class RawTextScoring {

    private RawTextScoring() {
    }

    /** Raw text for a token-id model: a file or directory of records rather than packed shards. */
    static boolean isRawText(String data) {
        String first = Fs.firstDataFile(data);
        if (first == null || Fs.exists(Fs.child(data, "test"))) {
            return false;
        }
        String lower = first.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".parquet")) {
            return dev.dlpipe.load.TensorShardReader.columns(first).stream().noneMatch("features"::equals);
        }
        return lower.endsWith(".jsonl") || lower.endsWith(".json") || lower.endsWith(".csv")
                || lower.endsWith(".csv.gz") || lower.endsWith(".txt");
    }

    static Dataset<Row> score(SparkSession spark, String exportDir, String input, Broadcast<ScoringModel.Payload> model, int batch,
                              Config config) {
        TextPreprocessing pre = TextPreprocessing.readFrom(exportDir);
        String format = CleanTextStage.format(input);
        Dataset<Row> raw = CleanTextStage.read(spark, input, format, CleanTextStage.Fields.from(config));
        if (raw.filter(col("id").isNotNull()).limit(1).count() == 0) {
            raw = RowIds.derive(raw.drop("id"), List.of("value"), "id");
        }
        Dataset<Row> cleaned = raw.withColumn("text", CleanTextStage.cleanText(col("text"), pre.edits()));
        Column reason = when(col(CleanTextStage.CORRUPT).isNotNull(), lit(format.equals("jsonl") ? "malformed_json"
                : "malformed_row"))
                .when(col("text").isNull(), lit("missing_text"))
                .when(length(col("text")).equalTo(0), lit("empty_text"));
        Dataset<Row> rows = cleaned.select(col("id").cast("string").as("id"), col("label").cast("string").as("label"),
                TokenSequences.ids(col("text"), pre.vocabulary(), pre.sequences()).as("features"), reason.as(Quarantine.REASON),
                when(reason.isNotNull(), lit("the raw record, cleaned as for training")).as(Quarantine.DETAIL));
        return rows.mapPartitions(new BatchPredictor.FeatureRows(model, batch, BatchPredictor.classNames(exportDir)),
                Encoders.row(BatchPredictor.SCORED));
    }
}
