package dev.dlpipe.score;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.tabular.RawTableRows;
import dev.dlpipe.tabular.TabularStats;
import java.util.List;
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

    static Dataset<Row> score(SparkSession spark, String exportDir, String csv, Broadcast<byte[]> model, int batch,
                              Config config) {
        Dataset<Row> rows = RawTableRows.features(spark, csv, TabularStats.readFrom(exportDir), config);
        return rows.mapPartitions(new Predict(model, batch, BatchPredictor.classNames(exportDir)),
                Encoders.row(BatchPredictor.SCORED));
    }

    static final class Predict extends BatchPredictor.PartitionScorer {

        Predict(Broadcast<byte[]> model, int batch, List<String> classNames) {
            super(model, batch, classNames);
        }

        @Override
        void score(Row r, BatchPredictor predictor) {
            String id = r.getString(0);
            String label = r.isNullAt(1) ? null : r.getString(1);
            int reason = r.fieldIndex(Quarantine.REASON);
            if (!r.isNullAt(reason)) {
                predictor.reject(id, label, r.getString(reason), r.getString(r.fieldIndex(Quarantine.DETAIL)));
                return;
            }
            List<Double> values = r.getList(2);
            float[] f = new float[values.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = values.get(i).floatValue();
            }
            predictor.add(id, label, f);
        }
    }
}
