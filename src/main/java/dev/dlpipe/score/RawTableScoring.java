package dev.dlpipe.score;

import dev.dlpipe.config.Config;
import dev.dlpipe.tabular.RawTableRows;
import dev.dlpipe.tabular.TabularStats;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Scores raw CSV rows with a table model: the export's stats.json turns them into features exactly as clean did
 * for training ({@link RawTableRows}); a row it cannot turn (malformed, a bad number, a null or outlier where the
 * policy drops) comes back with its quarantine reason.
 */
final class RawTableScoring {

    private RawTableScoring() {
    }

    static Dataset<Row> score(SparkSession spark, String exportDir, String csv, Broadcast<ScoringModel.Payload> model, int batch,
                              Config config) {
        Dataset<Row> rows = RawTableRows.features(spark, csv, TabularStats.readFrom(exportDir), config);
        return rows.mapPartitions(new BatchPredictor.FeatureRows(model, batch, BatchPredictor.classNames(exportDir)),
                Encoders.row(BatchPredictor.SCORED));
    }
}
